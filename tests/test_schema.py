"""Schemas read from real SQLite files or from the models, and the difference between two."""
import sqlite3
from contextlib import closing

import pytest

from migration_lab import schema_diff, sqlite_file
from migration_lab.schema import Schema, read_schema

BASE = "CREATE TABLE jobs (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, size INTEGER);"


@pytest.fixture
def make_db(tmp_path):
    """A SQLite file made by ``ddl``, read as the lab reads any database."""
    def make(name, ddl):
        with closing(sqlite3.connect(tmp_path / name)) as connection:
            connection.executescript(ddl)
        return sqlite_file(tmp_path / name)
    return make


def test_a_schema_reads_columns_types_nullability_and_indexes(make_db):
    db = make_db("a.db", BASE + "CREATE INDEX ix_jobs_name ON jobs (name);")
    table = db.schema()["jobs"]
    assert table.column_names == ["id", "name", "size"]
    assert table.column("name").describe() == "VARCHAR(20) NOT NULL"
    assert table.column("id").primary_key and table.column("nowhere") is None
    assert table.indexes == ("ix_jobs_name (name)",)


def test_read_schema_takes_an_open_connection(make_db):
    db = make_db("a.db", BASE)
    with db.connect() as connection:
        assert read_schema(connection) == db.schema()


def test_the_text_is_one_aligned_table_per_table(make_db):
    db = make_db("a.db", BASE + "CREATE TABLE owners (id INTEGER PRIMARY KEY, job_id INTEGER REFERENCES jobs (id));")
    assert db.schema().text().splitlines() == [
        "table jobs",
        "  column  type         null  default  key",
        "  id      INTEGER      yes            PK",
        "  name    VARCHAR(20)  no",
        "  size    INTEGER      yes",
        "",
        "table owners",
        "  column  type     null  default  key",
        "  id      INTEGER  yes            PK",
        "  job_id  INTEGER  yes",
        "  foreign key (job_id) -> jobs(id)",
    ]
    assert Schema({}).text() == "(no tables)"


def test_html_rendering_escapes_values(make_db):
    html = make_db("a.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT DEFAULT '<b>');").schema()._repr_html_()
    assert "&lt;b&gt;" in html and "<b>table t</b>" in html
    assert Schema({})._repr_html_() == "<p>(no tables)</p>"


def test_app_tables_leave_out_alembic_s_bookkeeping(make_db):
    schema = make_db("a.db", BASE + "CREATE TABLE alembic_version (version_num VARCHAR(32));").schema()
    assert "alembic_version" in schema and list(schema.app_tables().tables) == ["jobs"]


def test_diff_finds_added_removed_and_changed_columns(make_db):
    before = make_db("a.db", BASE).schema()
    after = make_db("b.db", "CREATE TABLE jobs (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, "
                            "progress INTEGER DEFAULT '0');").schema()
    change = schema_diff(before, after)
    assert [(t, c.name) for t, c in change.added_columns] == [("jobs", "progress")]
    assert [(t, c.name) for t, c in change.removed_columns] == [("jobs", "size")]
    assert change.changed_columns == (("jobs", "name", "VARCHAR(20) NOT NULL", "VARCHAR(50) NOT NULL"),)
    assert change.text().splitlines() == [
        "+ jobs.progress  INTEGER NULL default '0'",
        "- jobs.size  INTEGER NULL",
        "~ jobs.name  VARCHAR(20) NOT NULL  ->  VARCHAR(50) NOT NULL",
    ]


def test_diff_finds_tables_and_indexes(make_db):
    before = make_db("a.db", BASE + "CREATE INDEX ix_name ON jobs (name);").schema()
    after = make_db("b.db", BASE + "CREATE INDEX ix_size ON jobs (size);"
                            "CREATE TABLE audit (id INTEGER PRIMARY KEY);").schema()
    change = schema_diff(before, after)
    assert change.added_tables == ("audit",) and schema_diff(after, before).removed_tables == ("audit",)
    assert change.added_indexes == (("jobs", "ix_size (size)"),)
    assert change.removed_indexes == (("jobs", "ix_name (name)"),)
    assert change.lines() == ["+ table audit", "+ jobs index ix_size (size)", "- jobs index ix_name (name)"]


