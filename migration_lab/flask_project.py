"""Any Flask-Migrate project, found as ``flask`` finds it: the app, its migrations folder, its database.

Preflight runs on a team's own project, not on a lab sandbox, so nothing here assumes ``WEB_SERVICE/``.
The app is located by Flask's own ``ScriptInfo`` (the rules of ``flask --app`` / ``FLASK_APP``, and
``.flaskenv`` / ``.env`` when python-dotenv is installed); the migrations folder is the one given to
``Migrate()`` unless told otherwise; the database is the one Flask-SQLAlchemy was configured with.

``on_database(url)`` points the app at another database (the copy) for a while, by replacing
Flask-SQLAlchemy's engine, which is what Flask-Migrate's ``env.py`` connects through
(``get_engine()``). An ``env.py`` edited to connect elsewhere would migrate that other database, so
every ``context.configure()`` is checked: a connection that is not the copy's stops before any SQL.
"""
import contextlib
import os
from pathlib import Path

from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from .errors import LabError
from .inprocess import run_command


class WrongDatabase(LabError):
    """env.py was about to migrate another database than the copy."""


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def load_flask_app(app_path=None):
    """The Flask app that ``flask --app <app_path>`` would run (None: ``FLASK_APP``, then wsgi.py / app.py)."""
    from flask.cli import NoAppException, ScriptInfo, load_dotenv  # the flask command's own loader

    load_dotenv()  # as the flask command does before it reads FLASK_APP
    app_path = app_path or os.environ.get("FLASK_APP")
    try:
        return ScriptInfo(app_import_path=app_path, set_debug_flag=False).load_app()
    except NoAppException as error:
        raise LabError(f"no Flask app: {_first_line(error)}") from None
    except Exception as error:  # the project's own code failed while it was imported
        raise LabError(f"the app {app_path or '(app.py / wsgi.py)'} fails to import: "
                       f"{type(error).__name__}: {_first_line(error)}") from None


def same_database(first, second):
    """Do two SQLAlchemy URLs name the same database? (Driver and password aside.)"""
    a, b = make_url(first), make_url(second)
    return (a.get_backend_name(), a.host, a.port, a.database, a.username, dict(a.query)) == \
        (b.get_backend_name(), b.host, b.port, b.database, b.username, dict(b.query))


@contextlib.contextmanager
def _only_migrate(url):
    """Make every ``context.configure()`` of env.py prove that it connects to ``url``; else stop there."""
    original = EnvironmentContext.configure

    def guarded(self, *args, **options):
        connection = options.get("connection", args[0] if args else None)
        target = connection.engine.url if connection is not None else options.get("url")
        if target is None or not same_database(target, url):
            raise WrongDatabase("env.py connects to another database than the copy preflight gave the app "
                           "(Flask-Migrate's env.py connects through the app's engine): nothing was run")
        return original(self, *args, **options)

    EnvironmentContext.configure = guarded
    try:
        yield
    finally:
        EnvironmentContext.configure = original


class FlaskProject:
    """A loaded Flask-Migrate app and its migrations folder (``directory``: default, the one of ``Migrate()``)."""

    def __init__(self, app_path=None, directory=None):
        self.app = load_flask_app(app_path)
        migrate = self.app.extensions.get("migrate")
        if migrate is None:
            raise LabError(f"the Flask app {self.app.import_name!r} does not use Flask-Migrate (no Migrate(app, db))")
        self.db = migrate.db
        if not hasattr(type(self.db), "engines"):
            raise LabError("preflight needs Flask-SQLAlchemy 3 or later (db.engines)")
        with self.app.app_context():
            engines = self.db.engines
            if set(engines) != {None}:
                raise LabError("the app has several databases (SQLALCHEMY_BINDS): preflight copies only one, "
                               "so it does not run on this app")
            self.database_url = engines[None].url.render_as_string(hide_password=False)
        self.directory = Path(directory or migrate.directory)
        if not (self.directory / "env.py").is_file() or not (self.directory / "versions").is_dir():
            raise LabError(f"no migrations folder at {self.directory} (env.py and versions/): give it with "
                           "--directory, or run `flask db init` first")
        self.scripts = ScriptDirectory(str(self.directory))

    def flask_db(self, command, **options):
        """``flask db <command>`` on this project's migrations, in this process; returns what it printed."""
        return run_command(self.app, command, self.directory.as_posix(), directory=str(self.directory), **options)

    @contextlib.contextmanager
    def on_database(self, url):
        """The app's engine (and every env.py connection) on ``url`` for the block; the original put back."""
        with self.app.app_context():
            engines = self.db.engines  # Flask-SQLAlchemy's own mapping for this app: replaced in place
            original = engines[None]
            engines[None] = create_engine(url, poolclass=NullPool)
            saved_uri = self.app.config.get("SQLALCHEMY_DATABASE_URI")
            self.app.config["SQLALCHEMY_DATABASE_URI"] = url
        try:
            with _only_migrate(url):
                yield
        finally:
            with self.app.app_context():
                engines[None].dispose()
                engines[None] = original
                self.app.config["SQLALCHEMY_DATABASE_URI"] = saved_uri

    def plan(self, heads, target="head"):
        """The scripts ``flask db upgrade <target>`` would run from ``heads``, in the order Alembic runs them."""
        try:
            self.scripts.get_revisions(target)  # an unknown revision fails here, with Alembic's message
            return list(reversed(list(self.scripts.iterate_revisions(target, heads, implicit_base=True))))
        except (CommandError, RevisionError) as error:
            raise LabError(f"cannot upgrade to {target!r}: {_first_line(error)}") from None

    def check_known(self, heads):
        """LabError when the database records a revision this folder does not have."""
        for head in heads:
            try:
                self.scripts.get_revision(head)
            except (CommandError, RevisionError):
                raise LabError(f"the database is at revision {head!r}, which is not in {self.directory}: "
                               "is it the right migrations folder?") from None
