"""A real PostgreSQL for one sandbox, from the PyPI package ``pgserver``: no system install, no TCP port.

``start_postgres(name)`` makes a fresh data directory under the system's temporary folder (one stable name
per sandbox, so a notebook run twice reuses and cleans the same place), starts PostgreSQL on a unix
socket inside it and returns a :class:`Server`; ``Server.stop()`` stops it and deletes the directory.
URLs hold that directory's absolute path: pass them to code, never print them.

As root, PostgreSQL refuses to run, so pgserver runs it as a system user named ``pgserver`` (it
creates it with ``useradd``) and makes the folders above its own binaries readable by other users.
That user must reach the data directory too: the temporary folder is fine, a folder under a 0700
home is not, so the data directory never goes under workspace/.
"""
import getpass
import hashlib
import os
import re
import shutil
import stat
import subprocess
import tempfile
import warnings
from pathlib import Path

from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from . import data
from .database import Database, connect
from .errors import LabError
from .paths import PROJECT_ROOT

DRIVER = "postgresql+psycopg2"
ADMIN_DATABASE = "postgres"
USER = "postgres"
_RUNNING = {}  # sandbox name -> Server started by this process

WHAT_TO_DO = ("What to do: reinstall the pinned packages (`pip install -r requirements.txt` brings pgserver "
              "with its PostgreSQL binaries) and restart the kernel. If it still fails, the outputs saved in "
              "the notebook show what the PostgreSQL cells do.")


def _pgserver():
    """Import pgserver quietly (platformdirs warns, with a machine path, when XDG_RUNTIME_DIR is unset)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver
    except ImportError as error:
        raise LabError(f"PostgreSQL cannot start: the package pgserver is not installed ({error}). "
                       + WHAT_TO_DO) from None
    return pgserver


def _running_as_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _user():
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user with no name
        return str(os.getuid())


def data_directory(name):
    """Where the server of sandbox ``name`` keeps its files: the temporary folder, a stable name.

    The name holds the user and a digest of the lab's folder, so two copies of the lab (two learners,
    or a clone beside a checkout) running the same notebook never share, or stop, one server.
    """
    lab = hashlib.sha256(str(PROJECT_ROOT).encode()).hexdigest()[:8]
    return Path(tempfile.gettempdir()).resolve() / f"migration-lab-pg-{_user()}-{lab}-{name}"


def _closed_folders(path):
    """The folders above ``path`` that another user (pgserver's) cannot enter."""
    return [p for p in Path(path).parents if not p.stat().st_mode & stat.S_IXOTH]


def _check_reachable(directory):
    if _running_as_root():
        closed = _closed_folders(directory)
        if closed:
            raise LabError(
                "PostgreSQL cannot start: as root, pgserver runs the server as the system user 'pgserver', "
                f"which cannot enter {', '.join(str(p) for p in closed)} (no execute permission for others). "
                "Set TMPDIR to a folder every user can enter (e.g. TMPDIR=/tmp) and restart the kernel.")


def _stop_leftover(directory, pgserver):
    """Stop a server a crashed kernel left running in ``directory``, then delete the directory."""
    if (directory / "postmaster.pid").exists():
        user = "pgserver" if _running_as_root() else None
        try:
            pgserver.pg_ctl(["-m", "immediate", "-w", "stop"], pgdata=directory, user=user, timeout=20)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, KeyError, OSError):
            pass  # not running any more: deleting the directory is enough
    shutil.rmtree(directory, ignore_errors=True)


def _log_tail(directory, lines=15):
    log = directory / "log"
    if not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


