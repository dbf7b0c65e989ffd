"""The exercises of notebook 13: each starts a sandbox of its own, and a checker inspects it for real.

A checker reads the sandbox's database, its model and its migration scripts, and replays the
history on a throwaway copy (never on the learner's database). It returns a :class:`Result`:
what is right, what is missing, and a hint.

    box = exercises.start("rename", "13_exercises")      # fresh sandbox workspace/13_exercises-rename/
    print(exercises.check_rename(box))                     # what holds, what is missing, a hint
"""
import contextlib
import functools
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text as sql

from . import checkpoints, data, model_edits, review, scenarios
from .database import connect
from .errors import LabError
from .inprocess import flask_db
from .schema import diff
from .timeline import app_schema, database_revisions, history, one_line, scratch_copy
from .workspace import copy_sample_project, open_sandbox

TABLE = data.TABLE


# --- results ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Result:
    """The verdict of a checker: ``passed`` when nothing is missing."""

    exercise: str
    right: tuple
    missing: tuple
    hint: str

    @property
    def passed(self):
        return not self.missing

    def text(self):
        total = len(self.right) + len(self.missing)
        status = "PASSED" if self.passed else f"not done yet ({len(self.right)} of {total} checks hold)"
        lines = [f"{self.exercise}: {status}"]
        lines += [f"  ✓ {line}" for line in self.right]
        lines += [f"  ✗ {line}" for line in self.missing]
        if not self.passed:
            lines.append("  hint: " + "\n        ".join(self.hint.strip().splitlines()))
        return "\n".join(lines)

    __str__ = text

    def __repr__(self):
        return self.text()


class _Checklist:
    """Collects what holds and what does not, in the order checked."""

    def __init__(self):
        self.right, self.missing = [], []

    def check(self, ok, right, missing):
        (self.right if ok else self.missing).append(right if ok else missing)
        return ok

    def result(self, about):
        return Result(about.title, tuple(self.right), tuple(self.missing), about.hint)


# --- facts every checker uses ---------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _reference(checkpoint):
    """(fingerprint, schema) of a fresh sample project replayed to ``checkpoint``, built once."""
    with tempfile.TemporaryDirectory(prefix="migration-lab-reference-") as folder:
        root = Path(folder) / "project"
        copy_sample_project(root)
        checkpoints.replay(root, checkpoint)
        database = root / "instance" / "jobs.db"
        return data.fingerprint(database), app_schema(database)


def _rows_kept(checks, target, renames=None):
    """The original rows are all there, with the values they were seeded with."""
    expected = _reference("created")[0]
    found = data.fingerprint(target, columns=scenarios.renamed(data.original_columns(), **(renames or {})))
    return checks.check(found.same_as(expected), f"rows kept: {found.rows} rows, original values identical",
                        f"rows changed: {data.compare(expected, found)}")


def _scripts(sandbox):
    """The sandbox's revision scripts from base to head ([] before `flask db init`)."""
    return history(sandbox.migrations)[0]


def _heads(sandbox):
    return history(sandbox.migrations)[1]


def _at_head(checks, sandbox, fix="run `flask db upgrade`"):
    heads, applied = _heads(sandbox), database_revisions(sandbox)
    now = ", ".join(applied) or "no revision (never upgraded or stamped)"
    return checks.check(len(heads) == 1 and applied == heads, f"the database is at head ({heads[0] if heads else ''})",
                        f"the database is at {now}, the history's head is {', '.join(heads) or 'missing'}: {fix}")


def _model_changes(sandbox):
    """What `flask db check` would find between the models and the database (read only)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with sandbox.flask_app() as app, app.app_context():
        db = app.extensions["migrate"].db
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, db.metadata)


def _model_table(checks, sandbox):
    """The ConversionJobModel table as the models describe it, or None (and a missing line)."""
    try:
        return sandbox.model_schema()[TABLE]
    except LabError as error:
        checks.check(False, "", str(error))
        return None


def _count(target, where):
    with connect(target) as connection:
        return connection.execute(sql(f"SELECT COUNT(*) FROM {TABLE} WHERE {where}")).scalar_one()


def _columns(target):
    return app_schema(target)[TABLE]


@contextlib.contextmanager
def _replayed(checks, sandbox):
    """A copy of the sandbox downgraded to base and upgraded to head again; None (and a missing line) on failure."""
    with scratch_copy(sandbox) as scratch:
        try:
            scratch.flask_db("downgrade", revision="base")
            scratch.flask_db("upgrade")
        except Exception as error:  # the learner's scripts run here: their failure is the finding
            checks.check(False, "", f"on a copy, downgrade to base then upgrade again fails: {one_line(error, scratch.root)}")
            scratch = None
        yield scratch


# --- the exercises ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Exercise:
    slug: str
    title: str
    checkpoint: str     # where its sandbox starts
    hint: str
    prepare: object = None   # set-up after the checkpoint: (sandbox) -> lines describing it


EXERCISES = {}


def _exercise(slug, title, checkpoint, hint, prepare=None):
    EXERCISES[slug] = Exercise(slug, title, checkpoint, hint, prepare)
    return EXERCISES[slug]


def exercise(slug):
    if slug not in EXERCISES:
        raise LabError(f"no exercise {slug!r}; the exercises are: {', '.join(EXERCISES)}")
    return EXERCISES[slug]


def set_up(slug, sandbox):
    """Prepare a sandbox, already at the exercise's checkpoint, for exercise ``slug``; prints what was done."""
    prepare = exercise(slug).prepare
    for line in (prepare(sandbox) if prepare else ()):
        print(f"  set-up   : {line}")
    return sandbox


