"""A Flask-Migrate project folder, as the guide lays it out: WEB_SERVICE/, its migrations, its database.

:class:`Project` is what every notebook works on (a sandbox is one; a throwaway copy is another).
It reads its database like any :class:`~migration_lab.database.Database` (``instance/jobs.db``),
runs ``flask db`` in process, lists its revision scripts and edits its models, each in one place.
"""
import contextlib
import shutil
import tempfile
from pathlib import Path

from . import app_edits, data, migrations_config, model_edits, revisions
from .database import SQLiteFile, sqlite_url
from .errors import LabError
from .inprocess import PACKAGE, flask_db, load_app, model_metadata
from .paths import DATA_CSV, SAMPLE_APP, relative_to_project
from .schema import Schema, schema_from_models
from .script_edits import replace_function_bodies

COPY_IGNORES = ("__pycache__", "*.pyc", ".ipynb_checkpoints")


class Project(SQLiteFile):
    """The project at ``root``: ``root`` plays the guide's project root (WEB_SERVICE/ is inside it)."""

    def __init__(self, root):
        self.root = Path(root)
        super().__init__(self.root / "instance" / "jobs.db")

    def __repr__(self):
        return f"<Flask-Migrate project {self.root.name}>"

    @property
    def migrations(self):
        return self.root / PACKAGE / "migrations"

    @property
    def model_file(self):
        return self.root / model_edits.MODEL_FILE

    def require(self):
        """This project, or a LabError that says how to rebuild it."""
        if not (self.root / PACKAGE).is_dir():
            raise LabError(f"the sandbox {relative_to_project(self.root)} is missing (deleted or reset). "
                           "Re-run this notebook's first code cell to rebuild it.")
        return self

    @property
    def url(self):
        self.require()
        return super().url

    # --- flask db, in this process ---------------------------------------------------------------
    def flask_db(self, command, database=None, **options):
        """``flask db <command>`` in this process (milliseconds, not a second); returns its output.

        ``database`` (a URL, a SQLite path, or a Database) replaces ``instance/jobs.db`` for this command.
        """
        return flask_db(self.require().root, command, database=_url(database), **options)

    @contextlib.contextmanager
    def flask_app(self, database=None):
        """The project's app, freshly imported: ``with project.flask_app() as app: ...``."""
        with load_app(self.require().root, _url(database)) as app:
            yield app

    def model_schema(self):
        """The schema the models describe (what autogenerate compares the database with)."""
        return schema_from_models(*model_metadata(self.require().root))

    def create_database_from_models(self, filename):
        """A new SQLite file ``instance/<filename>`` made by ``db.create_all()`` from today's models."""
        path = self.require().root / "instance" / filename
        path.unlink(missing_ok=True)
        with self.flask_app(path) as app, app.app_context():
            app.extensions["migrate"].db.create_all()
        return SQLiteFile(path)

    def call_api(self, url):
        """GET ``url`` on the app; prints the status, or the error that crashes the app (a user sees a 500)."""
        with self.flask_app() as app:
            app.testing = True  # let the error reach us instead of a logged traceback
            try:
                response = app.test_client().get(url)
            except Exception as error:  # any error here is the app failing this request
                cause = getattr(error, "orig", None) or error
                print(f"GET {url} -> 500, the app crashes: {type(cause).__name__}: {cause}")
                return
        print(f"GET {url} -> {response.status_code}")

    # --- revision scripts -----------------------------------------------------------------------------
    def migration_scripts(self):
        """Revision scripts from base to head (Alembic's Script objects)."""
        return revisions.migration_scripts(self.require().migrations)

    def newest_migration(self):
        """The path of the head revision script."""
        scripts = self.migration_scripts()
        if not scripts:
            raise LabError("no migration script yet: run `flask db migrate` first (notebook 04)")
        return Path(scripts[-1].path)

    def migration_script(self, revision=None, message=None):
        """The path of the script with this revision id, or with this message."""
        return Path(revisions.find_script(self.require().migrations, revision, message).path)

    def head_messages(self):
        """The head revisions' messages, sorted: one entry means a straight history."""
        scripts = {s.revision: s for s in self.migration_scripts()}
        return sorted(scripts[head].doc for head in revisions.heads(self.migrations))

    def revision_graph(self):
        """Every revision by message, what it follows, and where the database is."""
        return revisions.RevisionGraph(self.require().migrations, self.current_heads())

    def quiet_plugin_logs(self):
        """Stop the six "setting up autogenerate plugin" log lines (a logger in alembic.ini); returns the diff."""
        return migrations_config.quiet_plugin_logs(self.require().root)

    def make_sqlite_migrations_atomic(self):
        """Make a failed migration on SQLite roll back whole (SQLAlchemy's recipe in env.py); returns the diff."""
        return migrations_config.make_sqlite_migrations_atomic(self.require().root)

    def set_lock_timeout(self, value="5s"):
        """Make each migration on PostgreSQL give up after waiting ``value`` for a lock (env.py); returns the diff."""
        return migrations_config.set_lock_timeout(self.require().root, value)

    def use_advisory_lock(self, commit=True):
        """Make concurrent upgrades on PostgreSQL wait for each other (env.py); ``commit=False``: the near miss."""
        return migrations_config.use_advisory_lock(self.require().root, commit)

    def use_transaction_per_migration(self):
        """Commit after each revision instead of once per `flask db upgrade` (app.py); returns the diff."""
        return migrations_config.use_transaction_per_migration(self.require().root)

    def turn_off_sqlite_foreign_keys(self):
        """Run migrations on SQLite with foreign keys off, checked and put back after (env.py); returns the diff."""
        return migrations_config.turn_off_sqlite_foreign_keys(self.require().root)

    def import_in_new_scripts(self, line):
        """Add an import to script.py.mako, so every script `flask db migrate` writes has it; returns the diff."""
        return migrations_config.import_in_new_scripts(self.require().root, line)

    # --- the app's set-up (app.py) -------------------------------------------------------------------
    def enforce_sqlite_foreign_keys(self):
        """Make the app turn SQLite's foreign keys on for each connection (app.py); returns the diff."""
        return app_edits.enforce_sqlite_foreign_keys(self.require().root)

    def add_database_bind(self, key, url):
        """Give the app a second database, ``SQLALCHEMY_BINDS = {key: url}`` (app.py); returns the diff."""
        return app_edits.add_database_bind(self.require().root, key, url)

    def configure_alembic(self, **options):
        """Hand options to Alembic's context.configure() through migrate.init_app (app.py); returns the diff."""
        return app_edits.configure_alembic(self.require().root, **options)

    def new_revision(self, rev_id, message, upgrade, downgrade="pass"):
        """``flask db revision --rev-id <rev_id> -m <message>`` in process, its two bodies filled; returns the diff."""
        self.flask_db("revision", message=message, rev_id=rev_id)
        return replace_function_bodies(self.migration_script(revision=rev_id), upgrade=upgrade, downgrade=downgrade)

    # --- the models -------------------------------------------------------------------------------------
    def add_model_columns(self, lines=model_edits.GUIDE_COLUMNS):
        """Add column lines to ConversionJobModel (default: the guide's four); returns the diff."""
        return model_edits.add_columns(self.require().root, lines)

    def replace_model_line(self, old, new):
        """Replace one line of the model file (``new=""`` deletes it); returns the diff."""
        return model_edits.replace_line(self.require().root, old, new)

    def set_model_enum(self, name, values):
        """Define a Python enum ``name`` with these members above the model (or redefine it); returns the diff."""
        return model_edits.set_enum(self.require().root, name, values)

    def add_model_import(self, line):
        """Add a top-level import to the model file (``"from ..types import UTCDateTime"``); returns the diff."""
        return model_edits.add_import(self.require().root, line)

    def add_model_module(self, module, imported=True):
        """Add the lab's model module ``module`` (``"audit_entry"``) and import it; returns the diffs."""
        return model_edits.add_model_module(self.require().root, module, imported)

    def remove_model_import(self, module):
        """Stop importing ``models/<module>.py`` (the file stays); returns the diff."""
        return model_edits.remove_model_import(self.require().root, module)


