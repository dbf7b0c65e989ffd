"""What every exercise checker shares: the verdict, the checklist, and the checks several exercises make.

A checker reads the sandbox's database, its models and its migration scripts, and replays the
history on a throwaway copy (never on the learner's database).
"""
import contextlib
import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from .. import checkpoints, revisions
from ..data import TABLE, compare_rows
from ..errors import LabError, one_line
from ..project import create_sample_project, scratch_copy


@dataclass(frozen=True)
class Exercise:
    """One exercise: where its sandbox starts, how it is set up, and how it is checked."""

    slug: str
    title: str
    checkpoint: str         # where its sandbox starts
    hint: str
    check: object           # (sandbox) -> Result
    prepare: object = None  # set-up after the checkpoint: (sandbox) -> lines describing it


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


class Checklist:
    """Collects what holds and what does not, in the order checked."""

    def __init__(self):
        self.right, self.missing = [], []

    def check(self, ok, right, missing):
        (self.right if ok else self.missing).append(right if ok else missing)
        return ok

    def result(self, title, hint):
        return Result(title, tuple(self.right), tuple(self.missing), hint)


@functools.lru_cache(maxsize=None)
def reference(checkpoint):
    """(fingerprint, schema without alembic_version) of a fresh sample project at ``checkpoint``, built once."""
    with tempfile.TemporaryDirectory(prefix="migration-lab-reference-") as folder:
        project = create_sample_project(Path(folder) / "project")
        checkpoints.replay(project, checkpoint)
        return project.fingerprint(), project.schema().app_tables()


def rows_kept(checks, database, renamed=None):
    """The original rows are all there, with the values they were seeded with."""
    expected = reference("created")[0]
    found = database.fingerprint(renamed=renamed)
    return checks.check(found.same_as(expected), f"rows kept: {found.rows} rows, original values identical",
                        f"rows changed: {compare_rows(expected, found)}")


def at_head(checks, sandbox, fix="run `flask db upgrade`"):
    """The history has one head and the database is at it."""
    heads, applied = revisions.heads(sandbox.migrations), sandbox.current_heads()
    now = ", ".join(applied) or "no revision (never upgraded or stamped)"
    return checks.check(len(heads) == 1 and applied == heads, f"the database is at head ({heads[0] if heads else ''})",
                        f"the database is at {now}, the history's head is {', '.join(heads) or 'missing'}: {fix}")


def model_changes(sandbox):
    """What `flask db check` would find between the models and the database (read only)."""
    with sandbox.flask_app() as app, app.app_context():
        db = app.extensions["migrate"].db
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, db.metadata)


def model_table(checks, sandbox):
    """The ConversionJobModel table as the models describe it, or None (and a missing line)."""
    try:
        return sandbox.model_schema()[TABLE]
    except LabError as error:
        checks.check(False, "", str(error))
        return None


def count_where(database, where):
    return database.query(f"SELECT COUNT(*) FROM {TABLE} WHERE {where}")[0][0]


def table(database):
    return database.schema()[TABLE]


@contextlib.contextmanager
def replayed(checks, sandbox):
    """A copy of the sandbox downgraded to base and upgraded to head again; None (and a missing line) on failure."""
    with scratch_copy(sandbox) as scratch:
        try:
            scratch.flask_db("downgrade", revision="base")
            scratch.flask_db("upgrade")
        except Exception as error:  # the learner's scripts run here: their failure is the finding
            checks.check(False, "", f"on a copy, downgrade to base then upgrade again fails: {one_line(error, scratch.root)}")
            scratch = None
        yield scratch
