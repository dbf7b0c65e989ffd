"""Preflight: a deploy's upgrade, run first on a copy of the production database, and what it did to the rows.

Guide section 7 says to test a migration before production and to back up the database; preflight
does both in one command a team runs before every deploy (``python -m migration_lab preflight``):

1. copy the database without writing to it (:mod:`migration_lab.preflight_copy`);
2. upgrade the copy to the target, one revision at a time, each timed, through the project's own app
   and ``env.py`` (:mod:`migration_lab.flask_project`); a failing revision stops there and is named;
3. compare every table and column that existed before with what the copy holds now
   (:mod:`migration_lab.preflight_rows`), the schemas (:func:`migration_lab.schema.schema_diff`), review
   each script (:mod:`migration_lab.review`), and run ``flask db check`` on the result;
4. optionally downgrade and upgrade again (``round_trip``), and compare once more.

The source is read twice, schema and Alembic revision, before and after: preflight reports if they
moved. :class:`~migration_lab.preflight_report.Report` holds the answer and the exit status.
"""
import shutil
import time
from dataclasses import replace

from sqlalchemy.engine import make_url

from .database import DatabaseAt
from .errors import LabError, one_line
from .flask_project import FlaskProject, WrongDatabase
from .preflight_copy import copy_database, source_url
from .preflight_report import Check, Report, RevisionRun, RoundTrip
from .preflight_rows import compare_rows, take_before
from .progress import progress_bar
from .review import review_migration
from .schema import schema_diff


def _source_state(url):
    """What must not move in the source: its schema and its Alembic revision (read only)."""
    database = DatabaseAt(url, read_only=True)
    try:
        return database.schema(), database.current_heads()
    except LabError:
        raise
    except Exception as error:  # an unreachable server, a file that is not a database
        raise LabError(f"cannot read the database: {one_line(error)}") from None


def _check_allowed(allowed, schema):
    """Every ``--allow-drop`` must name a table, or a table's column, of the database: a typo is an error."""
    tables = schema.app_tables()
    for name in allowed:
        table, _, column = name.partition(".")
        if table not in tables or (column and tables[table].column(column) is None):
            raise LabError(f"--allow-drop {name}: the database has no such " + ("column" if column else "table"))


def _apply(project, plan, show_progress):
    """Upgrade the copy one revision at a time; stop at the first that fails. Returns the RevisionRuns."""
    runs = []
    with progress_bar("upgrading the copy", "revisions", show_progress, total=len(plan)) as bar:
        for script in plan:
            started = time.perf_counter()
            try:
                project.flask_db("upgrade", revision=script.revision)
                error = None
            except WrongDatabase:
                raise
            except Exception as failure:  # the migration's own error, exactly as raised: reported, not fatal
                error = one_line(failure)
            runs.append(RevisionRun(script.revision, script.doc, _name(script), time.perf_counter() - started, error))
            bar.advance()
            if error:
                break
    return runs


def _name(script):
    return script.path.replace("\\", "/").rsplit("/", 1)[-1]


def _check(project, reached_target, target):
    if not reached_target:
        return Check("skipped", "the upgrade did not reach the target")
    if target not in ("head", "heads") and set(project.scripts.get_heads()) != {target}:
        return Check("skipped", f"the copy is at {target}, not at the head")
    try:
        project.flask_db("check")
    except WrongDatabase:  # env.py reached for another database: refused (exit 2), not a disagreement
        raise
    except LabError as error:
        said = [line.split("Error: ", 1)[1] for line in str(error).splitlines() if "Error: " in line]
        return Check("disagree", said[-1] if said else one_line(error))
    return Check("ok")


def _round_trip(project, copy, start, target, before, after, prints_after):
    """Downgrade to ``start``, compare with ``before``; upgrade to ``target``, compare with ``after``."""
    if len(start) > 1:
        return RoundTrip(", ".join(start), error="the copy started at several heads: downgrade to which one?")
    down_to = start[0] if start else "base"
    database = DatabaseAt(copy.url)
    try:
        project.flask_db("downgrade", revision=down_to)
        restored = not schema_diff(before.app_tables(), database.schema().app_tables())
        reached = database.current_heads()  # Alembic keeps other branches applied: not always the start
        project.flask_db("upgrade", revision=target)
    except WrongDatabase:
        raise
    except Exception as failure:  # a downgrade() that raises, or SQL the database refuses
        return RoundTrip(down_to, error=one_line(failure))
    again = database.schema()
    same_schema = not schema_diff(after.app_tables(), again.app_tables())
    tables = compare_rows(copy, prints_after, after, again) if same_schema else ()
    same_rows = same_schema and not any(t.lost or any(c.lost or c.status != "kept" for c in t.columns)
                                        for t in tables)
    return RoundTrip(down_to, None, reached, restored, same_schema, same_rows)


def run_preflight(app=None, directory=None, database=None, revision="head", allow=(), round_trip=False,
                  show_progress=True, timings=True):
    """Preflight the project's upgrade to ``revision`` on a copy of ``database`` (default: the app's own).

    ``app`` is what ``flask --app`` takes (None: ``FLASK_APP``); ``directory`` the migrations folder
    (None: the one given to ``Migrate()``); ``database`` a URL or a SQLite file's path; ``allow`` the
    intended losses (``"table"`` or ``"table.column"``). Returns a Report; LabError for bad input.
    """
    project = FlaskProject(app, directory)
    url = source_url(database or project.database_url)
    source_before = _source_state(url)
    with copy_database(url, show_progress) as copy:
        copied = DatabaseAt(copy.url)
        before, start = copied.schema(), copied.current_heads()
        _check_allowed(allow, before)
        project.check_known(start)
        plan = project.plan(start, revision)
        prints = take_before(copy, before)
        with project.on_database(copy.url):
            runs = _apply(project, plan, show_progress)
            after = copied.schema()
            tables = compare_rows(copy, prints, before, after)
            reached = len(runs) == len(plan) and not any(run.error for run in runs)
            check = _check(project, reached, revision)
            trip = None
            if round_trip:
                trip = (_trip_on_copy(project, copy, start, revision, before, after) if reached
                        else RoundTrip(", ".join(start) or "base", error="skipped: the upgrade failed"))
    reviews = tuple(review_migration(script.path, "upgrade", "postgresql" if copy.engine == "postgresql" else None)
                    for script in plan)
    source_unchanged = _source_state(url) == source_before
    return Report(copy.source, revision, copy.engine, start, tuple((s.revision, s.doc, _name(s)) for s in plan),
                  runs, schema_diff(before.app_tables(), after.app_tables()), tables, reviews, check, trip,
                  tuple(allow), copy.method, copy.size, copy.seconds, source_unchanged, timings)


def _trip_on_copy(project, copy, start, target, before, after):
    """The round trip, its rows compared with a snapshot of the first upgrade's result."""
    if copy.engine == "sqlite":
        snapshot = copy.snapshot.with_name("after.db")
        shutil.copyfile(make_url(copy.url).database, snapshot)
        return _round_trip(project, replace(copy, snapshot=snapshot), start, target, before, after, None)
    return _round_trip(project, copy, start, target, before, after, take_before(copy, after))
