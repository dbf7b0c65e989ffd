"""One sandbox per notebook under workspace/: the sample app, its seeded database, its migrations."""
import contextlib
import json
import os
import re
import shutil
import sys
from pathlib import Path

from sqlalchemy import text

from . import checkpoints, data, model_edits, schema
from .database import connect, current_revision
from .errors import LabError, show_lab_errors_as_messages
from .inprocess import load_app, model_metadata
from .shell import use_pipes_for_bang_commands
from .paths import DATA_CSV, SAMPLE_APP, WORKSPACE, relative_to_project, remove_inside_workspace

MARKER = ".lab-sandbox.json"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Sandbox:
    """A notebook's own copy of the guide's project: ``root`` plays the guide's project root."""

    def __init__(self, name, workspace=WORKSPACE):
        if not NAME.match(name or ""):
            raise LabError(f"{name!r} is not a sandbox name: use the notebook's name, e.g. '04_generate'")
        self.name = name.removesuffix(".ipynb")
        self.root = Path(workspace) / self.name

    def __repr__(self):
        return f"Sandbox({self.name!r}, checkpoint={self.checkpoint!r})"

    # --- where things are -------------------------------------------------------------
    @property
    def database_path(self):
        return self.root / "instance" / "jobs.db"

    @property
    def database_url(self):
        return f"sqlite:///{self.require().database_path}"

    @property
    def migrations(self):
        return self.root / "WEB_SERVICE" / "migrations"

    @property
    def model_file(self):
        return self.root / model_edits.MODEL_FILE

    @property
    def checkpoint(self):
        marker = self.root / MARKER
        return json.loads(marker.read_text())["checkpoint"] if marker.exists() else None

    def require(self):
        """This sandbox, or a LabError that says how to rebuild it."""
        if not (self.root / "WEB_SERVICE").is_dir():
            raise LabError(f"the sandbox {relative_to_project(self.root)} is missing (deleted or reset). "
                           "Re-run this notebook's first code cell to rebuild it.")
        return self

    # --- what the learner looks at ---------------------------------------------------
    def schema(self):
        """The database's schema, read from the database itself."""
        return schema.snapshot(self.require())

    def model_schema(self):
        """The schema the models describe (imports the sandbox's code afresh)."""
        return schema.from_metadata(*model_metadata(self.require().root))

    def fingerprint(self):
        return data.fingerprint(self.require())

    def count_rows(self, table=data.TABLE):
        return data.count_rows(self.require(), table)

    def query(self, sql, **params):
        """Rows of a SQL query, as a list of tuples."""
        with connect(self.require()) as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]

    def current_revision(self):
        """What ``alembic_version`` holds, or None when Alembic has never touched the database."""
        return current_revision(self.require())

    def migration_scripts(self):
        """Revision scripts from base to head, as alembic's Script objects."""
        from alembic.script import ScriptDirectory

        if not (self.require().migrations / "versions").is_dir():
            raise LabError("no WEB_SERVICE/migrations/versions yet: run `flask db init` first (notebook 02)")
        scripts = ScriptDirectory(str(self.migrations))
        return list(reversed(list(scripts.walk_revisions())))

    def newest_migration(self):
        """The path of the head revision script."""
        scripts = self.migration_scripts()
        if not scripts:
            raise LabError("no migration script yet: run `flask db migrate` first (notebook 04)")
        return Path(scripts[-1].path)

    @contextlib.contextmanager
    def flask_app(self):
        """The sandbox's app, freshly imported: ``with sandbox.flask_app() as app: ...``."""
        with load_app(self.require().root) as app:
            yield app

    def add_model_columns(self, lines=model_edits.GUIDE_COLUMNS):
        """Add column lines to ConversionJobModel and print the diff."""
        print(model_edits.add_columns(self.require().root, lines) or "(already there: nothing to change)")

    def replace_model_line(self, old, new):
        """Replace one line of the model file and print the diff."""
        print(model_edits.replace_line(self.require().root, old, new) or "(already done: nothing to change)")


def copy_sample_project(root):
    """The guide's starting point at ``root``: WEB_SERVICE/ and instance/jobs.db made by
    create_all() and seeded from data/, no migrations. Returns the number of rows."""
    shutil.copytree(SAMPLE_APP, root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "instance"),
                    dirs_exist_ok=True)
    with load_app(root) as app, app.app_context():
        db = app.extensions["migrate"].db
        db.create_all()
        with db.engine.begin() as connection:
            return data.seed(connection, db.metadata.tables[data.TABLE], DATA_CSV)


def _build(sandbox, checkpoint):
    """A clean copy of the sample project, then the guide's steps replayed up to ``checkpoint``."""
    remove_inside_workspace(sandbox.root)
    rows = copy_sample_project(sandbox.root)
    replayed = checkpoints.replay(sandbox.root, checkpoint)
    (sandbox.root / MARKER).write_text(json.dumps({"checkpoint": checkpoint}))
    return rows, replayed


def _enter(sandbox, set_flask_app):
    """Make ``!python -m flask ...`` in a cell run here, with this kernel's Python."""
    os.chdir(sandbox.root)
    os.environ.pop("DATABASE_URL", None)  # never let a real database URL leak into the lab
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    os.environ["PYTHONUNBUFFERED"] = "1"  # stdout and stderr reach the cell in the order written
    if set_flask_app:
        os.environ["FLASK_APP"] = "WEB_SERVICE.app"
    else:
        os.environ.pop("FLASK_APP", None)
    bin_dir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def open_sandbox(name, checkpoint="created", set_flask_app=True):
    """Build a fresh sandbox for notebook ``name`` at ``checkpoint`` and work inside it.

    Everything in ``workspace/<name>/`` is replaced, so running a notebook again starts over.
    """
    show_lab_errors_as_messages()
    use_pipes_for_bang_commands()
    sandbox = Sandbox(name)
    checkpoints.steps_until(checkpoint)  # an unknown checkpoint fails before anything is touched
    os.chdir(WORKSPACE.parent)  # never stand inside the folder being rebuilt
    os.environ.pop("DATABASE_URL", None)
    WORKSPACE.mkdir(exist_ok=True)
    rows, replayed = _build(sandbox, checkpoint)
    _enter(sandbox, set_flask_app)
    print(f"Sandbox {relative_to_project(sandbox.root)}/ is ready at checkpoint '{checkpoint}'.")
    print(f"  database : instance/jobs.db, {rows} rows in {data.TABLE} (made by create_all(), no migrations)")
    for step in replayed:
        print(f"  replayed : {step}")
    flask_app = "FLASK_APP=WEB_SERVICE.app" if set_flask_app else "FLASK_APP not set"
    print(f"  shell    : cells starting with ! run in the sandbox, {flask_app}, python = this kernel's")
    return sandbox


def sandboxes():
    """Every sandbox that exists now, by name."""
    if not WORKSPACE.is_dir():
        return []
    return [Sandbox(p.name) for p in sorted(WORKSPACE.iterdir()) if p.is_dir() and not p.is_symlink()]


def reset(name):
    """Delete one notebook's sandbox (it is rebuilt by the notebook's first cell)."""
    sandbox = Sandbox(name)
    if not sandbox.root.exists():
        raise LabError(f"no sandbox named {sandbox.name!r}; existing: "
                       f"{', '.join(s.name for s in sandboxes()) or 'none'}")
    remove_inside_workspace(sandbox.root)
    return sandbox


def reset_all():
    """Delete every sandbox; returns their names."""
    names = [s.name for s in sandboxes()]
    for name in names:
        remove_inside_workspace(WORKSPACE / name)
    return names
