"""Preflight's SQLite copy: one committed state of the source, never a torn one, and the source never written.

A rollback-journal database is copied as a file while SQLite's SHARED lock is held; a WAL database,
whose committed pages can still be in ``-wal``, through the backup API. Each test has the near miss
that would pass it wrongly: a write that must wait is tried with no busy timeout, and the WAL case
first proves that a plain file copy really misses the update.
"""
import io
import shutil
import sqlite3
from contextlib import closing

import pytest

from migration_lab import preflight_copy, sqlite_file
from migration_lab.database import sqlite_url
from migration_lab.preflight_copy import BACKUP_API, FILE_COPY, copy_database


def _snapshot_of(database_path, show_progress=False):
    """(method, fingerprint of the snapshot, fingerprint of the working copy) of one copy_database."""
    with copy_database(sqlite_url(database_path), show_progress) as copy:
        working = sqlite_file(copy.url.removeprefix("sqlite:///"))
        return copy.method, sqlite_file(copy.snapshot).fingerprint(), working.fingerprint()


def test_a_writer_cannot_commit_while_the_file_is_copied(project, monkeypatch):
    before = project.fingerprint()
    tried = []
    copy_file = preflight_copy._copy_file

    def write_then_copy(source, destination, bar):  # the app commits an update in the middle of the copy
        with closing(sqlite3.connect(source, timeout=0)) as app:
            try:
                with app:
                    app.execute("UPDATE conversion_jobs SET status = 'done'")
                tried.append("committed")
            except sqlite3.OperationalError as error:
                tried.append(str(error))
        copy_file(source, destination, bar)

    monkeypatch.setattr(preflight_copy, "_copy_file", write_then_copy)
    method, snapshot, working = _snapshot_of(project.database_path)
    assert (method, tried) == (FILE_COPY, ["database is locked"])
    assert snapshot.same_as(before) and working.same_as(before)


def test_an_uncommitted_transaction_is_not_in_the_copy(project):
    before = project.fingerprint()
    with closing(sqlite3.connect(project.database_path, isolation_level=None)) as app:
        app.execute("BEGIN IMMEDIATE")  # RESERVED lock: a writer in the middle of its transaction
        app.execute("UPDATE conversion_jobs SET status = 'done'")
        method, snapshot, _ = _snapshot_of(project.database_path)
        app.execute("COMMIT")  # the writer was not disturbed
    assert method == FILE_COPY and snapshot.same_as(before)
    assert not project.fingerprint().same_as(before)


@pytest.mark.parametrize("show_progress", [False, True])
def test_a_wal_database_is_copied_with_the_pages_still_in_its_wal(project, tmp_path, monkeypatch, show_progress):
    terminal = io.StringIO()
    terminal.isatty = lambda: True
    monkeypatch.setattr("sys.stderr", terminal)
    with closing(sqlite3.connect(project.database_path)) as app:
        app.execute("PRAGMA journal_mode=WAL")
        app.execute("PRAGMA wal_autocheckpoint=0")
        app.execute("UPDATE conversion_jobs SET status = 'done' WHERE status = 'pending'")
        app.commit()  # committed, still open: the update is in jobs.db-wal only
        committed = project.fingerprint()
        shutil.copyfile(project.database_path, tmp_path / "plain.db")
        assert not sqlite_file(tmp_path / "plain.db").fingerprint().same_as(committed)  # what a file copy misses
        method, snapshot, working = _snapshot_of(project.database_path, show_progress)
    assert method == BACKUP_API and snapshot.same_as(committed) and working.same_as(committed)
    assert ("copying the database" in terminal.getvalue()) is show_progress


def test_the_bar_copies_in_chunks_the_same_bytes(project, monkeypatch):
    terminal = io.StringIO()
    terminal.isatty = lambda: True
    monkeypatch.setattr("sys.stderr", terminal)
    with copy_database(sqlite_url(project.database_path), show_progress=True) as copy:
        assert copy.method == FILE_COPY
        assert copy.snapshot.read_bytes() == project.database_path.read_bytes()
    assert "copying the database" in terminal.getvalue()


def test_a_file_that_is_not_a_database_is_one_clear_error(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("not a database\n" * 100)
    with pytest.raises(preflight_copy.LabError, match=r"^cannot copy .*notes\.db: DatabaseError: file is not a database$"):
        with copy_database(sqlite_url(bad)):
            pass
