"""What every exercise checker shares: the verdict, the checklist, the expected states, and the exact checks.

A checker reads the sandbox's database, its models and its migration scripts, and replays the
history on a throwaway copy (never on the learner's database). What "right" means is not written
in the checker: it is the database the exercise's own solution (``solutions/<slug>.py``) gives on a
fresh copy of the sample project, compared exactly (:mod:`.exact`).
"""
import atexit
import functools
import importlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory

from .. import checkpoints, revisions
from ..data import TABLE, compare_rows
from ..database import SQLiteFile
from ..errors import one_line
from ..project import create_sample_project, scratch_copy
from .exact import database_diff, model_diff, value_diff

START_DATABASE = ".lab-start.db"  # the database as the start cell left it, kept in the sandbox


@dataclass(frozen=True)
class Exercise:
    """One exercise: where its sandbox starts, how it is set up, its hints, and how it is checked."""

    slug: str
    number: int
    title: str
    checkpoint: str         # where its sandbox starts
    hints: tuple            # from the idea to the code, shown one at a time on request
    check: object           # (sandbox) -> Result
    prepare: object = None  # set-up after the checkpoint: (sandbox) -> lines describing it

    @property
    def variable(self):
        """The name the notebooks give its sandbox: ex1 ... ex5."""
        return f"ex{self.number}"


@dataclass(frozen=True)
class Result:
    """The verdict of a checker: ``passed`` when nothing is missing. It never holds the hints."""

    exercise: str
    right: tuple
    missing: tuple
    notes: tuple = ()
    ask: str = ""  # how to ask for a hint

    @property
    def passed(self):
        return not self.missing

    def text(self):
        total = len(self.right) + len(self.missing)
        status = "PASSED" if self.passed else f"not done yet ({len(self.right)} of {total} checks hold)"
        lines = [f"{self.exercise}: {status}"]
        lines += [f"  ✓ {line}" for line in self.right]
        lines += [f"  ✗ {line}" for line in self.missing]
        lines += [f"  note: {line}" for line in self.notes]
        if not self.passed and self.ask:
            lines.append(f"  stuck? {self.ask}")
        return "\n".join(lines)

    __str__ = text

    def __repr__(self):
        return self.text()


class Checklist:
    """Collects what holds and what does not, in the order checked (``right=None``: say nothing when it holds)."""

    def __init__(self):
        self.right, self.missing = [], []

    def check(self, ok, right, missing):
        if ok and right:
            self.right.append(right)
        elif not ok:
            self.missing.append(missing)
        return ok

    def result(self, exercise):
        return Result(exercise.title, tuple(self.right), tuple(self.missing),
                      ask=f"exercises.hint({exercise.variable}) gives a hint (or \"Show a hint\" under the checker)")


# --- the expected states, built once per process on fresh copies of the sample project -----------------
@functools.lru_cache(maxsize=None)
def _built(checkpoint, prepare=None, solved_by=None):
    folder = tempfile.mkdtemp(prefix="migration-lab-reference-")
    atexit.register(shutil.rmtree, folder, True)
    project = create_sample_project(Path(folder) / "project")
    checkpoints.replay(project, checkpoint)
    if prepare:
        prepare(project)
    if solved_by:
        importlib.import_module(f"{__package__}.solutions.{solved_by}").solve(project)
    return project


def at_checkpoint(checkpoint):
    """A fresh sample project at ``checkpoint`` (the guide's steps only)."""
    return _built(checkpoint)


def solved(exercise):
    """A fresh sample project where ``exercise`` starts, solved by ``solutions/<slug>.py``: the expected end."""
    return _built(exercise.checkpoint, exercise.prepare, exercise.slug)


def start_database(sandbox):
    """The database as the exercise's start cell left it (kept by ``exercises.set_up``), or None."""
    path = Path(sandbox.root) / START_DATABASE
    return SQLiteFile(path) if path.is_file() else None


# --- checks every exercise makes ---------------------------------------------------------------------
def rows_kept(checks, database, renamed=None):
    """The original rows are all there, with the values they were seeded with."""
    expected = at_checkpoint("created").fingerprint()
    found = database.fingerprint(renamed=renamed)
    return checks.check(found.same_as(expected), f"rows kept: {found.rows} rows, original values identical",
                        f"rows changed: {compare_rows(expected, found)}")


def guide_revision(sandbox):
    """The id of the guide's revision in this sandbox (every sandbox generated its own)."""
    return revisions.find_script(sandbox.migrations, message=checkpoints.GUIDE_MESSAGE).revision


