"""What-if scenarios for notebooks 07 and 09: the set-up around a migration, never the migration itself.

Restart a sandbox between scenarios, write rows the app would have written, plug or unplug a model
module, show and hand-edit a generated script, and describe the revision graph by messages only
(revision ids are random: they never make a checked output). To list what a script does, use
:func:`migration_lab.review.review`; to back up the database, :mod:`migration_lab.backup`.
"""
import ast
import contextlib
import io
import re
from pathlib import Path

from sqlalchemy import inspect, text

from . import data
from .database import app_database_url, connect
from .errors import LabError
from .timeline import database_revisions
from .model_edits import unified_diff
from .workspace import open_sandbox

MODELS_INIT = "WEB_SERVICE/models/__init__.py"

# A second model module, as a teammate would add it: a log of what happened to each job.
AUDIT_MODULE = "audit_entry"
AUDIT_CLASS = "AuditEntryModel"
AUDIT_TABLE = "audit_entries"
AUDIT_SOURCE = '''\
"""What happened to a conversion job, one line per event."""
from datetime import datetime, timezone

from ..extensions import db


class AuditEntryModel(db.Model):
    __tablename__ = "audit_entries"

    id = db.Column(db.Integer, primary_key=True)
    job_id = db.Column(db.Integer, nullable=False)
    action = db.Column(db.String(50), nullable=False)
    at = db.Column(db.DateTime, default=lambda: datetime.now(timezone.utc).replace(tzinfo=None))
'''


# --- the sandbox and its database -----------------------------------------------------
def restart(sandbox, checkpoint="upgraded"):
    """Rebuild ``sandbox`` from scratch at ``checkpoint`` (in process) and say so in one line."""
    with contextlib.redirect_stdout(io.StringIO()):
        fresh = open_sandbox(sandbox.name, checkpoint)
    print(f"Fresh sandbox at checkpoint '{checkpoint}', every earlier edit undone: "
          f"{fresh.count_rows()} rows in {data.TABLE}.")
    return fresh


def execute(target, sql, **params):
    """Run one writing SQL statement and commit it; returns how many rows it touched."""
    with connect(target) as connection:
        result = connection.execute(text(sql), params)
        connection.commit()
        return result.rowcount


def non_null_counts(target, columns, table=data.TABLE):
    """For each column, how many rows hold a value; ``'column missing'`` when the column is gone."""
    with connect(target) as connection:
        present = {c["name"] for c in inspect(connection).get_columns(table)}
        counts = {}
        for column in columns:
            if column in present:
                sql = f'SELECT COUNT("{column}") FROM "{table}"'
                counts[column] = connection.execute(text(sql)).scalar_one()
            else:
                counts[column] = "column missing"
    return counts


def table_names(target):
    """The tables of a database, sorted (alembic_version included)."""
    with connect(target) as connection:
        return sorted(inspect(connection).get_table_names())


def renamed(columns, **renames):
    """``columns`` with some names replaced (``old=new``): fingerprint a renamed column by its new name."""
    return [renames.get(column, column) for column in columns]


def create_database_from_models(sandbox, filename):
    """A new SQLite file ``instance/<filename>`` built by ``db.create_all()`` from today's models."""
    path = sandbox.require().root / "instance" / filename
    if path.exists():
        path.unlink()
    with app_database_url(f"sqlite:///{path}"), sandbox.flask_app() as app, app.app_context():
        app.extensions["migrate"].db.create_all()
    print(f"created {_relative(sandbox, path)} with db.create_all(): tables {', '.join(table_names(path))}")
    return path


def api_get(sandbox, url):
    """GET ``url`` on the sandbox app; prints the status, or what crashes the app (a user sees a 500)."""
    with sandbox.flask_app() as app:
        app.testing = True  # let the error reach us instead of a logged traceback
        try:
            response = app.test_client().get(url)
        except Exception as error:  # any error here is the app failing this request
            cause = getattr(error, "orig", None) or error
            print(f"GET {url} -> 500, the app crashes: {type(cause).__name__}: {cause}")
            return
    print(f"GET {url} -> {response.status_code}")


# --- model modules ------------------------------------------------------------------------
def add_model_module(sandbox, module=AUDIT_MODULE, source=AUDIT_SOURCE, class_name=AUDIT_CLASS):
    """Write ``WEB_SERVICE/models/<module>.py`` and import it in models/__init__.py; prints the diff."""
    root = sandbox.require().root
    (root / "WEB_SERVICE" / "models" / f"{module}.py").write_text(source, encoding="utf-8")
    init = root / MODELS_INIT
    before = init.read_text(encoding="utf-8")
    line = f"from .{module} import {class_name}\n"
    if line in before:
        print("(already imported: nothing to change)")
        return
    imports = [m.end() for m in re.finditer(r"^from \.\w+ import .*\n", before, flags=re.MULTILINE)]
    if not imports:
        raise LabError(f"{MODELS_INIT} has no 'from .module import Model' line: re-run the first code cell")
    after = before[:imports[-1]] + line + before[imports[-1]:]
    init.write_text(after, encoding="utf-8")
    print(f"created WEB_SERVICE/models/{module}.py ({class_name})")
    print(unified_diff(before, after, MODELS_INIT))


