"""Backups through SQLite's backup API: consistent copies, restores proven by rows, schema and revision."""
import shutil
import sqlite3
from contextlib import closing

import pytest

from migration_lab import LabError, backup, fingerprint


def test_backup_copies_rows_schema_and_revision(make_sandbox):
    sandbox = make_sandbox("upgraded")
    saved = backup.backup(sandbox)
    assert saved.name == "instance/backups/jobs.before-upgrade.db"
    assert saved.path == sandbox.root / saved.name
    assert saved.fingerprint.same_as(sandbox.fingerprint())
    assert saved.schema == sandbox.schema()
    assert saved.revision == sandbox.current_revision() is not None
    assert str(saved).startswith("instance/backups/jobs.before-upgrade.db: 400 rows, 2 tables, alembic revision ")


def test_restore_undoes_a_half_done_migration(make_sandbox):
    sandbox = make_sandbox("upgraded")
    saved = backup.backup(sandbox, "before-priority")
    with closing(sqlite3.connect(sandbox.database_path)) as connection:
        connection.execute("ALTER TABLE conversion_jobs ADD COLUMN priority INTEGER")
        connection.execute("CREATE TABLE _alembic_tmp_conversion_jobs (id INTEGER)")
        connection.execute("DELETE FROM conversion_jobs WHERE id > 390")
        connection.commit()
    assert sandbox.schema() != saved.schema
    lines = backup.restore(sandbox, saved)
    assert sandbox.schema() == saved.schema and sandbox.fingerprint().same_as(saved.fingerprint)
    assert [line.split()[0] for line in lines] == ["rows", "schema", "alembic"]


def test_the_backup_api_sees_committed_changes_a_file_copy_misses(make_sandbox, tmp_path):
    """In WAL mode, committed changes wait in jobs.db-wal: copying jobs.db alone loses them."""
    sandbox = make_sandbox("created")
    before = sandbox.fingerprint()
    with closing(sqlite3.connect(sandbox.database_path)) as app:
        app.execute("PRAGMA journal_mode=WAL")
        app.execute("PRAGMA wal_autocheckpoint=0")
        app.execute("UPDATE conversion_jobs SET status = 'done' WHERE status = 'pending'")
        app.commit()  # committed, still open: nothing moved from the WAL into jobs.db yet
        shutil.copyfile(sandbox.database_path, tmp_path / "copied.db")
        backup.copy_database(sandbox.database_path, tmp_path / "backed-up.db")
        committed = sandbox.fingerprint()
    assert not committed.same_as(before)
    assert fingerprint(tmp_path / "copied.db").same_as(before)          # the committed update is lost
    assert fingerprint(tmp_path / "backed-up.db").same_as(committed)    # the backup API has it


def test_restore_without_the_backup_file_says_what_to_do(make_sandbox):
    sandbox = make_sandbox("created")
    saved = backup.backup(sandbox)
    saved.path.unlink()
    with pytest.raises(LabError, match="run the backup cell before the migration"):
        backup.restore(sandbox, saved)


def test_a_damaged_source_is_refused(tmp_path):
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises((LabError, sqlite3.DatabaseError)):
        backup.copy_database(damaged, tmp_path / "copy.db")
    with pytest.raises(LabError, match="no database file"):
        backup.copy_database(tmp_path / "missing.db", tmp_path / "copy.db")
