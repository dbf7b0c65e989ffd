"""Backups through SQLite's backup API: consistent copies, restores proven by rows, schema and revision."""
import shutil
import sqlite3
from contextlib import closing

import pytest

from migration_lab import LabError, back_up_database, copy_sqlite_database, restore_database, sqlite_file


@pytest.fixture
def upgraded(project_at):
    return project_at("upgraded")


def test_a_backup_copies_rows_schema_and_revision(upgraded, row_count):
    saved = back_up_database(upgraded)
    assert saved.name == "instance/backups/jobs.before-upgrade.db"
    assert saved.path == upgraded.root / saved.name
    assert saved.fingerprint.same_as(upgraded.fingerprint())
    assert saved.schema == upgraded.schema()
    assert saved.revision == upgraded.current_revision() is not None
    assert str(saved) == (f"{saved.name}: {row_count} rows, {len(upgraded.schema().tables)} tables, "
                          f"alembic revision {saved.revision}")


def test_backing_up_again_under_a_label_replaces_that_backup(upgraded):
    back_up_database(upgraded, "before-priority")
    upgraded.execute("DELETE FROM conversion_jobs WHERE id = 1")
    again = back_up_database(upgraded, "before-priority")
    assert again.name == "instance/backups/jobs.before-priority.db"
    assert again.fingerprint.same_as(upgraded.fingerprint())


def test_restore_undoes_a_half_done_migration(upgraded):
    saved = back_up_database(upgraded, "before-priority")
    with closing(sqlite3.connect(upgraded.database_path)) as connection, connection:
        connection.execute("ALTER TABLE conversion_jobs ADD COLUMN priority INTEGER")
        connection.execute("CREATE TABLE _alembic_tmp_conversion_jobs (id INTEGER)")
        connection.execute("DELETE FROM conversion_jobs WHERE id > 390")
        connection.execute("UPDATE alembic_version SET version_num = 'half_done'")
    assert upgraded.schema() != saved.schema
    proof = restore_database(upgraded, saved)
    assert upgraded.schema() == saved.schema and upgraded.fingerprint().same_as(saved.fingerprint)
    assert upgraded.current_revision() == saved.revision
    assert proof.splitlines() == [
        f"rows              {saved.fingerprint.rows} rows, original columns sha256 {saved.fingerprint.digest}",
        f"schema            {len(saved.schema.tables)} tables, identical to the backup's",
        f"alembic revision  {saved.revision}"]


def test_the_backup_api_sees_committed_changes_a_file_copy_misses(project, tmp_path):
    """In WAL mode, committed changes wait in jobs.db-wal: copying jobs.db alone loses them."""
    before = project.fingerprint()
    with closing(sqlite3.connect(project.database_path)) as app:
        app.execute("PRAGMA journal_mode=WAL")
        app.execute("PRAGMA wal_autocheckpoint=0")
        app.execute("UPDATE conversion_jobs SET status = 'done' WHERE status = 'pending'")
        app.commit()  # committed, still open: nothing moved from the WAL into jobs.db yet
        shutil.copyfile(project.database_path, tmp_path / "copied.db")
        copy_sqlite_database(project.database_path, tmp_path / "backed-up.db")
        committed = project.fingerprint()
    assert not committed.same_as(before)
    assert sqlite_file(tmp_path / "copied.db").fingerprint().same_as(before)        # the committed update is lost
    assert sqlite_file(tmp_path / "backed-up.db").fingerprint().same_as(committed)  # the backup API has it


def test_restore_without_the_backup_file_says_what_to_do(project):
    saved = back_up_database(project)
    saved.path.unlink()
    with pytest.raises(LabError, match="run the backup cell before the migration"):
        restore_database(project, saved)


def test_a_damaged_source_is_refused(tmp_path):
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(sqlite3.DatabaseError, match="malformed|not a database"):
        copy_sqlite_database(damaged, tmp_path / "copy.db")


def test_a_missing_source_says_what_to_rerun(tmp_path):
    with pytest.raises(LabError, match="no database file missing.db to copy: re-run the notebook's first code cell"):
        copy_sqlite_database(tmp_path / "missing.db", tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()


def test_a_stepped_copy_is_one_snapshot_and_is_not_restarted_by_a_write(tmp_path):
    """A write between two steps (WAL: it is not blocked) must neither enter the copy nor restart it:
    restarted after every write, a copy of a steadily written database never ends."""
    source = tmp_path / "wal.db"
    with closing(sqlite3.connect(source)) as app:
        app.execute("PRAGMA page_size=512")
        app.execute("PRAGMA journal_mode=WAL")
        app.execute("CREATE TABLE t (x)")
        app.executemany("INSERT INTO t VALUES (?)", [("x" * 400,) for _ in range(3000)])
        app.commit()
        pages = app.execute("PRAGMA page_count").fetchone()[0]
        steps = []

        def write_after_the_first_step(copied, total):
            if not steps:
                app.execute("INSERT INTO t VALUES ('written during the copy')")
                app.commit()
            steps.append(copied)

        copy_sqlite_database(source, tmp_path / "copy.db", progress=write_after_the_first_step)
        assert app.execute("SELECT count(*) FROM t").fetchone()[0] == 3001  # the write was committed
    assert pages > 2 * 1024 and len(steps) == -(-pages // 1024)  # no step made twice
    with closing(sqlite3.connect(tmp_path / "copy.db")) as copy:
        assert copy.execute("SELECT count(*) FROM t").fetchone()[0] == 3000
