"""Preflight on the real PostgreSQL: pg_dump, pg_restore into a scratch server, fingerprints per column.

The source is a pgserver database (the ``production`` fixture: the recommended history, 2,000 jobs);
preflight starts its own scratch server for the copy. After every run the source's schema, rows and
Alembic revision are those it had before, failures included.
"""
import json
import os

import pytest

from migration_lab import postgres, replace_function_bodies
from migration_lab.checkpoints import replay

from test_preflight import NOT_NULL, RENAME, branch_and_merge


def state(database):
    return database.schema(), database.fingerprint(), database.current_heads(), database.count_rows()


@pytest.fixture
def pg_preflight(preflight, production):
    """``pg_preflight(*args)``: preflight of the production project on its PostgreSQL; (status, report as JSON)."""
    project, database = production
    before = state(database)

    def run(*args):
        status, out, err = preflight(project, "--database", database.url, "--json", *args)
        assert err == ""
        assert state(database) == before  # the source, untouched
        assert not postgres.data_directory(f"preflight-{os.getpid()}").exists()  # the scratch server, gone
        return status, json.loads(out)
    return run


def test_a_new_column_passes_and_comes_back_from_a_round_trip(production, pg_preflight):
    project, database = production
    project.add_model_columns("priority = db.Column(db.Integer)")
    project.flask_db("migrate", message="Priorite des jobs", database=database)
    status, report = pg_preflight("--round-trip")
    assert status == 0, report["problems"]
    assert report["engine"] == "postgresql" and report["start"] == ["0003_progress_default"]
    assert report["schema_diff"] == ["+ conversion_jobs.priority  INTEGER NULL"]
    assert report["tables"][0]["rows_before"] == report["tables"][0]["rows_after"] == 2000
    assert {c["status"] for c in report["tables"][0]["columns"]} == {"kept"}
    assert report["check"] == {"status": "ok", "detail": ""}
    assert report["round_trip"]["ok"] is True


def test_a_rename_as_drop_plus_add_fails_and_as_alter_column_passes(production, pg_preflight):
    project, database = production
    project.replace_model_line("finished_at = db.Column(db.DateTime)", "completed_at = db.Column(db.DateTime)")
    project.flask_db("migrate", message="Rename finished_at", database=database)
    status, report = pg_preflight()
    finished = database.count_non_null(["finished_at"])["finished_at"]
    assert status == 1
    assert {"target": "conversion_jobs.finished_at", "what": f"dropped with its {finished} values",
            "allowed": False} in report["losses"]
    replace_function_bodies(project.newest_migration(), **RENAME)
    status, report = pg_preflight()
    assert status == 0, report["problems"]
    column = next(c for c in report["tables"][0]["columns"] if c["column"] == "finished_at")
    assert (column["status"], column["renamed_to"], column["values"]) == ("renamed", "completed_at", finished)
    assert report["review"][0]["flagged"][0]["risks"][0].startswith("renames conversion_jobs.finished_at")


def test_a_failing_revision_is_named_and_rolled_back_on_the_copy(production, pg_preflight):
    project, _ = production
    project.new_revision("priority", "Priorite des jobs, date de fin obligatoire", NOT_NULL)
    status, report = pg_preflight()
    assert status == 1
    assert report["revisions"][0]["status"] == "failed"
    assert report["revisions"][0]["error"] == ('IntegrityError: (psycopg2.errors.NotNullViolation) column '
                                               '"finished_at" of relation "conversion_jobs" contains null values')
    assert report["schema_diff"] == []  # PostgreSQL rolled the whole revision back, on the copy


def test_a_merge_on_postgresql(production, pg_preflight):
    project, database = production
    branch_and_merge(project)
    status, report = pg_preflight()
    assert status == 0, report["problems"]
    assert [r["revision"] for r in report["revisions"]][-1] == "0005_merge" and len(report["revisions"]) == 3


def test_the_guides_own_history_on_postgresql(postgres_server, project, preflight, request):
    replay(project, "generated")  # the guide's migration, no baseline: the table comes from create_all()
    database = postgres_server.create_database("guide_" + request.node.name[:30].lower())
    with project.flask_app(database=database) as app, app.app_context():
        db = app.extensions["migrate"].db
        db.metadata.tables["conversion_jobs"].create(db.engine)
    database.seed()
    database.execute("ALTER TABLE conversion_jobs DROP COLUMN progress, DROP COLUMN page_done, "
                     "DROP COLUMN total_pages, DROP COLUMN message")  # create_all() ran before section 3
    before = state(database)
    status, out, err = preflight(project, "--database", database.url)
    assert (status, err) == (0, "")
    assert "preflight: PostgreSQL database 'guide_" in out and "pg_dump, pg_restore into a scratch PostgreSQL" in out
    assert "  conversion_jobs: 400 rows before, 400 after" in out
    assert state(database) == before


def _retype(project, rev_id, column, old, new, using=None):
    """A revision changing ``column``'s type on PostgreSQL (``using``: the USING expression)."""
    extra = f", postgresql_using={using!r}" if using else ""
    project.new_revision(rev_id, f"{column} as {new}", f"op.alter_column('conversion_jobs', {column!r}, "
                         f"existing_type={old}, type_={new}{extra})")


@pytest.mark.parametrize("rev_id, column, old, new, using, kept", [
    ("widen", "size_bytes", "sa.Integer()", "sa.Numeric(14, 2)", None, True),         # 5 prints as 5.00: kept
    # near miss: 5 becomes 5.40, which casts back to 5; only the round trip (5.40 -> 5 -> 5.00) sees the change
    ("nudge", "size_bytes", "sa.Integer()", "sa.Numeric(14, 2)", "size_bytes + 0.4", False),
    ("longer", "status", "sa.String(20)", "sa.Text()", None, True),
    ("to_date", "created_at", "sa.DateTime()", "sa.Date()", None, False),            # the time of day is gone
    ("text_of", "size_bytes", "sa.Integer()", "sa.Text()", "size_bytes::text || ' B'", False),  # no cast back
])
def test_a_type_change_keeps_values_only_if_casting_back_gives_them(production, pg_preflight, rev_id, column, old,
                                                                    new, using, kept):
    project, database = production
    _retype(project, rev_id, column, old, new, using)
    status, report = pg_preflight()
    found = next(c for c in report["tables"][0]["columns"] if c["column"] == column)
    assert found["status"] == ("kept" if kept else "changed")
    assert (f"conversion_jobs.{column}" in {loss["target"] for loss in report["losses"]}) is not kept
    assert status == 1  # the models still say the old type: flask db check disagrees either way
    assert report["check"]["status"] == "disagree"
