"""Engines for a sandbox, a SQLite file or a URL, opened briefly and always closed."""
import os
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from .errors import LabError


def url_of(target):
    """A SQLAlchemy URL for a Sandbox, a path to a SQLite file, or a URL."""
    url = getattr(target, "database_url", None)
    if url:
        return url
    text = str(target)
    if "://" in text:
        return text
    path = Path(text)
    if not path.exists():
        raise LabError(f"no database file at {path}: re-run the notebook's first code cell to rebuild the sandbox")
    return f"sqlite:///{path.resolve()}"


@contextmanager
def connect(target):
    """A connection with no pool left behind: nothing holds the file once the block ends."""
    engine = create_engine(url_of(target), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def current_revision(target):
    """What ``alembic_version`` holds in a Sandbox, SQLite file or URL; None when Alembic never touched it."""
    with connect(target) as connection:
        if "alembic_version" not in inspect(connection).get_table_names():
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


@contextmanager
def app_database_url(url):
    """The sandbox app reads ``DATABASE_URL``: set it to ``url`` (or unset it, for None) during the block."""
    saved = os.environ.pop("DATABASE_URL", None)
    if url is not None:
        os.environ["DATABASE_URL"] = url
    try:
        yield url
    finally:
        os.environ.pop("DATABASE_URL", None)
        if saved is not None:
            os.environ["DATABASE_URL"] = saved