def start(slug, notebook):
    """A fresh sandbox ``workspace/<notebook>-<slug>/`` set up for one exercise; cells with ! run there."""
    return set_up(slug, open_sandbox(f"{notebook}-{slug}", exercise(slug).checkpoint))


# 1 · a new column with a server default, and a backfill ----------------------------------------
SERVER_DEFAULT = _exercise(
    "server_default", "Exercise 1 · A new column with a server default and a backfill", "upgraded", """
Declare the column in the model with nullable=False and server_default="0", then `flask db migrate`.
Autogenerate writes columns, never data: the backfill is an op.execute("UPDATE ...") that you add to
upgrade() yourself, before you run `flask db upgrade`.""")

PROCESSED = "status != 'pending'"


def check_server_default(sandbox):
    """Exercise 1: conversion_jobs.attempts, NOT NULL, server default 0; processed jobs backfilled to 1."""
    checks = _Checklist()
    _rows_kept(checks, sandbox)
    column = _columns(sandbox).column("attempts")
    backfilled = False
    if checks.check(column is not None, "the database has conversion_jobs.attempts",
                    "the database has no conversion_jobs.attempts column yet"):
        checks.check(not column.nullable and column.default is not None and "0" in column.default,
                     f"attempts is {column.describe()}",
                     f"attempts is {column.describe()}: it should be NOT NULL with server default '0'")
        wrong = _count(sandbox, f"attempts IS NULL OR attempts != CASE WHEN {PROCESSED} THEN 1 ELSE 0 END")
        backfilled = checks.check(wrong == 0, "backfilled: processed jobs hold 1, pending jobs 0",
                                  f"{wrong} rows are not backfilled (1 for jobs that are not pending, 0 for pending ones)")
    model = _model_table(checks, sandbox)
    if model is not None:
        declared = model.column("attempts")
        checks.check(declared is not None and declared.default is not None and not declared.nullable,
                     "the model declares attempts NOT NULL with a server default",
                     "the model should declare attempts = db.Column(db.Integer, nullable=False, server_default=\"0\")")
    if _at_head(checks, sandbox) and backfilled:
        with _replayed(checks, sandbox) as scratch:
            if scratch:
                again = _count(scratch.database_path, f"attempts != CASE WHEN {PROCESSED} THEN 1 ELSE 0 END")
                checks.check(again == 0, "the migration itself backfills (replayed from base on a copy)",
                             f"replayed from base on a copy, {again} rows are not backfilled: "
                             "the UPDATE belongs in upgrade() (op.execute), not in a query typed by hand")
    return checks.result(SERVER_DEFAULT)


# 2 · rename a column without losing data ---------------------------------------------------------
RENAME = _exercise(
    "rename", "Exercise 2 · Rename size_bytes to file_size without losing data", "upgraded", """
Read the generated script before upgrading (widgets.migration_reviewer): autogenerate cannot tell a rename
from a new column plus a removed one. batch_op.alter_column() accepts new_column_name=..., in upgrade() and,
the other way round, in downgrade(). Lost the sizes already? Re-run the exercise's start cell.""")

RENAMED = {"size_bytes": "file_size"}


def check_rename(sandbox):
    """Exercise 2: size_bytes renamed file_size in the model and the database, every size kept."""
    checks = _Checklist()
    names = _columns(sandbox).column_names
    renamed = checks.check("file_size" in names and "size_bytes" not in names,
                           "the database has file_size and no size_bytes",
                           "the database should have file_size instead of size_bytes "
                           f"(it has {', '.join(n for n in names if n in ('file_size', 'size_bytes'))})")
    _rows_kept(checks, sandbox, RENAMED if "file_size" in names else None)
    model = _model_table(checks, sandbox)
    if model is not None:
        checks.check("file_size" in model.column_names and "size_bytes" not in model.column_names,
                     "the model has file_size", "the model should have file_size instead of size_bytes")
    at_head = _at_head(checks, sandbox)
    if at_head and renamed:
        with _replayed(checks, sandbox) as scratch:
            if scratch:
                kept = scratch.fingerprint(scenarios.renamed(data.original_columns(), **RENAMED))
                checks.check(kept.same_as(_reference("created")[0]),
                             "downgrade to base and upgrade again keep every size (on a copy)",
                             "on a copy, downgrade to base then upgrade again loses sizes: both upgrade() and "
                             "downgrade() must rename (alter_column ... new_column_name=...), never drop")
    return checks.result(RENAME)


