"""Edits to the sample app's ``app.py``, each returned as a diff: set-ups many real apps have, made in one sandbox.

The shipped sample stays as the guide's reader has it; a notebook that needs an app which enforces
SQLite's foreign keys (notebook 07) or keeps some models in a second database (notebook 10) makes
the change in its own sandbox, the way a team would write it, and shows the diff.
"""
from pathlib import Path

from .errors import LabError
from .files import edit_file

APP_PY = "WEB_SERVICE/app.py"
FLASK_IMPORT = "from flask import Flask, jsonify\n"
LOCAL_IMPORT = "from .extensions import db, migrate\n"
INIT_MIGRATE = "    migrate.init_app(app, db)\n"
CONFIG = '    app.config.from_mapping(SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL", "sqlite:///jobs.db"))\n'

FOREIGN_KEYS_FUNCTION = '''

def enforce_foreign_keys(dbapi_connection, connection_record):
    """SQLite checks foreign keys (and runs ON DELETE CASCADE) only on connections that turn them on."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
'''
FOREIGN_KEYS_LISTENER = """\
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", enforce_foreign_keys)  # every new connection of the app
"""


def _restart_hint(what):
    return LabError(f"{APP_PY} {what}: re-run the notebook's first code cell to start from a clean copy")


def enforce_sqlite_foreign_keys(root):
    """Make the app turn SQLite's foreign keys on for each connection (a connect listener); returns the diff."""
    def change(text):
        if "def enforce_foreign_keys(" in text:
            return text
        if not all(anchor in text for anchor in (FLASK_IMPORT, LOCAL_IMPORT, INIT_MIGRATE)):
            raise _restart_hint(f"has no line {INIT_MIGRATE.strip()!r}")
        text = text.replace(FLASK_IMPORT, FLASK_IMPORT + "from sqlalchemy import event\n", 1)
        text = text.replace(LOCAL_IMPORT, LOCAL_IMPORT + FOREIGN_KEYS_FUNCTION, 1)
        return text.replace(INIT_MIGRATE, INIT_MIGRATE + FOREIGN_KEYS_LISTENER, 1)

    return edit_file(Path(root) / APP_PY, change, APP_PY)


def add_database_bind(root, key, url):
    """Give the app a second database: ``SQLALCHEMY_BINDS = {key: url}``; returns the diff.

    Models with ``__bind_key__ = key`` live there (Flask-SQLAlchemy's binds); a relative SQLite path,
    like the main database's, lands in ``instance/``.
    """
    if not key.isidentifier():
        raise LabError(f"{key!r} is not a bind key: use a short name such as 'audit'")
    binds = f"{CONFIG.rstrip()[:-1]},\n                            SQLALCHEMY_BINDS={{{key!r}: {url!r}}})\n"
    binds = binds.replace("'", '"')

    def change(text):
        if binds in text:
            return text
        if "SQLALCHEMY_BINDS" in text:
            raise _restart_hint("already sets SQLALCHEMY_BINDS to something else")
        if CONFIG not in text:
            raise _restart_hint("does not set SQLALCHEMY_DATABASE_URI as shipped")
        return text.replace(CONFIG, binds, 1)

    return edit_file(Path(root) / APP_PY, change, APP_PY)


def _python(value):
    """A simple value (bool, number, string, list of those) written as Python with double quotes."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_python(v) for v in value) + "]"
    if isinstance(value, (bool, int, float, str)) or value is None:
        return repr(value).replace("'", '"') if isinstance(value, str) and '"' not in value else repr(value)
    raise LabError(f"{value!r} is not a simple option value (a bool, a number, a string or a list of those)")


def configure_alembic(root, **options):
    """Hand ``options`` to Alembic's ``context.configure()`` through ``migrate.init_app``; returns the diff.

    Flask-Migrate keeps every extra keyword of ``Migrate.init_app`` and its ``env.py`` passes them to
    ``context.configure`` (``_MigrateConfig.configure_args``): no change to ``env.py`` is needed.
    """
    if not options:
        raise LabError("name at least one option, e.g. compare_server_default=True")
    indent = " " * len("    migrate.init_app(")
    call = "    migrate.init_app(app, db" + "".join(f",\n{indent}{key}={_python(value)}"
                                                  for key, value in options.items()) + ")\n"
    line = "    # Flask-Migrate hands these to Alembic's context.configure() (env.py)\n" + call

    def change(text):
        if call in text:
            return text
        if INIT_MIGRATE not in text:
            raise _restart_hint(f"has no line {INIT_MIGRATE.strip()!r} (options already set?)")
        return text.replace(INIT_MIGRATE, line, 1)

    return edit_file(Path(root) / APP_PY, change, APP_PY)