def unplug_model_module(sandbox, module=AUDIT_MODULE):
    """Remove the import of ``module`` from models/__init__.py (the file stays); prints the diff."""
    init = sandbox.require().root / MODELS_INIT
    before = init.read_text(encoding="utf-8")
    after = re.sub(rf"^from \.{re.escape(module)} import .*\n", "", before, flags=re.MULTILINE)
    if after == before:
        print("(not imported: nothing to change)")
        return
    init.write_text(after, encoding="utf-8")
    print(unified_diff(before, after, MODELS_INIT))


# --- migration scripts --------------------------------------------------------------------
def _function(path, name):
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise LabError(f"{Path(path).name} has no function {name}()")


def show_function(path, name="upgrade"):
    """Print one function of a migration script (``upgrade`` by default), file name on top."""
    node = _function(path, name)
    lines = Path(path).read_text(encoding="utf-8").splitlines()[node.lineno - 1:node.end_lineno]
    print(f"# {_script_name(path)}  ({name})")
    print("\n".join(lines))


def edit_migration(path, upgrade=None, downgrade=None):
    """Replace the body of ``upgrade()`` and/or ``downgrade()``, as a reviewer would; prints the diff."""
    path = Path(path)
    before = path.read_text(encoding="utf-8")
    lines = before.splitlines(keepends=True)
    # Edit from the bottom up so that the line numbers of the function above stay right.
    for name, body in sorted((("upgrade", upgrade), ("downgrade", downgrade)),
                             key=lambda item: -_function(path, item[0]).lineno):
        if body:
            start, end = _body_lines(path, name)
            lines[start:end] = ["".join(f"    {line}\n" if line.strip() else "\n"
                                        for line in body.strip("\n").splitlines())]
    after = "".join(lines)
    path.write_text(after, encoding="utf-8")
    print(unified_diff(before, after, _script_name(path)))


def _body_lines(path, name):
    """0-based [start, end) of a top-level function's body, its comments included, trailing blanks not."""
    source = Path(path).read_text(encoding="utf-8")
    tree = ast.parse(source)
    node = _function(path, name)
    following = [n.lineno for n in tree.body if n.lineno > node.lineno]
    lines = source.splitlines()
    end = (min(following) - 1) if following else len(lines)
    while end > node.lineno and not lines[end - 1].strip():
        end -= 1
    return node.lineno, end


def _script_name(path):
    return "/".join(Path(path).parts[-4:])


def _relative(sandbox, path):
    return Path(path).relative_to(sandbox.root).as_posix()


# --- the revision graph, by message ---------------------------------------------------------
def _scripts(sandbox):
    from alembic.script import ScriptDirectory

    sandbox.require()
    return {s.revision: s for s in ScriptDirectory(str(sandbox.migrations)).walk_revisions()}


def head_messages(sandbox):
    """The message of every head revision, sorted: one entry means a straight history."""
    return sorted(s.doc for s in _scripts(sandbox).values() if s.is_head)


def script_path(sandbox, message):
    """The path of the revision script whose message is ``message``."""
    matches = [Path(s.path) for s in _scripts(sandbox).values() if s.doc == message]
    if len(matches) != 1:
        raise LabError(f"{len(matches)} revision scripts have the message {message!r}")
    return matches[0]


def _parents(script):
    down = script.down_revision
    return () if down is None else (down,) if isinstance(down, str) else tuple(down)


def revision_graph(sandbox):
    """The history as stable lines: depth from base, message, parents' messages, and marks."""
    scripts = _scripts(sandbox)
    applied = set(database_revisions(sandbox))
    depth = {}

    def depth_of(revision):
        if revision not in depth:
            parents = _parents(scripts[revision])
            depth[revision] = 1 + max((depth_of(p) for p in parents), default=0)
        return depth[revision]

    lines = []
    for script in sorted(scripts.values(), key=lambda s: (depth_of(s.revision), s.doc)):
        parents = sorted(scripts[p].doc for p in _parents(script)) or ["<base>"]
        marks = [m for m, on in (("head", script.is_head), ("merge point", script.is_merge_point),
                                 ("branch point", script.is_branch_point),
                                 ("the database is here", script.revision in applied)) if on]
        lines.append(f"{depth_of(script.revision)}. {script.doc!r} <- {', '.join(map(repr, parents))}"
                     + (f"  ({', '.join(marks)})" if marks else ""))
    return lines