class Server:
    """One running PostgreSQL, reached through a unix socket in its data directory."""

    def __init__(self, name, directory, handle):
        self.name = name
        self.directory = directory
        self._handle = handle
        self._log_read = 0  # how much of the server log scans_and_rewrites() has read

    def __repr__(self):
        state = "running" if self._handle else "stopped"
        return f"<PostgreSQL server of sandbox {self.name!r}, {state}>"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def socket_directory(self):
        return self._require().get_postmaster_info().socket_dir

    @property
    def version(self):
        """``16.2``: the server's version, as PostgreSQL reports it."""
        with connect(self.url(ADMIN_DATABASE)) as connection:
            return connection.execute(text("SHOW server_version")).scalar_one().split()[0]

    def url(self, database, driver=DRIVER):
        """A SQLAlchemy URL for ``database`` (``driver="postgresql"`` gives the libpq form psql takes)."""
        return f"{driver}://{USER}@/{database}?host={self.socket_directory}"

    def create_database(self, name):
        """A new, empty database on this server (dropped first if it exists); returns a Database."""
        engine = create_engine(self.url(ADMIN_DATABASE), poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return PostgresDatabase(self, name)

    @property
    def bin_directory(self):
        """pgserver's own binaries (psql, pg_dump, pg_restore, pgbench): put it on PATH for ``!`` commands."""
        from pgserver._commands import POSTGRES_BIN_PATH

        return Path(POSTGRES_BIN_PATH)

    def scans_and_rewrites(self):
        """What the server logged, since the last call, about reading or rewriting a whole table.

        PostgreSQL logs it at DEBUG1 (``verifying table``, ``rewriting table``, and PostgreSQL 12+'s
        ``existing constraints ... are sufficient to prove that it does not contain nulls``) for a
        session that sets ``log_min_messages = debug1`` (``PGOPTIONS="-c log_min_messages=debug1"``).
        Lines lose their time and process id, so the same statements give the same text.
        """
        log = self.directory / "log"
        text = log.read_text(errors="replace") if log.exists() else ""
        start, self._log_read = self._log_read, len(text)
        lines = [re.sub(r"^\S+ \S+ \S+ \[\d+\] ", "", line) for line in text[start:].splitlines()]
        return LogLines(" ".join(line.split()) for line in lines if any(phrase in line for phrase in SCAN_MESSAGES))

    def psql(self, database, *args, cwd=None):
        """Run pgserver's own ``psql`` on ``database``; returns (exit status, output with errors merged)."""
        from pgserver._commands import POSTGRES_BIN_PATH

        command = [str(POSTGRES_BIN_PATH / "psql"), "-X", "-v", "ON_ERROR_STOP=1",
                   "-d", self.url(database, driver="postgresql"), *args]
        result = subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        return result.returncode, result.stdout

    def stop(self):
        """Stop the server and delete its data directory (safe to call twice)."""
        if self._handle is not None:
            self._handle.cleanup()  # cleanup_mode "delete": pg_ctl stop, then remove the directory
            self._handle = None
        shutil.rmtree(self.directory, ignore_errors=True)
        if _RUNNING.get(self.name) is self:
            del _RUNNING[self.name]

    def _require(self):
        if self._handle is None:
            raise LabError(f"the PostgreSQL server of {self.name!r} is stopped: run the cell that starts it")
        return self._handle


SCAN_MESSAGES = ("verifying table", "rewriting table", "are sufficient to prove")


class LogLines(tuple):
    """Log messages, one a line; "(nothing logged)" when there are none."""

    def __new__(cls, lines):
        return super().__new__(cls, tuple(lines))

    def __str__(self):
        return "\n".join(self) or "(no table read or rewritten)"

    __repr__ = __str__


class PostgresDatabase(Database):
    """One database of a Server, read like any other (schema, fingerprint, query ...)."""

    def __init__(self, server, name):
        self.server, self.name = server, name

    def __repr__(self):
        return f"<PostgreSQL database {self.name!r}>"

    @property
    def url(self):
        """Holds the server's socket folder, an absolute path: pass it to code, never print it."""
        return self.server.url(self.name)

    def session_url(self, name, log_table_scans=False):
        """The URL with its sessions named ``name`` in pg_stat_activity (``application_name``).

        ``log_table_scans=True`` also makes PostgreSQL log, for those sessions, each ALTER TABLE that
        verifies or rewrites the whole table (``log_min_messages = debug1``; see :meth:`Server.scans_and_rewrites`).
        """
        query = {"application_name": name}
        if log_table_scans:
            query["options"] = "-c log_min_messages=debug1"
        return make_url(self.url).update_query_dict(query).render_as_string(hide_password=False)

    @property
    def libpq_url(self):
        """The URL psql, pg_dump and pg_restore take (it holds a local path too: never print it)."""
        return self.server.url(self.name, driver="postgresql")

    def seed(self, table=data.TABLE, rows=None):
        """Insert the lab's rows (data/conversion_jobs.csv) into an existing, empty ``table``; returns how many.

        ``rows`` above the CSV's count repeats it: row n is the CSV's row (n - 1) mod 400 with id n, as
        notebook 12's SQLite databases are made, generated by PostgreSQL itself (a million rows in seconds).
        Ids come from the CSV, so the id sequence is moved past them, as a restored dump would do.
        """
        with self.connect() as connection:
            metadata = MetaData()
            metadata.reflect(connection, only=[table])
            count = data.seed(connection, metadata.tables[table])
            if rows and rows > count:  # block b repeats the CSV's rows with ids shifted by b * count
                columns = ", ".join(f'"{c}"' for c in data.original_columns() if c != "id")
                picked = ", ".join(f'c."{c}"' for c in data.original_columns() if c != "id")
                connection.execute(text(
                    f'INSERT INTO "{table}" (id, {columns}) SELECT c.id + :count * b, {picked} '
                    f'FROM generate_series(1, :blocks) b CROSS JOIN (SELECT * FROM "{table}" WHERE id <= :count) c '
                    f'WHERE c.id + :count * b <= :rows ORDER BY 1'),
                    {"count": count, "blocks": (rows - 1) // count, "rows": rows})
                count = rows
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT max(id) FROM {table}))"))
            connection.commit()
            connection.execute(text(f'ANALYZE "{table}"'))
            connection.commit()
        return count

    def run_sql_file(self, path, cwd=None):
        """Apply a SQL script with psql, stopping at the first error; returns (exit status, output)."""
        return self.server.psql(self.name, "-f", str(path), cwd=cwd)


def start_postgres(name):
    """Start a fresh PostgreSQL for sandbox ``name`` (any earlier one of that name is stopped first).

    Raises LabError, saying why and what to do, when PostgreSQL cannot start.
    """
    pgserver = _pgserver()
    if name in _RUNNING:
        _RUNNING[name].stop()
    directory = data_directory(name)
    _check_reachable(directory)
    _stop_leftover(directory, pgserver)
    try:
        handle = pgserver.get_server(directory, cleanup_mode="delete")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError, RuntimeError,
            AssertionError, KeyError) as error:
        log = _log_tail(directory)
        shutil.rmtree(directory, ignore_errors=True)
        raise LabError(f"PostgreSQL (from pgserver) could not start: {type(error).__name__}: {error}"
                       + (f"\nLast lines of the server log:\n{log}" if log else "") + "\n" + WHAT_TO_DO) from None
    server = Server(name, directory, handle)
    _RUNNING[name] = server
    return server