def consistent(checks, sandbox, exercise):
    """The database has the schema of the revision it records, when that revision's schema is known.

    A migration that failed part-way on SQLite (stock env.py) keeps what ran before the error, and a
    downgrade that undid only part of its upgrade records the revision before anyway.
    """
    known = {}
    start = start_database(sandbox)
    if exercise.checkpoint == "upgraded":
        known[(guide_revision(sandbox),)] = at_checkpoint(exercise.checkpoint)
    if start is not None:
        known[start.current_heads()] = start
    recorded = sandbox.current_heads()
    if recorded not in known:
        return True
    lines = database_diff(known[recorded], sandbox, column_order=False, expected_name="that revision")
    return checks.check(not lines, None, (
        f"your database records {', '.join(recorded) or 'no revision'}, yet its schema is not that revision's: "
        + "; ".join(lines) + ". A migration that failed part-way (SQLite keeps what ran before the error, "
        "notebook 08) or a downgrade that undid only part of its upgrade leaves it so: "
        f"exercises.reset_database({exercise.variable}) brings back the database the start cell made, "
        "and keeps your model and scripts"))


def history_shape(checks, sandbox):
    """One first revision and one head (says nothing when that holds)."""
    directory = ScriptDirectory(str(sandbox.migrations))
    bases = sorted(directory.get_bases())
    return checks.check(len(bases) <= 1, None, (
        f"the history has {len(bases)} first revisions (down_revision = None): {', '.join(bases)}"))


def at_head(checks, sandbox, fix="run `flask db upgrade`"):
    """The history has one head and the database is at it."""
    heads, applied = revisions.heads(sandbox.migrations), sandbox.current_heads()
    now = ", ".join(applied) or "no revision (never upgraded or stamped)"
    return checks.check(len(heads) == 1 and applied == heads, f"the database is at head ({heads[0] if heads else ''})",
                        f"the database is at {now}, the history's head is {', '.join(heads) or 'missing'}"
                        + (f": {fix}" if fix else ""))


def model_table(sandbox):
    """The ConversionJobModel table as the models describe it (LabError when the models do not import)."""
    return sandbox.model_schema()[TABLE]


def table(database):
    return database.schema()[TABLE]


def same_as_solution(checks, sandbox, exercise, column_order=True):
    """The database equals the solution's exactly (schema and values), and the model equals the database."""
    expected = solved(exercise)
    lines = database_diff(expected, sandbox, column_order, expected_name="the solution's")
    checks.check(not lines, "the database's schema is exactly the solution's (types, NULL, server defaults, "
                 "keys, indexes, constraints" + (", column order)" if column_order else ")"),
                 "the database's schema differs from the solution's: " + "; ".join(lines))
    values = value_diff(expected, sandbox, expected_name="the solution's")
    checks.check(not values, f"every value of the {sandbox.count_rows()} rows, with its type, is the solution's",
                 "values differ from the solution's database: " + "; ".join(values))
    model = model_diff(sandbox)
    checks.check(not model, "the model and the database agree (what `flask db check` compares, server defaults too)",
                 "the model and the database differ: " + "; ".join(model))


def round_trip(checks, sandbox, down_to, expected_down, column_order=True):
    """On a copy: downgrade to ``down_to`` gives ``expected_down`` exactly, then upgrade gives the sandbox back."""
    with scratch_copy(sandbox) as copy:
        try:
            copy.flask_db("downgrade", revision=down_to)
        except Exception as error:  # the learner's scripts run here: their failure is the finding
            return checks.check(False, "", f"on a copy, `flask db downgrade {down_to}` fails: "
                                f"{one_line(error, copy.root)}")
        at = f"the database at {down_to}"
        lines = (database_diff(expected_down, copy, column_order, "the copy", at)
                 + value_diff(expected_down, copy, "the copy", at))
        if not checks.check(not lines, f"on a copy, `flask db downgrade {down_to}` gives back that revision's "
                            "database exactly (schema and values)",
                            f"on a copy, after `flask db downgrade {down_to}`: " + "; ".join(lines)):
            return False
        try:
            copy.flask_db("upgrade")
        except Exception as error:  # same as above
            return checks.check(False, "", f"on the same copy, `flask db upgrade` then fails: "
                                f"{one_line(error, copy.root)}")
        lines = (database_diff(sandbox, copy, column_order, "the copy", "yours")
                 + value_diff(sandbox, copy, "the copy", "yours"))
        return checks.check(not lines, "on the same copy, `flask db upgrade` rebuilds your database exactly "
                            "(schema and values)",
                            "on the same copy, `flask db upgrade` does not rebuild your database: "
                            + "; ".join(lines))


def ask_the_app(project, method, url, payload=None):
    """What the project's own app answers (status, JSON), or (500, the error) when a request crashes it."""
    with project.flask_app() as app:
        app.testing = True  # the error reaches us instead of a logged traceback
        try:
            response = app.test_client().open(url, method=method, json=payload)
        except Exception as error:  # the app failing this request is the finding
            return 500, one_line(getattr(error, "orig", None) or error)
    return response.status_code, response.get_json()
