"""The schema at every revision of a sandbox's history, built on throwaway copies of the sandbox.

Nothing here upgrades or downgrades the learner's own database: each state is built in a copy
of the sandbox in a temporary folder (the app, its migrations, its database), deleted afterwards.
"""
import contextlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from . import data, schema
from .database import app_database_url, connect
from .errors import LabError
from .inprocess import PACKAGE, flask_db

BOOKKEEPING = "alembic_version"


def app_schema(target):
    """The schema of a database without Alembic's bookkeeping table ``alembic_version``."""
    snapshot = schema.snapshot(target)
    return schema.Schema({name: table for name, table in snapshot.tables.items() if name != BOOKKEEPING})


def database_revisions(target):
    """The revisions ``alembic_version`` holds (several while two heads are applied), sorted."""
    with connect(target) as connection:
        if BOOKKEEPING not in inspect(connection).get_table_names():
            return ()
        return tuple(sorted(connection.execute(text(f"SELECT version_num FROM {BOOKKEEPING}")).scalars()))


def history(migrations):
    """(revision scripts from base to head, sorted head ids) of a migrations folder; ([], ()) before init."""
    if not (Path(migrations) / "versions").is_dir():
        return [], ()
    directory = ScriptDirectory(str(migrations))
    return list(reversed(list(directory.walk_revisions()))), tuple(sorted(directory.get_heads()))


def one_line(error, root=None):
    """What went wrong, in one line a learner can read (the last line the command printed)."""
    if isinstance(error, LabError):
        lines = [line for line in str(error).splitlines()[1:] if line.strip()] or [str(error)]
        message = lines[-1].strip()
    else:
        message = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}".rstrip(": ")
    return message.replace(str(root), "<copy>") if root else message


class Scratch:
    """A throwaway copy of a sandbox: upgrade and downgrade it freely."""

    def __init__(self, root):
        self.root = Path(root)

    @property
    def database_path(self):
        return self.root / "instance" / "jobs.db"

    @property
    def migrations(self):
        return self.root / PACKAGE / "migrations"

    def flask_db(self, command, **options):
        """``flask db <command>`` on the copy, in process; a failure raises."""
        return flask_db(self.root, command, **options)

    def schema(self):
        return app_schema(self.database_path) if self.database_path.exists() else schema.Schema({})

    def fingerprint(self, columns=None):
        return data.fingerprint(self.database_path, columns=columns)

    def revisions(self):
        return database_revisions(self.database_path) if self.database_path.exists() else ()

    def save(self):
        """The database file's bytes (None when there is no file), for :meth:`restore`."""
        return self.database_path.read_bytes() if self.database_path.exists() else None

    def restore(self, saved):
        if saved is None:
            self.database_path.unlink(missing_ok=True)
        else:
            self.database_path.parent.mkdir(exist_ok=True)
            self.database_path.write_bytes(saved)

    def empty_database(self):
        """Replace the copy's database by an empty one (what a new colleague or CI starts from)."""
        self.restore(None)


@contextlib.contextmanager
def scratch_copy(sandbox):
    """A :class:`Scratch` copy of a sandbox (or a project folder), removed when the block ends."""
    root = Path(sandbox.require().root if hasattr(sandbox, "require") else sandbox)
    # the copy must use its own database file, whatever DATABASE_URL says
    with app_database_url(None), tempfile.TemporaryDirectory(prefix="migration-lab-") as folder:
        copy = Path(folder) / root.name
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))
        yield Scratch(copy)


@dataclass(frozen=True)
class State:
    """The database at one revision: its schema, or why it could not be built."""

    revision: str       # None for base: no migration applied
    message: str
    parents: tuple      # the revisions this one follows (two for a merge)
    schema: object      # a schema.Schema, or None when ``error``
    error: str = None
    is_head: bool = False
    is_current: bool = False

    @property
    def label(self):
        return "base" if self.revision is None else f"{self.revision} · {self.message}"

    def marks(self):
        marks = ["head"] if self.is_head else []
        if self.is_current:
            marks.append("your database is here")
        return f"  ({'; '.join(marks)})" if marks else ""


