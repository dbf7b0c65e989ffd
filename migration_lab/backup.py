"""Back up a sandbox's SQLite database before a migration, and put it back after a failed one.

Both directions use SQLite's online backup API (``sqlite3.Connection.backup``), never a file copy.
Copying ``jobs.db`` with ``cp`` while the app has it open can give a copy of a state that never
existed: pages half-written by a transaction in progress, or (in WAL mode) without the committed
changes still waiting in ``jobs.db-wal``. The backup API reads through SQLite itself: it copies a
consistent snapshot of what is committed, WAL included (Python's ``Connection.backup`` copies every
page in one step by default, under a read lock, so no writer can change it midway). Restoring
through it too rewrites the live file under SQLite's locks; any write made since the backup is lost.
"""
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from .data import Fingerprint
from .database import SQLiteFile
from .errors import LabError
from .schema import Schema

BACKUP_FOLDER = Path("instance") / "backups"


def begin_read(connection):
    """Begin a transaction and read: the connection keeps one snapshot of the database until the transaction
    ends (outside WAL mode, SQLite's SHARED lock: no writer can commit meanwhile)."""
    connection.execute("BEGIN")
    connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()


def copy_sqlite_database(source, destination, progress=None, check="integrity_check", durable=True):
    """Copy SQLite database ``source`` into ``destination`` with the backup API; check the copy.

    The source is opened read-only (``mode=ro``): copying it never writes to it. ``progress(copied,
    total)`` (pages), when given, is called as the copy advances; the copy then runs in steps of
    1024 pages, all inside one read transaction on the source: one snapshot (without it, SQLite restarts
    the copy after each write another connection makes between two steps: under steady writes it never
    ends). ``check`` is the PRAGMA run on the copy:
    ``integrity_check``, ``quick_check`` (the same, minus index contents: several times faster), or None.
    ``durable=False`` skips the fsyncs (``PRAGMA synchronous=OFF``) for a scratch copy that no crash must survive.
    """
    source, destination = Path(source), Path(destination)
    if not source.is_file():
        raise LabError(f"no database file {source.name} to copy: re-run the notebook's first code cell")
    destination.parent.mkdir(parents=True, exist_ok=True)
    read_only = source.resolve().as_uri() + "?mode=ro"
    steps = {} if progress is None else {"pages": 1024, "progress": lambda _, left, total: progress(total - left, total)}
    with closing(sqlite3.connect(read_only, uri=True)) as reader, closing(sqlite3.connect(destination)) as writer:
        if not durable:
            writer.execute("PRAGMA synchronous=OFF")
        if steps:  # one read transaction across the steps (WAL: writers go on; rollback journal: they wait)
            begin_read(reader)
        reader.backup(writer, **steps)
        verdict = writer.execute(f"PRAGMA {check}").fetchone()[0] if check else "ok"
    if verdict != "ok":
        raise LabError(f"the copy {destination.name} fails SQLite's {check}: {verdict}")


@dataclass(frozen=True)
class Backup:
    """A copy of a sandbox's database and what it held: rows, schema, Alembic revision."""

    path: Path
    name: str              # the path as the learner reads it, relative to the sandbox root
    fingerprint: Fingerprint
    schema: Schema
    revision: str = None

    def __str__(self):
        return (f"{self.name}: {self.fingerprint.rows} rows, {len(self.schema.tables)} tables, "
                f"alembic revision {self.revision or 'none'}")

    __repr__ = __str__


def _state(path):
    database = SQLiteFile(path)
    return database.fingerprint(), database.schema(), database.current_revision()


def back_up_database(sandbox, label="before-upgrade"):
    """Copy ``instance/jobs.db`` to ``instance/backups/jobs.<label>.db``; returns the Backup."""
    source = sandbox.require().database_path
    name = (BACKUP_FOLDER / f"{source.stem}.{label}{source.suffix}").as_posix()
    path = sandbox.root / name
    if path.exists():
        path.unlink()
    copy_sqlite_database(source, path)
    copied = Backup(path, name, *_state(path))
    if not copied.fingerprint.same_as(sandbox.fingerprint()):
        raise LabError(f"the backup {name} does not hold the same rows as the database: do not migrate")
    return copied


def restore_database(sandbox, saved):
    """Put ``saved`` back into ``instance/jobs.db``; returns the text that proves it (rows, schema, revision)."""
    database = sandbox.require().database_path
    if not saved.path.is_file():
        raise LabError(f"no backup at {saved.name}: run the backup cell before the migration")
    copy_sqlite_database(saved.path, database)
    rows, schema, revision = _state(database)
    checks = [
        ("rows", rows.same_as(saved.fingerprint), f"{rows.rows} rows, original columns sha256 {rows.digest}"),
        ("schema", schema == saved.schema, f"{len(schema.tables)} tables, identical to the backup's"),
        ("alembic revision", revision == saved.revision, revision or "none"),
    ]
    failed = [what for what, ok, _ in checks if not ok]
    if failed:
        raise LabError(f"the restored database differs from {saved.name} in: {', '.join(failed)}")
    return "\n".join(f"{what:17} {shown}" for what, _, shown in checks)
