"""The database facade: every reader written once, on a real SQLite file, with no connection left open."""
import os
import sqlite3
from contextlib import closing

import pytest

from migration_lab import LabError, sqlite_file
from migration_lab.database import SQLiteFile, app_database_url, sqlite_url


@pytest.fixture
def jobs(project):
    """The seeded sample database, read as any SQLite file."""
    return sqlite_file(project.database_path)


def record_revisions(database, *revisions):
    """Write alembic_version rows as Alembic does after an upgrade (several rows: several heads applied)."""
    with closing(sqlite3.connect(database.database_path)) as connection, connection:
        connection.execute("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.executemany("INSERT INTO alembic_version VALUES (?)", [(r,) for r in revisions])


def test_the_url_is_absolute_whatever_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert sqlite_url("instance/jobs.db") == f"sqlite:///{tmp_path.resolve()}/instance/jobs.db"


def test_a_missing_file_is_an_error_and_is_not_created(tmp_path):
    missing = SQLiteFile(tmp_path / "nothing.db")
    with pytest.raises(LabError, match="no database file nothing.db"):
        missing.schema()
    assert not (tmp_path / "nothing.db").exists()


def test_count_and_query_read_the_seeded_rows(jobs, csv_rows):
    assert jobs.count_rows() == len(csv_rows)
    assert jobs.query("SELECT filename FROM conversion_jobs WHERE id = :id", id=1) == [(csv_rows[0]["filename"],)]


def test_execute_commits_and_returns_the_rows_it_touched(jobs, csv_rows):
    done = sum(row["status"] == "done" for row in csv_rows)
    touched = jobs.execute("UPDATE conversion_jobs SET status = :new WHERE status = :old", new="finished", old="done")
    assert touched == done
    with closing(sqlite3.connect(jobs.database_path)) as other:  # another connection sees it: committed
        assert other.execute("SELECT COUNT(*) FROM conversion_jobs WHERE status = 'finished'").fetchone() == (done,)


def test_count_non_null_says_which_column_is_missing(jobs, csv_rows):
    finished = sum(row["finished_at"] != "" for row in csv_rows)
    assert jobs.count_non_null(["finished_at", "id", "progress"]) == {
        "finished_at": finished, "id": len(csv_rows), "progress": "column missing"}


def test_schema_lists_the_tables(jobs):
    assert list(jobs.schema().tables) == ["conversion_jobs"]


def test_a_database_alembic_never_touched_is_at_no_revision(jobs):
    assert jobs.current_heads() == () and jobs.current_revision() is None


def test_the_revision_alembic_recorded_is_read_back(jobs):
    record_revisions(jobs, "0001_baseline")
    assert jobs.current_heads() == ("0001_baseline",) and jobs.current_revision() == "0001_baseline"


def test_several_heads_applied_at_once_are_listed_but_are_not_one_revision(jobs):
    record_revisions(jobs, "bruno", "alice")
    assert jobs.current_heads() == ("alice", "bruno")
    with pytest.raises(LabError, match=r"at 2 revisions at once \(alice, bruno\): use current_heads\(\)"):
        jobs.current_revision()


def test_nothing_holds_the_file_between_calls(jobs, open_files):
    jobs.schema(), jobs.count_rows(), jobs.fingerprint(), jobs.current_heads()
    jobs.execute("DELETE FROM conversion_jobs WHERE id = 1")
    assert open_files(jobs.database_path) == []
    with jobs.connect():
        assert len(open_files(jobs.database_path)) == 1  # the check sees an open connection


def test_the_app_database_url_is_set_for_the_block_then_restored(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://prod")
    with app_database_url("sqlite:///copy.db"):
        assert os.environ["DATABASE_URL"] == "sqlite:///copy.db"
    assert os.environ["DATABASE_URL"] == "postgresql://prod"
    with app_database_url(None):
        assert "DATABASE_URL" not in os.environ
    assert os.environ["DATABASE_URL"] == "postgresql://prod"


def test_the_app_database_url_is_restored_after_an_error(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ZeroDivisionError), app_database_url("sqlite:///copy.db"):
        1 / 0
    assert "DATABASE_URL" not in os.environ
