"""Schema snapshots and diffs, on real SQLite files."""
import sqlite3

from migration_lab.schema import diff, side_by_side, snapshot


def make_db(path, ddl):
    with sqlite3.connect(path) as connection:
        connection.executescript(ddl)
    return path


BASE = "CREATE TABLE jobs (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, size INTEGER);"


def test_snapshot_reads_columns_types_nullability_and_indexes(tmp_path):
    db = make_db(tmp_path / "a.db", BASE + "CREATE INDEX ix_jobs_name ON jobs (name);")
    table = snapshot(db)["jobs"]
    assert table.column_names == ["id", "name", "size"]
    assert table.column("name").describe() == "VARCHAR(20) NOT NULL"
    assert table.column("id").primary_key
    assert table.indexes == ("ix_jobs_name (name)",)
    assert "table jobs" in snapshot(db).text()


def test_diff_finds_added_removed_and_changed_columns(tmp_path):
    before = snapshot(make_db(tmp_path / "a.db", BASE))
    after = snapshot(make_db(tmp_path / "b.db",
                             "CREATE TABLE jobs (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, "
                             "progress INTEGER DEFAULT '0');"))
    change = diff(before, after)
    assert [(t, c.name) for t, c in change.added_columns] == [("jobs", "progress")]
    assert [(t, c.name) for t, c in change.removed_columns] == [("jobs", "size")]
    assert change.changed_columns == (("jobs", "name", "VARCHAR(20) NOT NULL", "VARCHAR(50) NOT NULL"),)
    assert change.text().splitlines() == [
        "+ jobs.progress  INTEGER NULL default '0'",
        "- jobs.size  INTEGER NULL",
        "~ jobs.name  VARCHAR(20) NOT NULL  ->  VARCHAR(50) NOT NULL",
    ]


def test_diff_finds_tables_and_indexes(tmp_path):
    before = snapshot(make_db(tmp_path / "a.db", BASE))
    after = snapshot(make_db(tmp_path / "b.db", BASE + "CREATE INDEX ix_size ON jobs (size);"
                             "CREATE TABLE audit (id INTEGER PRIMARY KEY);"))
    change = diff(before, after)
    assert change.added_tables == ("audit",)
    assert change.added_indexes == (("jobs", "ix_size (size)"),)
    assert diff(after, before).removed_tables == ("audit",)


def test_no_change_is_empty(tmp_path):
    db = make_db(tmp_path / "a.db", BASE)
    change = diff(snapshot(db), snapshot(db))
    assert not change
    assert change.text() == "(no schema change)"


def test_html_rendering_escapes_values(tmp_path):
    db = make_db(tmp_path / "a.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT DEFAULT '<b>');")
    html = snapshot(db)._repr_html_()
    assert "&lt;b&gt;" in html and "<b>table t</b>" in html


def test_side_by_side_puts_each_text_under_its_title():
    text = side_by_side("a\nbb", "x", titles=("left", "right"), gap=2)
    assert text.splitlines() == ["left  right", "====  =====", "a     x", "bb"]
