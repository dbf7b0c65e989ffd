"""One way to read and write any database of the lab: a sandbox's SQLite file, a copy, a PostgreSQL.

:class:`Database` is the facade. A subclass only says where the database is (its ``url``); every
reader is written once here: the schema, the row fingerprint, row counts, ad-hoc SQL, and the
revision Alembic recorded. Each call opens a connection without a pool and closes it, so nothing
holds the SQLite file between cells (a learner may copy, delete or restore it at any time).
"""
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from . import data
from .errors import LabError
from .schema import read_schema


def sqlite_url(path):
    """The SQLAlchemy URL of the SQLite file ``path`` (absolute: it does not depend on the cwd)."""
    return URL.create("sqlite", database=str(Path(path).resolve())).render_as_string()


def connect(url):
    """A connection to ``url`` with no pool left behind: nothing holds the database once the block ends."""
    return _connect_engine(create_engine(url, poolclass=NullPool))


@contextmanager
def _connect_engine(engine):
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


class Database:
    """A database the lab reads: subclasses give its SQLAlchemy ``url``."""

    @property
    def url(self):
        raise NotImplementedError

    def connect(self):
        return connect(self.url)

    def schema(self):
        """Every table, read from the database itself (not from the models)."""
        with self.connect() as connection:
            return read_schema(connection)

    def fingerprint(self, renamed=None, table=data.TABLE):
        """The rows of the original columns, hashed; ``renamed={"old": "new"}`` follows a renamed column."""
        with self.connect() as connection:
            return data.fingerprint(connection, table, renamed)

    def count_rows(self, table=data.TABLE):
        with self.connect() as connection:
            return connection.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one()

    def count_non_null(self, columns, table=data.TABLE):
        """For each column, how many rows hold a value (``'column missing'`` when it is gone)."""
        with self.connect() as connection:
            return data.count_non_null(connection, columns, table)

    def query(self, sql, **params):
        """The rows a SELECT returns, as a list of tuples."""
        with self.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]

    def execute(self, sql, **params):
        """Run one statement that writes, and commit it; returns how many rows it touched."""
        with self.connect() as connection:
            result = connection.execute(text(sql), params)
            connection.commit()
            return result.rowcount

    def current_heads(self):
        """The revisions Alembic recorded in ``alembic_version``, sorted: () when it never ran here."""
        with self.connect() as connection:
            return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))

    def current_revision(self):
        """The one revision the database is at, or None; several heads applied at once is an error."""
        heads = self.current_heads()
        if len(heads) > 1:
            raise LabError(f"the database is at {len(heads)} revisions at once ({', '.join(heads)}): "
                           "use current_heads()")
        return heads[0] if heads else None


class SQLiteFile(Database):
    """A SQLite database file; it must exist (reading a missing file would create an empty one)."""

    def __init__(self, path):
        self.database_path = Path(path).resolve()

    def __repr__(self):
        return f"<SQLite database {self.database_path.name}>"

    @property
    def url(self):
        if not self.database_path.is_file():
            raise LabError(f"no database file {self.database_path.name}: re-run the cell that creates it "
                           "(or the notebook's first code cell)")
        return sqlite_url(self.database_path)


class DatabaseAt(Database):
    """Any database, by its SQLAlchemy URL (preflight's copies, a team's own database)."""

    def __init__(self, url, read_only=False):
        self._url, self.read_only = url, read_only

    def __repr__(self):
        return f"<{make_url(self._url).get_backend_name()} database>"

    @property
    def url(self):
        return self._url

    def connect(self):
        """A connection; ``read_only`` opens a SQLite file with ``mode=ro`` (SQLite then refuses every write)."""
        url = make_url(self._url)
        if not (self.read_only and url.get_backend_name() == "sqlite"):
            return connect(self._url)
        path = Path(url.database).resolve()
        if not path.is_file():
            raise LabError(f"no SQLite database file at {path}")
        return _connect_engine(create_engine("sqlite://", poolclass=NullPool,
                                             creator=lambda: sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)))


def sqlite_file(path):
    """The SQLite database at ``path`` (relative to the sandbox in a notebook), to read like a sandbox."""
    return SQLiteFile(path)


@contextmanager
def app_database_url(url):
    """The sample app reads ``DATABASE_URL``: set it to ``url`` (or unset it, for None) during the block."""
    saved = os.environ.pop("DATABASE_URL", None)
    if url is not None:
        os.environ["DATABASE_URL"] = url
    try:
        yield url
    finally:
        os.environ.pop("DATABASE_URL", None)
        if saved is not None:
            os.environ["DATABASE_URL"] = saved
