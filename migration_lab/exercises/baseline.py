"""Exercise 5 · adopt migrations on a database create_all() made: a baseline revision, then stamp."""
from ..errors import one_line
from ..project import scratch_copy
from ..schema import schema_diff
from .checks import Checklist, Exercise, at_head, model_changes, rows_kept

TITLE = "Exercise 5 · Adopt migrations on an existing database: baseline and stamp"
HINT = """
Autogenerate compares the models with the database it is pointed at: this one already has every table, so it
would find nothing to create. Point it at an empty database for the baseline (DATABASE_URL, read by
WEB_SERVICE/app.py). Then record that this database is at the baseline without running it (guide section 8)."""


def check(sandbox):
    """Exercise 5: a history that builds the database from empty, and the database stamped at its head."""
    checks = Checklist()
    rows_kept(checks, sandbox)
    if not checks.check((sandbox.migrations / "env.py").exists(), "WEB_SERVICE/migrations/ exists",
                        "no WEB_SERVICE/migrations/ yet: `flask db init` first"):
        return checks.result(TITLE, HINT)
    count = len(sandbox.migration_scripts())
    if not checks.check(count > 0, f"the history has {count} revision(s)",
                        "the history has no revision yet: generate the baseline"):
        return checks.result(TITLE, HINT)
    stamped = at_head(checks, sandbox, "mark it with `flask db stamp head` (an upgrade would create "
                      "tables that already exist)")
    with scratch_copy(sandbox) as scratch:
        scratch.empty_database()
        try:
            scratch.flask_db("upgrade")
            gap = schema_diff(sandbox.schema().app_tables(), scratch.schema().app_tables())
            checks.check(not gap, "an empty database upgraded to head gets exactly your schema (on a copy)",
                         "an empty database upgraded to head differs from yours: " + "; ".join(gap.lines()))
        except Exception as error:  # a history that cannot build from empty is the finding
            checks.check(False, "", f"an empty database cannot be upgraded to head: {one_line(error, scratch.root)} "
                         "(the first revision must create the tables: a baseline)")
    if stamped:
        changes = model_changes(sandbox)
        checks.check(not changes, "the models and your database agree (what `flask db check` compares)",
                     f"the models and your database differ in {len(changes)} place(s): "
                     "the baseline must describe the models as they are")
    return checks.result(TITLE, HINT)


EXERCISE = Exercise("baseline", TITLE, "created", HINT, check)