# 3 · two heads: merge them -------------------------------------------------------------------------
ALICE, BRUNO = "alice_priority", "bruno_created_index"
_BRANCHES = (
    (ALICE, "priority for urgent jobs", """
with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
    batch_op.add_column(sa.Column('priority', sa.String(length=10), server_default='normal', nullable=False))
""", """
with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
    batch_op.drop_column('priority')
"""),
    (BRUNO, "index on created_at for the daily report", """
with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
    batch_op.create_index(batch_op.f('ix_conversion_jobs_created_at'), ['created_at'], unique=False)
""", """
with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
    batch_op.drop_index(batch_op.f('ix_conversion_jobs_created_at'))
"""),
)
CREATED_AT = "created_at = db.Column(db.DateTime, nullable=False, default=utcnow)"


def _write_revision(sandbox, rev_id, message, upgrade, downgrade, head):
    """A revision made by `flask db revision` after ``head``, its functions filled in (in process)."""
    flask_db(sandbox.root, "revision", message=message, head=head, splice=True, rev_id=rev_id)
    path = next(Path(s.path) for s in sandbox.migration_scripts() if s.revision == rev_id)
    with contextlib.redirect_stdout(io.StringIO()):  # the set-up is told in one line, not as a diff
        scenarios.edit_migration(path, upgrade=upgrade, downgrade=downgrade)


def _two_heads(sandbox):
    guide = sandbox.migration_scripts()[-1].revision
    for rev_id, message, upgrade, downgrade in _BRANCHES:
        _write_revision(sandbox, rev_id, message, upgrade, downgrade, head=guide)
    model_edits.add_columns(sandbox.root, 'priority = db.Column(db.String(10), nullable=False, server_default="normal")')
    model_edits.replace_line(sandbox.root, CREATED_AT, CREATED_AT[:-1] + ", index=True)")
    return [f"Alice's revision {ALICE} and Bruno's revision {BRUNO} both follow {guide} (two heads)",
            "the model has both changes (a priority column, an index on created_at)",
            f"the database is still at {guide}"]


MERGE = _exercise(
    "merge", "Exercise 3 · Two heads: merge them", "upgraded", """
`flask db merge` writes a revision that follows the revisions you give it; `heads` names every head at once.
Then `flask db upgrade`.""", _two_heads)


def check_merge(sandbox):
    """Exercise 3: one head, a merge revision of both branches, the database at it with both changes."""
    checks = _Checklist()
    heads = _heads(sandbox)
    single = checks.check(len(heads) == 1, "the history has a single head",
                          f"the history has {len(heads)} heads ({', '.join(heads)}): merge them")
    if single:
        head = next(s for s in _scripts(sandbox) if s.revision == heads[0])
        parents = set(head.down_revision) if isinstance(head.down_revision, tuple) else {head.down_revision}
        checks.check({ALICE, BRUNO} <= parents, f"the head {head.revision} merges {ALICE} and {BRUNO}",
                     f"the head {head.revision} is not a merge of {ALICE} and {BRUNO}")
        _at_head(checks, sandbox)
    table = _columns(sandbox)
    checks.check(table.column("priority") is not None and any("created_at" in i for i in table.indexes),
                 "the database has Alice's priority column and Bruno's index",
                 "the database lacks Alice's priority column or Bruno's created_at index: upgrade after merging")
    _rows_kept(checks, sandbox)
    return checks.result(MERGE)


# 4 · write the missing downgrade ---------------------------------------------------------------------
WORKER = "add_worker"
WORKER_UPGRADE = """
with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
    batch_op.add_column(sa.Column('worker', sa.String(length=50), nullable=True))
    batch_op.create_index(batch_op.f('ix_conversion_jobs_finished_at'), ['finished_at'], unique=False)
"""
WORKER_DOWNGRADE = """
# TODO: nobody wrote this ("we never go back")
pass
"""
FINISHED_AT = "finished_at = db.Column(db.DateTime)"


def _downgrade_missing(sandbox):
    guide = sandbox.migration_scripts()[-1].revision
    _write_revision(sandbox, WORKER, "worker that ran the job; index on finished_at",
                    WORKER_UPGRADE, WORKER_DOWNGRADE, head=guide)
    model_edits.add_columns(sandbox.root, "worker = db.Column(db.String(50))")
    model_edits.replace_line(sandbox.root, FINISHED_AT, "finished_at = db.Column(db.DateTime, index=True)")
    flask_db(sandbox.root, "upgrade")
    return [f"revision {WORKER} after {guide}: adds a worker column and an index on finished_at",
            "its downgrade() is just `pass`", f"the database is upgraded to {WORKER}"]


