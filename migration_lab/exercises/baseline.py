"""Exercise 5 · adopt migrations on a database create_all() made: a baseline revision, then stamp."""
from ..errors import one_line
from ..project import scratch_copy
from .checks import Checklist, Exercise, at_head, consistent, history_shape, rows_kept, same_as_solution
from .exact import create_statement_diff, database_diff

TITLE = "Exercise 5 · Adopt migrations on an existing database: baseline and stamp"
HINTS = (
    "Autogenerate compares the models with the database it is pointed at. This one already has every table, "
    "so it finds nothing to create. The baseline must be generated against a database that has no table yet.",
    "WEB_SERVICE/app.py reads DATABASE_URL: set it for one command, `!DATABASE_URL=sqlite:///empty.db python -m "
    "flask db migrate ...`. Then record that this database is already at the baseline, without running it: the "
    "guide's section 8 table has the command.",
    "`flask db init`; `!DATABASE_URL=sqlite:///empty.db python -m flask db migrate -m \"baseline\" "
    "--directory=WEB_SERVICE/migrations`; review it; `flask db stamp head`. Already ran `flask db migrate` against "
    "this database? It wrote nothing; against the wrong empty database? Delete the revision file and generate again.",
)


def _empty_database_builds_yours(checks, sandbox):
    """On a copy: an empty database upgraded to head gets exactly the sandbox's schema; downgrade base empties it."""
    with scratch_copy(sandbox) as copy:
        copy.empty_database()
        try:
            copy.flask_db("upgrade")
        except Exception as error:  # a history that cannot build from empty is the finding
            return checks.check(False, "", f"on a copy, an empty database cannot be upgraded to head: "
                                f"{one_line(error, copy.root)}")
        lines = database_diff(sandbox, copy, actual_name="the copy", expected_name="yours") \
            or create_statement_diff(sandbox, copy, actual_name="the copy", expected_name="yours")
        if not checks.check(not lines, "on a copy, an empty database upgraded to head gets exactly your schema (types, "
                            "NULL, server defaults, keys, indexes, constraints, column order)",
                            "on a copy, an empty database upgraded to head differs from yours: " + "; ".join(lines)):
            return False
        try:
            copy.flask_db("downgrade", revision="base")
            left = sorted(copy.schema().app_tables().tables)
        except Exception as error:  # same as above
            left = [f"it fails: {one_line(error, copy.root)}"]
        return checks.check(not left, "on the same copy, `flask db downgrade base` empties it again",
                            f"on the same copy, `flask db downgrade base` leaves: {', '.join(left)}")


def check(sandbox):
    """Exercise 5: a history that builds the database from empty, and the database stamped at its head."""
    checks = Checklist()
    rows_kept(checks, sandbox)
    if not checks.check((sandbox.migrations / "env.py").exists(), "WEB_SERVICE/migrations/ exists",
                        "there is no WEB_SERVICE/migrations/ folder yet"):
        return checks.result(EXERCISE)
    count = len(sandbox.migration_scripts())
    if not checks.check(count > 0, f"the history has {count} revision(s)", "the history has no revision yet"):
        return checks.result(EXERCISE)
    if not consistent(checks, sandbox, EXERCISE):
        return checks.result(EXERCISE)
    history_shape(checks, sandbox)
    _empty_database_builds_yours(checks, sandbox)
    if at_head(checks, sandbox, fix=""):
        same_as_solution(checks, sandbox, EXERCISE)
    return checks.result(EXERCISE)


EXERCISE = Exercise("baseline", 5, TITLE, "created", HINTS, check)
