"""Seeding, counting and fingerprinting rows, on real SQLite files."""
import shutil
import sqlite3

from migration_lab.data import compare, count_rows, fingerprint, original_columns


def test_seeded_project_has_every_csv_row(project):
    assert count_rows(project / "instance" / "jobs.db") == 400
    assert original_columns()[:2] == ["id", "filename"]


def test_fingerprint_is_stable(project):
    db = project / "instance" / "jobs.db"
    assert fingerprint(db) == fingerprint(db)
    assert len(fingerprint(db).digest) == 16


def test_fingerprint_changes_when_one_value_changes(project, tmp_path):
    db = project / "instance" / "jobs.db"
    copy = shutil.copy(db, tmp_path / "copy.db")
    with sqlite3.connect(copy) as connection:
        connection.execute("UPDATE conversion_jobs SET size_bytes = size_bytes + 1 WHERE id = 200")
    before, after = fingerprint(db), fingerprint(copy)
    assert before.rows == after.rows and before.digest != after.digest
    assert compare(before, after).startswith("rows CHANGED")


def test_fingerprint_ignores_an_added_column(project):
    db = project / "instance" / "jobs.db"
    before = fingerprint(db)
    with sqlite3.connect(db) as connection:
        connection.execute("ALTER TABLE conversion_jobs ADD COLUMN progress INTEGER DEFAULT 0")
    assert fingerprint(db) == before
    assert compare(before, fingerprint(db)).startswith("rows kept: 400 before, 400 after")


def test_a_dropped_column_shows_as_lost_data(project):
    db = project / "instance" / "jobs.db"
    before = fingerprint(db)
    with sqlite3.connect(db) as connection:
        connection.execute("ALTER TABLE conversion_jobs DROP COLUMN size_bytes")
    after = fingerprint(db)
    assert after.missing_columns == ("size_bytes",)
    assert "data lost in: size_bytes" in compare(before, after)


def test_a_deleted_row_changes_the_count(project):
    db = project / "instance" / "jobs.db"
    before = fingerprint(db)
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM conversion_jobs WHERE id = 1")
    assert fingerprint(db).rows == 399
    assert "400 before, 399 after" in compare(before, fingerprint(db))