DOWNGRADE = _exercise(
    "downgrade", "Exercise 4 · Write the missing downgrade", "upgraded", f"""
downgrade() undoes upgrade() in reverse order, in the same kind of batch_alter_table block: first what was
created last. The reviewer's upgrade() tab lists what to undo. Edit WEB_SERVICE/migrations/versions/{WORKER}_*.py,
then try it for real: `flask db downgrade`, then `flask db upgrade`.""",
    _downgrade_missing)


def check_downgrade(sandbox):
    """Exercise 4: downgrade() of add_worker brings back the guide revision's schema, rows intact."""
    checks = _Checklist()
    script = next((s for s in _scripts(sandbox) if s.revision == WORKER), None)
    if script is None:
        checks.check(False, "", f"no revision {WORKER} in the history: re-run the exercise's start cell")
        return checks.result(DOWNGRADE)
    operations = review.review(script.path, "downgrade").operations
    checks.check(bool(operations), f"downgrade() of {WORKER} runs {len(operations)} operation(s)",
                 f"downgrade() of {WORKER} does nothing")
    expected = _reference("upgraded")[1]
    with scratch_copy(sandbox) as scratch:
        try:
            scratch.flask_db("upgrade", revision=WORKER)
            scratch.flask_db("downgrade", revision=script.down_revision)
        except Exception as error:  # the learner's script runs here: its failure is the finding
            checks.check(False, "", f"on a copy, upgrade then downgrade fails: {one_line(error, scratch.root)}")
            return checks.result(DOWNGRADE)
        left = diff(expected, scratch.schema())
        checks.check(not left, "on a copy, downgrade gives back the schema of the guide's revision",
                     "on a copy, after downgrade the schema still differs from the guide revision's: "
                     + "; ".join(left.lines()))
        _rows_kept(checks, scratch.database_path)
        try:
            scratch.flask_db("upgrade", revision=WORKER)
            again = not diff(app_schema(sandbox), scratch.schema())
        except Exception:  # same as above: reported, not raised
            again = False
        checks.check(again, "on the same copy, upgrade again rebuilds the schema of your database",
                     "on a copy, upgrade after downgrade does not rebuild the schema of your database")
    _at_head(checks, sandbox)
    return checks.result(DOWNGRADE)


# 5 · adopt migrations on an existing database: baseline and stamp ---------------------------------
BASELINE = _exercise(
    "baseline", "Exercise 5 · Adopt migrations on an existing database: baseline and stamp", "created", """
Autogenerate compares the models with the database it is pointed at: this one already has every table, so it
would find nothing to create. Point it at an empty database for the baseline (DATABASE_URL, read by
WEB_SERVICE/app.py). Then record that this database is at the baseline without running it (guide section 8).""")


def check_baseline(sandbox):
    """Exercise 5: a history that builds the database from empty, and the database stamped at its head."""
    checks = _Checklist()
    _rows_kept(checks, sandbox)
    if not checks.check((sandbox.migrations / "env.py").exists(), "WEB_SERVICE/migrations/ exists",
                        "no WEB_SERVICE/migrations/ yet: `flask db init` first"):
        return checks.result(BASELINE)
    revisions = len(_scripts(sandbox))
    if not checks.check(revisions > 0, f"the history has {revisions} revision(s)",
                        "the history has no revision yet: generate the baseline"):
        return checks.result(BASELINE)
    stamped = _at_head(checks, sandbox, "mark it with `flask db stamp head` (an upgrade would create "
                       "tables that already exist)")
    with scratch_copy(sandbox) as scratch:
        scratch.empty_database()
        try:
            scratch.flask_db("upgrade")
            gap = diff(app_schema(sandbox), scratch.schema())
            checks.check(not gap, "an empty database upgraded to head gets exactly your schema (on a copy)",
                         "an empty database upgraded to head differs from yours: " + "; ".join(gap.lines()))
        except Exception as error:  # a history that cannot build from empty is the finding
            checks.check(False, "", f"an empty database cannot be upgraded to head: {one_line(error, scratch.root)} "
                         "(the first revision must create the tables: a baseline)")
    if stamped:
        changes = _model_changes(sandbox)
        checks.check(not changes, "the models and your database agree (what `flask db check` compares)",
                     f"the models and your database differ in {len(changes)} place(s): "
                     "the baseline must describe the models as they are")
    return checks.result(BASELINE)


CHECKERS = {"server_default": check_server_default, "rename": check_rename, "merge": check_merge,
            "downgrade": check_downgrade, "baseline": check_baseline}