def _summary(snapshot):
    if not snapshot.tables:
        return "no tables"
    return ", ".join(f"{t.name} ({len(t.columns)} columns, {len(t.indexes)} index{'es' if len(t.indexes) != 1 else ''})"
                     for t in snapshot.tables.values())


@dataclass(frozen=True)
class Timeline:
    """Every state of a sandbox's history, base first, as a reviewer steps through it."""

    name: str
    origin: str         # what base was built from, in words
    states: tuple

    def index_of(self, revision):
        return next(i for i, s in enumerate(self.states) if s.revision == revision)

    def parent_of(self, index):
        """The state a revision's changes are measured from (the first one, for a merge)."""
        state = self.states[index]
        if state.revision is None:
            return None
        return self.states[self.index_of(state.parents[0] if state.parents else None)]

    def changes(self, index):
        """The SchemaDiff from the parent state, or None when either schema is missing."""
        parent, state = self.parent_of(index), self.states[index]
        if parent is None or parent.schema is None or state.schema is None:
            return None
        return schema.diff(parent.schema, state.schema)

    def describe(self, index):
        """The lines the explorer shows for one state, schema table aside."""
        state = self.states[index]
        lines = [f"[{index}] {state.label}{state.marks()}"]
        if state.error:
            lines.append(f"    could not build this state: {state.error}")
            return lines
        parent = self.parent_of(index)
        if parent is not None:
            merged = f" (merge of {', '.join(state.parents)})" if len(state.parents) > 1 else ""
            lines.append(f"    changes from {parent.revision or 'base'}{merged}:")
            changes = self.changes(index)
            if changes is None:
                lines.append("      (unknown: the parent state could not be built)")
            else:
                lines += [f"      {line}" for line in changes.lines() or ["(no schema change)"]]
        lines.append(f"    tables: {_summary(state.schema)}")
        return lines

    def text(self):
        lines = [f"Schema timeline of {self.name}: {len(self.states)} states, base built from {self.origin}"]
        for index in range(len(self.states)):
            lines += self.describe(index)
        return "\n".join(lines)

    __str__ = text

    def __repr__(self):
        return self.text()


def build(sandbox, start="database"):
    """The schema at base and after each revision, each built on a fresh copy of the base database.

    ``start="database"``: the sandbox's database, downgraded to base (the create_all() tables, when
    the history begins with a delta). ``start="empty"``: an empty database (a history that begins
    with a baseline builds everything).
    """
    if start not in ("database", "empty"):
        raise LabError(f"start must be 'database' or 'empty', not {start!r}")
    with scratch_copy(sandbox) as scratch:
        scripts, heads = history(scratch.migrations)
        if not scripts:
            raise LabError("no revision in WEB_SERVICE/migrations/versions yet: nothing to explore "
                           "(run `flask db migrate` first)")
        current = scratch.revisions()
        base_error, origin = None, "a copy of its database (no revision applied yet)"
        if start == "empty":
            scratch.empty_database()
            origin = "an empty database"
        elif current:
            origin = "a copy of its database, downgraded to base"
            try:
                scratch.flask_db("downgrade", revision="base")
            except Exception as error:  # the learner's downgrade() is being tested here: report it
                base_error = f"downgrade to base failed: {one_line(error, scratch.root)}"
        base = scratch.save()
        states = [State(None, "no migration applied", (), None if base_error else scratch.schema(), base_error,
                        is_current=not current)]
        for script in scripts:
            down = script.down_revision
            parents = () if down is None else (down,) if isinstance(down, str) else tuple(down)
            snapshot, error = None, base_error and "base could not be built"
            if not base_error:
                scratch.restore(base)
                try:
                    scratch.flask_db("upgrade", revision=script.revision)
                    snapshot = scratch.schema()
                except Exception as failure:  # a broken script is a fact to show, not a crash
                    error = f"upgrade failed: {one_line(failure, scratch.root)}"
            states.append(State(script.revision, (script.doc or "").strip(), parents, snapshot, error,
                                script.revision in heads, script.revision in current))
    return Timeline(getattr(sandbox, "name", Path(str(sandbox)).name), origin, tuple(states))
