"""Preflight's copy of a database: made without writing to the source, thrown away when preflight ends.

SQLite: the source, opened read-only, becomes a *snapshot* file holding one consistent, committed state,
even while the app writes. A database with a rollback journal (SQLite's default) is copied as a file while
preflight holds SQLite's SHARED lock on it: no connection can write to the file until the lock is released
(https://www.sqlite.org/lockingv3.html), the method https://www.sqlite.org/backup.html describes. A database
in WAL mode keeps committed pages in ``-wal`` beside the file, which a file copy misses: it is copied through
SQLite's backup API (:mod:`migration_lab.backup`). A plain file copy of the snapshot, which nobody else has
open, becomes the working copy; the snapshot stays untouched: it is the "before" that the rows are compared
with.

PostgreSQL: the server's own ``pg_dump`` (custom format) reads the source; ``pg_restore`` loads the dump
into a new database on a scratch PostgreSQL started from pgserver (:mod:`migration_lab.postgres`), so
neither the source database nor its server is written to. pgserver's ``pg_dump`` is PostgreSQL 16's:
it refuses a newer server, and says so.
"""
import contextlib
import importlib.util
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from .backup import begin_read, copy_sqlite_database
from .database import connect, sqlite_url
from .errors import LabError
from .postgres import start_postgres
from .progress import progress_bar


@dataclass
class Copy:
    """The working copy: where it is (``url``), how it was made, how big, how long it took, and from what."""

    engine: str            # "sqlite" or "postgresql"
    source: str            # the source as the report names it (no password, no socket path)
    url: str               # the working copy's SQLAlchemy URL
    method: str = ""       # how the source was read, as the report says it
    size: int = 0          # bytes
    seconds: float = 0.0
    snapshot: Path = None  # SQLite: the untouched snapshot the copy was made from

    def measure_size(self):
        if self.engine == "sqlite":
            self.size = Path(make_url(self.url).database).stat().st_size
        else:
            with connect(self.url) as connection:
                self.size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        return self.size


def source_url(database):
    """A SQLAlchemy URL from ``database``: a URL, or the path of a SQLite file; SQLite or PostgreSQL only.

    ``postgresql://`` without a driver means psycopg (3) to SQLAlchemy 2.1; when only psycopg2 is
    installed (as in the lab), the URL gets it, so that a URL copied from any tool works as it is.
    """
    if "://" not in database:
        return sqlite_url(database)
    try:
        url = make_url(database)
    except Exception:  # sqlalchemy.exc.ArgumentError: not a URL at all
        raise LabError(f"{database!r} is not a database URL (postgresql://user@host/name, or a SQLite file)") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        _sqlite_path(url)  # a file that is there, or LabError
        return database
    if backend != "postgresql":
        raise LabError(f"preflight copies SQLite and PostgreSQL databases, not {backend}")
    if url.drivername == "postgresql" and importlib.util.find_spec("psycopg") is None \
            and importlib.util.find_spec("psycopg2") is not None:
        url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


def describe(url):
    """The source as a report names it: a SQLite file's path, or a PostgreSQL database's name and host."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or ":memory:")
        try:
            return f"SQLite file {path.resolve().relative_to(Path.cwd().resolve()).as_posix()}"
        except ValueError:
            return f"SQLite file {path}"
    host = url.host if url.host else "a local socket"
    return f"PostgreSQL database {url.database!r} on {host}"


@contextlib.contextmanager
def copy_database(url, show_progress=True):
    """Copy the database at ``url`` into a scratch place; yields the Copy; deletes it all afterwards."""
    backend = make_url(url).get_backend_name()
    with tempfile.TemporaryDirectory(prefix="migration-lab-preflight-") as folder:
        started = time.perf_counter()
        if backend == "sqlite":
            copy = _copy_sqlite(url, Path(folder), show_progress)
            copy.seconds = time.perf_counter() - started
            copy.measure_size()
            yield copy
        elif backend == "postgresql":
            with _copy_postgres(url, Path(folder), show_progress) as copy:
                copy.seconds = time.perf_counter() - started
                copy.measure_size()
                yield copy
        else:
            raise LabError(f"preflight copies SQLite and PostgreSQL databases, not {backend}")


def _sqlite_path(url):
    """The file of a SQLite URL; LabError for a database in memory, a URI, or a file that is not there."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        raise LabError("the database is not a SQLite file (in memory, or a URI): give one with --database")
    if not Path(path).is_file():
        raise LabError(f"no SQLite database file at {path}: give the database with --database")
    return Path(path)


