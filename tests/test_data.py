"""Seeding, counting and fingerprinting rows, on real SQLite files."""
import csv
import shutil
import sqlite3
from contextlib import closing
from datetime import datetime

from sqlalchemy import MetaData

from migration_lab import compare_rows, sqlite_file
from migration_lab.data import TABLE, count_non_null, fingerprint, original_columns, read_rows, seed
from migration_lab.paths import DATA_CSV


def run_sql(path, *statements):
    with closing(sqlite3.connect(path)) as connection, connection:
        for statement in statements:
            connection.execute(statement)


def test_the_original_columns_are_the_csv_header():
    with open(DATA_CSV, newline="", encoding="utf-8") as handle:
        assert original_columns() == next(csv.reader(handle))


def test_csv_values_are_read_as_their_columns_types(project, csv_rows):
    with project.connect() as connection:
        table = MetaData()
        table.reflect(connection, only=[TABLE])
        rows = list(read_rows(table.tables[TABLE]))
    assert len(rows) == len(csv_rows)
    first = rows[0]
    assert first["id"] == int(csv_rows[0]["id"]) and first["size_bytes"] == int(csv_rows[0]["size_bytes"])
    assert first["created_at"] == datetime.fromisoformat(csv_rows[0]["created_at"])
    unfinished = next(i for i, row in enumerate(csv_rows) if row["finished_at"] == "")
    assert rows[unfinished]["finished_at"] is None


def test_seed_fills_an_empty_table_with_every_csv_row(project, csv_rows):
    empty = project.create_database_from_models("empty.db")
    with empty.connect() as connection:
        metadata = MetaData()
        metadata.reflect(connection, only=[TABLE])
        assert seed(connection, metadata.tables[TABLE]) == len(csv_rows)
        connection.commit()
    assert empty.fingerprint().same_as(project.fingerprint())


def test_the_seeded_project_holds_every_csv_row(project, csv_rows):
    assert project.count_rows() == len(csv_rows)
    last = project.query("SELECT filename FROM conversion_jobs ORDER BY id DESC LIMIT 1")
    assert last == [(csv_rows[-1]["filename"],)]


def test_fingerprint_is_stable_and_short(project):
    assert project.fingerprint() == project.fingerprint()
    assert len(project.fingerprint().digest) == 16


def test_fingerprint_changes_when_one_value_changes(project, tmp_path):
    copy = sqlite_file(shutil.copy(project.database_path, tmp_path / "copy.db"))
    run_sql(copy.database_path, "UPDATE conversion_jobs SET size_bytes = size_bytes + 1 WHERE id = 200")
    before, after = project.fingerprint(), copy.fingerprint()
    assert before.rows == after.rows and before.digest != after.digest
    assert compare_rows(before, after) == (f"rows CHANGED: {before.rows} before, {after.rows} after; "
                                           "same number of rows, but values in the original columns differ")


def test_fingerprint_ignores_an_added_column(project, row_count):
    before = project.fingerprint()
    run_sql(project.database_path, "ALTER TABLE conversion_jobs ADD COLUMN progress INTEGER DEFAULT 0")
    assert project.fingerprint() == before
    assert compare_rows(before, project.fingerprint()) == (
        f"rows kept: {row_count} before, {row_count} after, original columns identical")


def test_a_dropped_column_shows_as_lost_data(project):
    before = project.fingerprint()
    run_sql(project.database_path, "ALTER TABLE conversion_jobs DROP COLUMN size_bytes")
    after = project.fingerprint()
    assert after.missing_columns == ("size_bytes",)
    assert "(columns gone: size_bytes)" in str(after)
    assert "data lost in: size_bytes" in compare_rows(before, after)


def test_a_deleted_row_changes_the_count(project, row_count):
    before = project.fingerprint()
    run_sql(project.database_path, "DELETE FROM conversion_jobs WHERE id = 1")
    assert project.fingerprint().rows == row_count - 1
    assert compare_rows(before, project.fingerprint()) == f"rows CHANGED: {row_count} before, {row_count - 1} after"


def test_a_rename_that_kept_every_value_is_followed_by_name(project):
    before = project.fingerprint()
    run_sql(project.database_path, "ALTER TABLE conversion_jobs RENAME COLUMN finished_at TO completed_at")
    assert project.fingerprint().missing_columns == ("finished_at",)
    assert project.fingerprint(renamed={"finished_at": "completed_at"}).same_as(before)
    with project.connect() as connection:
        assert fingerprint(connection, renamed={"finished_at": "completed_at"}).same_as(before)


def test_count_non_null_counts_values_per_column(project, csv_rows):
    with project.connect() as connection:
        counts = count_non_null(connection, ["finished_at", "gone"])
    assert counts == {"finished_at": sum(r["finished_at"] != "" for r in csv_rows), "gone": "column missing"}