def _url(database):
    """A SQLAlchemy URL from a URL, a path to a SQLite file, or a Database; None stays None."""
    if database is None or isinstance(database, str) and "://" in database:
        return database
    if hasattr(database, "url"):
        return database.url
    return sqlite_url(database)


def create_sample_project(root):
    """The guide's starting point at ``root``: WEB_SERVICE/ and instance/jobs.db made by
    create_all() and seeded from data/, no migrations. Returns the Project."""
    shutil.copytree(SAMPLE_APP, root, ignore=shutil.ignore_patterns(*COPY_IGNORES, "instance"), dirs_exist_ok=True)
    project = Project(root)
    with project.flask_app() as app, app.app_context():
        db = app.extensions["migrate"].db
        db.create_all()
        with db.engine.begin() as connection:
            data.seed(connection, db.metadata.tables[data.TABLE], DATA_CSV)
    return project


class Scratch(Project):
    """A throwaway copy of a project: upgrade, downgrade, empty its database freely."""

    def schema(self):
        return super().schema() if self.database_path.exists() else Schema({})

    def current_heads(self):
        return super().current_heads() if self.database_path.exists() else ()

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
        """Replace the copy's database by no database at all: what a new colleague or CI starts from."""
        self.restore(None)


@contextlib.contextmanager
def scratch_copy(project):
    """A :class:`Scratch` copy of ``project`` in a temporary folder, deleted when the block ends."""
    root = project.require().root
    with tempfile.TemporaryDirectory(prefix="migration-lab-") as folder:
        copy = Path(folder) / root.name
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(*COPY_IGNORES))
        yield Scratch(copy)