FILE_COPY = "a file copy under SQLite's shared lock"
BACKUP_API = "SQLite's backup API (WAL mode)"


def _copy_sqlite(url, folder, show_progress):
    path = _sqlite_path(url)
    snapshot, working = folder / "before.db", folder / "copy.db"
    with progress_bar("copying the database", "MB", show_progress) as bar:
        try:
            method = _snapshot(path, snapshot, bar)
        except sqlite3.Error as error:  # not a database, locked, unreadable
            raise LabError(f"cannot copy {path}: {type(error).__name__}: {error}") from None
    shutil.copyfile(snapshot, working)
    return Copy("sqlite", describe(url), sqlite_url(working), method, snapshot=snapshot)


def _snapshot(path, snapshot, bar):
    """Copy ``path`` into ``snapshot``, one committed state of it; returns how (FILE_COPY or BACKUP_API)."""
    with closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None)) as reader:
        # SHARED lock, until COMMIT or until the copy closes its own descriptor of the file (POSIX locks
        # belong to the process: closing any descriptor drops them), after the copy's last read either way
        begin_read(reader)
        wal = reader.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        page_size = reader.execute("PRAGMA page_size").fetchone()[0]
        if not wal:
            _copy_file(path, snapshot, bar)
        reader.execute("COMMIT")
    if wal:  # a writer is never blocked in WAL mode: the backup API reads one snapshot, -wal included
        # in steps only for a bar to show (a stepped backup is slower than one in a single step)
        in_mb = (lambda done, total: bar.advance_to(done * page_size // 1_000_000, total * page_size // 1_000_000))
        copy_sqlite_database(path, snapshot, progress=in_mb if bar.shown else None, check=None, durable=False)
        return BACKUP_API
    return FILE_COPY


def _copy_file(source, destination, bar, chunk=64 << 20):
    """``cp source destination``; in chunks only when a bar is shown."""
    if not bar.shown:
        shutil.copyfile(source, destination)
        return
    total = source.stat().st_size
    with open(source, "rb") as reader, open(destination, "wb") as writer:
        while data := reader.read(chunk):
            writer.write(data)
            bar.advance_to(writer.tell() // 1_000_000, total // 1_000_000)


def _libpq(url):
    """(libpq URL for pg_dump / pg_restore, environment with the password): never on a command line."""
    url = make_url(url)
    env = {**os.environ}
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _pg_tool(server, tool, arguments, env, bar, counted):
    """Run pgserver's ``tool`` verbosely; each stderr line holding ``counted`` advances the bar."""
    command = [str(server.bin_directory / tool), "--verbose", *arguments]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, env=env)
    errors = []
    for line in process.stderr:
        if counted in line:
            bar.advance()
        elif "error" in line.lower() or "fatal" in line.lower():
            errors.append(line.strip())
    if process.wait() != 0:
        raise LabError(f"{tool} failed: " + (errors[0] if errors else f"exit status {process.returncode}"))


@contextlib.contextmanager
def _copy_postgres(url, folder, show_progress):
    try:
        with connect(url) as connection:
            tables = connection.execute(text(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            )).scalar_one()
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()
        raise LabError(f"cannot reach {describe(url)}: {reason[0] if reason else type(error).__name__}") from None
    server = start_postgres(f"preflight-{os.getpid()}")
    try:
        scratch = server.create_database("preflight_copy")
        dump = folder / "source.dump"
        source, env = _libpq(url)
        with progress_bar("pg_dump", "tables", show_progress, total=tables) as bar:
            _pg_tool(server, "pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--file", str(dump),
                                         "--dbname", source], env, bar, "dumping contents of table")
        with progress_bar("pg_restore", "tables", show_progress, total=tables) as bar:
            _pg_tool(server, "pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error",
                                            "--dbname", scratch.libpq_url, str(dump)],
                     os.environ, bar, "processing data for table")
        dump.unlink()
        yield Copy("postgresql", describe(url), scratch.url, "pg_dump, pg_restore into a scratch PostgreSQL")
    finally:
        server.stop()
