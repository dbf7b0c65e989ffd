"""A migrations folder's revision scripts: in order, their heads, their parents, their graph.

Everything is read through Alembic's own ``ScriptDirectory`` (never by parsing file names), and a
script's parents through ``alembic.util.to_tuple`` (``down_revision`` is None, one id, or a tuple
of ids for a merge). Revision ids are random, so what a notebook prints names revisions by message.
"""
import contextlib
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import to_tuple

from .errors import LabError
from .render import text_table


def script_directory(migrations):
    """Alembic's view of ``migrations``; LabError before `flask db init` made it."""
    if not (Path(migrations) / "versions").is_dir():
        raise LabError("no WEB_SERVICE/migrations/versions yet: run `flask db init` first (notebook 02)")
    return ScriptDirectory(str(migrations))


@contextlib.contextmanager
def _importable_project(migrations):
    """Let scripts import the app while Alembic loads them, as they can under ``python -m flask``.

    A script may import the app at its top (``import WEB_SERVICE.types``, for a column type of the
    app's own); the CLI runs from the project root, which Python puts on ``sys.path``. The modules
    imported from the project are forgotten after, so the next import of the app is a fresh one.
    """
    root = Path(migrations).resolve().parent.parent
    before = set(sys.modules)
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        sys.path.remove(str(root))
        for name in set(sys.modules) - before:
            if str(getattr(sys.modules[name], "__file__", None) or "").startswith(str(root)):
                del sys.modules[name]


def migration_scripts(migrations):
    """Every revision script, base first and heads last (Alembic's Script objects)."""
    with _importable_project(migrations):
        return list(reversed(list(script_directory(migrations).walk_revisions())))


def heads(migrations):
    """The head revision ids, sorted: one for a straight history, several before a merge."""
    with _importable_project(migrations):
        return tuple(sorted(script_directory(migrations).get_heads()))


def parents(script):
    """The revision ids ``script`` follows: () for the first one, two for a merge."""
    return to_tuple(script.down_revision, default=())


def find_script(migrations, revision=None, message=None):
    """The one script with this revision id, or with this message; LabError when not exactly one."""
    if (revision is None) == (message is None):
        raise LabError("name the script by revision=... or by message=..., not both")
    matches = [s for s in migration_scripts(migrations)
               if (s.revision == revision if revision is not None else (s.doc or "").strip() == message)]
    if len(matches) != 1:
        wanted = f"revision {revision!r}" if revision is not None else f"message {message!r}"
        raise LabError(f"{len(matches)} revision scripts have the {wanted}")
    return matches[0]


class RevisionGraph:
    """The history as stable lines: depth from base, message, the messages it follows, and marks."""

    def __init__(self, migrations, applied=()):
        scripts = {s.revision: s for s in migration_scripts(migrations)}
        depth = {}

        def depth_of(revision):
            if revision not in depth:
                depth[revision] = 1 + max((depth_of(p) for p in parents(scripts[revision])), default=0)
            return depth[revision]

        self.lines = []
        for script in sorted(scripts.values(), key=lambda s: (depth_of(s.revision), s.doc)):
            follows = sorted(scripts[p].doc for p in parents(script)) or ["<base>"]
            marks = [mark for mark, on in (("head", script.is_head), ("merge point", script.is_merge_point),
                                           ("branch point", script.is_branch_point),
                                           ("the database is here", script.revision in applied)) if on]
            self.lines.append((f"{depth_of(script.revision)}.", repr(script.doc), "<- " + ", ".join(map(repr, follows)),
                               f"({', '.join(marks)})" if marks else ""))

    def text(self):
        return text_table(self.lines, gap=1)

    __str__ = text

    def __repr__(self):
        return self.text()
