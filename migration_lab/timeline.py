"""The schema at every revision of a project's history, each built on a throwaway copy.

Nothing here upgrades or downgrades the learner's own database: each state is built in a copy
of the project in a temporary folder (the app, its migrations, its database), deleted afterwards.
"""
from dataclasses import dataclass
from pathlib import Path

from . import revisions
from .errors import LabError, one_line
from .project import scratch_copy
from .schema import schema_diff


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
        return schema_diff(parent.schema, state.schema)

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


def build(project, start="database"):
    """The schema at base and after each revision, each built on a fresh copy of the base database.

    ``start="database"``: the project's database, downgraded to base (the create_all() tables, when
    the history begins with a delta). ``start="empty"``: an empty database (a history that begins
    with a baseline builds everything).
    """
    if start not in ("database", "empty"):
        raise LabError(f"start must be 'database' or 'empty', not {start!r}")
    with scratch_copy(project) as scratch:
        scripts = scratch.migration_scripts()
        if not scripts:
            raise LabError("no revision in WEB_SERVICE/migrations/versions yet: nothing to explore "
                           "(run `flask db migrate` first)")
        heads = revisions.heads(scratch.migrations)
        current = scratch.current_heads()
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
        states = [State(None, "no migration applied", (), None if base_error else scratch.schema().app_tables(),
                        base_error, is_current=not current)]
        for script in scripts:
            snapshot, error = None, base_error and "base could not be built"
            if not base_error:
                scratch.restore(base)
                try:
                    scratch.flask_db("upgrade", revision=script.revision)
                    snapshot = scratch.schema().app_tables()
                except Exception as failure:  # a broken script is a fact to show, not a crash
                    error = f"upgrade failed: {one_line(failure, scratch.root)}"
            states.append(State(script.revision, (script.doc or "").strip(), revisions.parents(script), snapshot,
                                error, script.revision in heads, script.revision in current))
    return Timeline(getattr(project, "name", Path(project.root).name), origin, tuple(states))