def test_no_change_is_empty(make_db):
    schema = make_db("a.db", BASE).schema()
    change = schema_diff(schema, schema)
    assert not change and change.text() == str(change) == "(no schema change)"


def test_the_models_describe_what_create_all_built(project):
    assert not schema_diff(project.schema(), project.model_schema())


def test_the_models_show_a_server_default_the_database_lacks(project):
    project.add_model_columns('attempts = db.Column(db.Integer, nullable=False, server_default="0")')
    change = schema_diff(project.schema(), project.model_schema())
    assert change.lines() == ["+ conversion_jobs.attempts  INTEGER NOT NULL default '0'"]


def test_a_model_default_reads_as_the_database_reports_it(project):
    """A string server default is a quoted SQL literal ('0'); sa.text("0") is written as is (0)."""
    project.add_model_columns('attempts = db.Column(db.Integer, nullable=False, server_default="0")\n'
                              'retries = db.Column(db.Integer, nullable=False, server_default=db.text("0"))')
    models = project.model_schema()["conversion_jobs"]
    assert (models.column("attempts").default, models.column("retries").default) == ("'0'", "0")
    project.create_database_from_models("both.db")
    built = sqlite_file(project.root / "instance" / "both.db").schema()["conversion_jobs"]
    assert (built.column("attempts").default, built.column("retries").default) == ("'0'", "0")


# --- CHECK constraints: what autogenerate leaves out, a schema comparison sees --------------------------
CHECKED = ("CREATE TABLE jobs (id INTEGER PRIMARY KEY, size INTEGER, kind VARCHAR(5), "
           "CONSTRAINT ck_size CHECK (size >= 0), CONSTRAINT job_kind CHECK (kind IN ('pdf', 'image')));")


def test_a_schema_reads_named_check_constraints_and_prints_them(make_db):
    table = make_db("a.db", CHECKED).schema()["jobs"]
    assert table.checks == ("ck_size: size >= 0", "job_kind: kind IN ('pdf', 'image')")
    assert "  check job_kind: kind IN ('pdf', 'image')" in make_db("b.db", CHECKED).schema().text().splitlines()


def test_a_changed_check_is_one_removed_and_one_added(make_db):
    before = make_db("a.db", CHECKED).schema()
    after = make_db("b.db", CHECKED.replace("'image')", "'image', 'audio')").replace(
        ", CONSTRAINT ck_size CHECK (size >= 0)", "")).schema()
    assert schema_diff(before, after).lines() == [
        "+ jobs check job_kind: kind IN ('pdf', 'image', 'audio')",
        "- jobs check ck_size: size >= 0",
        "- jobs check job_kind: kind IN ('pdf', 'image')"]
    assert not schema_diff(before, before)


def test_the_models_write_a_check_as_create_all_does(project):
    """A named CheckConstraint and an Enum's own CHECK (create_constraint=True): same text on both sides."""
    project.add_model_columns('kind = db.Column(db.Enum("pdf", "image", name="job_kind", create_constraint=True))\n'
                              '__table_args__ = (db.CheckConstraint("size_bytes >= 0", name="ck_size"),)')
    models = project.model_schema()["conversion_jobs"]
    assert models.checks == ("ck_size: size_bytes >= 0", "job_kind: kind IN ('pdf', 'image')")
    built = project.create_database_from_models("checked.db").schema()
    assert not schema_diff(built, project.model_schema())
    assert schema_diff(project.schema(), built).lines()[-2:] == ["+ conversion_jobs check ck_size: size_bytes >= 0",
                                                                "+ conversion_jobs check job_kind: kind IN ('pdf', 'image')"]
