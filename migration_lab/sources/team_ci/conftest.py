"""How pytest-alembic reaches this project: its two fixtures, ``alembic_config`` and ``alembic_engine``.

pytest-alembic (https://pytest-alembic.readthedocs.io, "Setup") runs Alembic with the configuration and the
engine these fixtures return. Flask-Migrate's env.py takes its engine from the app
(``current_app.extensions["migrate"].db.engine``), not from the connection pytest-alembic offers it, so each
test builds the app on an empty database of its own, and ``alembic_engine`` returns that app's engine:
env.py needs no change. Copy this file as is (if your app is not laid out as the guide's, change the two
WEB_SERVICE imports and MIGRATIONS).

The database is a SQLite file in pytest's temporary folder; or, when DATABASE_URL names a PostgreSQL server
(the production engine, a service in CI), a database created on that server for each test and dropped after
it (DROP DATABASE ... WITH (FORCE): PostgreSQL 13 or later), under a name of its own, so that runs sharing the
server never meet (a run killed mid-test leaves a migrations_ci_* database behind). The database DATABASE_URL
names is only connected to, never changed.

If other tests of yours use pytest's caplog: Flask-Migrate's env.py calls logging.config.fileConfig(), which by
default disables every logger that exists and alembic.ini does not name, so a later test expecting a record from
one of them gets none. Pass disable_existing_loggers=False to it (pytest-alembic's "Setup" page, "Caplog Issues").
"""
import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from WEB_SERVICE.app import create_app
from WEB_SERVICE.extensions import db

MIGRATIONS = "WEB_SERVICE/migrations"


@pytest.fixture
def database_url(tmp_path):
    """The URL of an empty database for one test."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'ci.db'}"
        return
    server = make_url(url)
    name = f"migrations_ci_{uuid.uuid4().hex[:12]}"  # its own: xdist workers and other CI runs share the server
    admin = create_engine(server, isolation_level="AUTOCOMMIT")  # CREATE DATABASE runs outside a transaction
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app(database_url):
    """The app on that database, inside an app context (Flask-Migrate's env.py reads current_app)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    # Compare server defaults too (Flask-Migrate does not ask Alembic to): env.py passes configure_args
    # to Alembic's context.configure().
    app.extensions["migrate"].configure_args["compare_server_default"] = True
    with app.app_context():
        yield app
        db.engine.dispose()


@pytest.fixture
def alembic_config(app):
    """The Alembic configuration `flask db` builds: the migrations folder and its alembic.ini."""
    return app.extensions["migrate"].migrate.get_config(MIGRATIONS)


@pytest.fixture
def alembic_engine(app):
    """The engine the app, and so Flask-Migrate's env.py, migrates."""
    return db.engine
