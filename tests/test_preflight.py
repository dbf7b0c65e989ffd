"""``python -m migration_lab preflight`` on SQLite: the upgrade on a copy, and what it did to the rows.

Each scenario is one a team meets (notebook 07's destructive migrations, notebook 08's failing one, a
merge), with its near miss: a rename as ``alter_column`` passes where drop + add fails; an allowed drop
passes where a second, unallowed one fails. The source database is proven untouched every time: the
file's bytes, its schema and its rows' fingerprint, before and after, failures included.
"""
import hashlib
import json
import sqlite3

import pytest

from migration_lab import replace_function_bodies
from migration_lab.checkpoints import replay
from migration_lab.database import SQLiteFile
from migration_lab.recommended import write_recommended_history
from migration_lab.sources import lab_file

RENAME = {"upgrade": "with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:\n"
                     "    batch_op.alter_column('finished_at', new_column_name='completed_at')\n",
          "downgrade": "with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:\n"
                       "    batch_op.alter_column('completed_at', new_column_name='finished_at')\n"}
NOT_NULL = ("with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:\n"
            "    batch_op.add_column(sa.Column('priority', sa.Integer(), nullable=True))\n\n"
            "with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:\n"
            "    batch_op.alter_column('finished_at', existing_type=sa.DateTime(), nullable=False)\n")


def state(path):
    """What must not change in a source: the file's bytes, its schema, its rows."""
    database = SQLiteFile(path)
    return hashlib.sha256(path.read_bytes()).hexdigest(), database.schema(), database.fingerprint()


@pytest.fixture
def untouched(project):
    """Call it at the end of a test: the project's database is as it was when the test began... after setup."""
    saved = {}

    def snapshot():
        saved["state"] = state(project.database_path)

    def check():
        assert state(project.database_path) == saved["state"]
    snapshot.check = check
    return snapshot


def rows_line(out, table="conversion_jobs"):
    return next(line.strip() for line in out.splitlines() if line.strip().startswith(f"{table}:"))


# --- the guide's own history ----------------------------------------------------------------------------
def test_the_guides_migration_passes_on_the_create_all_database(project_at, preflight, untouched):
    project = project_at("generated")
    untouched()
    status, out, err = preflight(project)
    assert (status, err) == (0, "")
    assert "revisions applied on the copy, one at a time (1 of 1):" in out
    assert "+ conversion_jobs.progress  INTEGER NULL" in out
    assert rows_line(out) == "conversion_jobs: 400 rows before, 400 after"
    assert "kept: id, filename, source_format, target_format, status, size_bytes, created_at, finished_at" in out
    assert "flask db check on the result: ok, models and migrations agree" in out
    assert out.rstrip().endswith("verdict: PASS (exit 0)")
    untouched.check()


def test_the_guides_history_fails_on_an_empty_database_and_names_the_revision(project_at, preflight, tmp_path):
    project = project_at("generated")
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    status, out, _ = preflight(project, "--database", empty)
    guide = project.migration_scripts()[0].revision
    assert status == 1
    assert f"FAILED  {guide}  Ajout des colonnes de suivi pour les jobs" in out
    assert (f"revision {guide} failed: OperationalError: (sqlite3.OperationalError) no such table: conversion_jobs"
            in out)
    assert "flask db check on the result: skipped (the upgrade did not reach the target)" in out
    assert empty.stat().st_size == 0  # the source: still the empty file it was


def test_nothing_to_apply_passes_when_models_and_migrations_agree(project_at, preflight):
    status, out, _ = preflight(project_at("upgraded"))
    assert status == 0
    assert "revisions: none to apply, the copy is already there" in out


def test_models_and_migrations_that_disagree_fail(project_at, preflight, untouched):
    project = project_at("upgraded")
    project.add_model_columns("priority = db.Column(db.Integer)")  # and no migration for it
    untouched()
    status, out, _ = preflight(project)
    assert status == 1
    assert "flask db check on the result: DISAGREE: New upgrade operations detected: [('add_column'" in out
    assert "  models and migrations disagree (flask db check)" in out
    project.flask_db("migrate", message="priority")  # the near miss: the migration exists
    status, out, _ = preflight(project)
    assert status == 0 and "flask db check on the result: ok" in out
    untouched.check()


# --- notebook 07's destructive migrations -----------------------------------------------------------------
def test_a_removed_column_is_values_lost_unless_allowed(project_at, preflight, untouched):
    project = project_at("upgraded")
    project.replace_model_line("size_bytes = db.Column(db.Integer)", "")
    project.flask_db("migrate", message="Clean up the job model")
    untouched()
    status, out, _ = preflight(project)
    assert status == 1
    assert "    size_bytes: dropped with its 400 values" in out
    assert ("  data lost: conversion_jobs.size_bytes: dropped with its 400 values "
            "(if intended: --allow-drop conversion_jobs.size_bytes)") in out
    assert "! drops column conversion_jobs.size_bytes: every value in it is deleted" in out  # the reviewer
    status, out, _ = preflight(project, "--allow-drop", "conversion_jobs.size_bytes")
    assert status == 0
    assert "  allowed (--allow-drop conversion_jobs.size_bytes): conversion_jobs.size_bytes: dropped" in out
    untouched.check()


def test_an_allowed_drop_does_not_cover_a_second_drop(project_at, preflight):
    project = project_at("upgraded")
    project.replace_model_line("size_bytes = db.Column(db.Integer)", "")
    project.replace_model_line("finished_at = db.Column(db.DateTime)", "")
    project.flask_db("migrate", message="two drops")
    status, out, _ = preflight(project, "--allow-drop", "conversion_jobs.size_bytes")
    assert status == 1
    problems = out.split("verdict: FAIL (exit 1)")[1]
    assert "data lost: conversion_jobs.finished_at: dropped with its 309 values" in problems
    assert "data lost: conversion_jobs.size_bytes" not in problems
    assert preflight(project, "--allow-drop", "conversion_jobs.size_bytes",
                     "--allow-drop", "conversion_jobs.finished_at")[0] == 0
    assert preflight(project, "--allow-drop", "conversion_jobs")[0] == 0  # a table allows all its columns


def test_a_rename_as_drop_plus_add_fails_and_as_alter_column_passes(project_at, preflight, untouched):
    project = project_at("upgraded")
    project.replace_model_line("finished_at = db.Column(db.DateTime)", "completed_at = db.Column(db.DateTime)")
    project.flask_db("migrate", message="Rename finished_at to completed_at")
    untouched()
    status, out, _ = preflight(project)
    assert status == 1
    assert "    finished_at: dropped with its 309 values" in out
    replace_function_bodies(project.newest_migration(), **RENAME)
    status, out, _ = preflight(project)
    assert status == 0
    assert "    finished_at: renamed to completed_at, 309 values kept" in out
    untouched.check()


def test_a_model_no_longer_imported_drops_its_table_with_its_rows(project_at, preflight, untouched):
    project = project_at("upgraded")
    project.add_model_module("audit_entry")
    project.flask_db("migrate", message="Add audit entries")
    project.flask_db("upgrade")
    project.execute("INSERT INTO audit_entries (job_id, action, at) "
                    "SELECT id, 'converted', finished_at FROM conversion_jobs WHERE status = 'done'")
    project.remove_model_import("audit_entry")
    project.add_model_columns("priority = db.Column(db.Integer)")
    project.flask_db("migrate", message="Add priority to jobs")
    untouched()
    status, out, _ = preflight(project, "--json")
    report = json.loads(out)
    assert status == report["exit_code"] == 1
    assert report["tables_dropped"] == ["audit_entries"]
    assert {"target": "audit_entries", "what": "table dropped with its 282 rows", "allowed": False} in report["losses"]
    status, out, _ = preflight(project, "--allow-drop", "audit_entries")
    assert status == 0 and "  audit_entries: DROPPED with its 282 rows" in out
    untouched.check()


def test_a_type_change_that_rewrites_values_is_a_loss(project_at, preflight):
    project = project_at("upgraded")
    project.replace_model_line("created_at = db.Column(db.DateTime, nullable=False, default=utcnow)",
                               "created_at = db.Column(db.Date, nullable=False, default=utcnow)")
    project.flask_db("migrate", message="Tidy column types")
    status, out, _ = preflight(project)
    assert status == 1
    assert "    created_at: 400 of 400 values changed" in out


def test_rows_deleted_by_a_migration_are_rows_lost(project_at, preflight):
    project = project_at("upgraded")
    project.new_revision("cleanup", "delete failed jobs", "op.execute(\"DELETE FROM conversion_jobs WHERE status = 'failed'\")")
    deleted = 400 - project.query("SELECT count(*) FROM conversion_jobs WHERE status != 'failed'")[0][0]
    status, out, _ = preflight(project)
    assert status == 1 and deleted > 0
    assert f"conversion_jobs: 400 rows before, {400 - deleted} after, {deleted} LOST" in out
    assert f"data lost: conversion_jobs: {deleted} of 400 rows lost" in out


def test_a_renamed_table_keeps_its_rows(project_at, preflight):
    project = project_at("upgraded")
    project.new_revision("rename_table", "rename the table", "op.rename_table('conversion_jobs', 'jobs')",
                         "op.rename_table('jobs', 'conversion_jobs')")
    status, out, _ = preflight(project, "--json")
    table = json.loads(out)["tables"][0]
    assert (table["renamed_to"], table["rows_after"], table["rows_lost"]) == ("jobs", 400, 0)
    assert json.loads(out)["losses"] == []  # flask db check disagrees (the model says conversion_jobs): exit 1
    assert status == 1


# --- a failing revision, and the source ------------------------------------------------------------------------
def test_a_failing_revision_is_named_and_the_source_stays_untouched(project_at, preflight, untouched):
    project = project_at("upgraded")
    project.new_revision("priority", "Priorite des jobs, date de fin obligatoire", NOT_NULL)
    project.new_revision("after", "the revision after it", "pass")
    untouched()
    status, out, _ = preflight(project, "--json")
    report = json.loads(out)
    assert status == 1
    assert [(r["revision"], r["status"]) for r in report["revisions"]] == [("priority", "failed"), ("after", "not run")]
    assert report["revisions"][0]["error"] == (
        "IntegrityError: (sqlite3.IntegrityError) NOT NULL constraint failed: _alembic_tmp_conversion_jobs.finished_at")
    assert report["problems"][-1].startswith("revision priority failed: IntegrityError")
    assert report["source_unchanged"] is True
    untouched.check()


@pytest.mark.parametrize("checkpoint", ["generated", "upgraded"])
def test_env_py_that_connects_elsewhere_is_refused_before_any_sql(project_at, preflight, untouched, checkpoint):
    """At 'upgraded' no revision is left to run: only ``flask db check`` reaches env.py, and the refusal
    must still be exit 2, not "models and migrations disagree"."""
    project = project_at(checkpoint)
    env = project.migrations / "env.py"
    env.write_text(env.read_text().replace(
        "    connectable = get_engine()\n",
        "    from sqlalchemy import create_engine\n    connectable = create_engine('sqlite:///instance/jobs.db')\n"))
    untouched()
    status, out, err = preflight(project)
    assert (status, out) == (2, "")
    assert err == ("error: env.py connects to another database than the copy preflight gave the app "
                   "(Flask-Migrate's env.py connects through the app's engine): nothing was run\n")
    untouched.check()


# --- histories with merges, and the round trip ----------------------------------------------------------------
@pytest.fixture
def merged(project):
    """The recommended history to 0003, Alice's and Bruno's branches (notebook 11), their merge, the model to match."""
    replay(project, "initialized")
    write_recommended_history(project)
    project.flask_db("stamp", revision="0001_baseline")
    project.flask_db("upgrade", revision="0003_progress_default")
    return branch_and_merge(project)


def branch_and_merge(project):
    """On a project at 0003: Alice's and Bruno's branches (notebook 11), the model to match, their merge."""
    for rev_id, source, message in (("0004_alice", "alice_priority", "priority for urgent jobs"),
                                    ("0004_bruno", "bruno_created_index", "index on created_at")):
        project.flask_db("revision", message=message, rev_id=rev_id, head="0003_progress_default", splice=True)
        replace_function_bodies(project.migration_script(revision=rev_id), from_file=lab_file(f"revisions/{source}.py"))
    project.add_model_columns('priority = db.Column(db.String(10), nullable=False, server_default="normal")')
    created = "created_at = db.Column(db.DateTime, nullable=False, default=utcnow)"
    project.replace_model_line(created, created.replace(")", ", index=True)"))
    project.flask_db("merge", revisions="heads", message="merge", rev_id="0005_merge")
    return project


def test_a_history_with_a_merge_is_applied_branch_by_branch_then_the_merge(merged, preflight, untouched):
    untouched()
    status, out, _ = preflight(merged, "--json", "--round-trip")
    report = json.loads(out)
    assert status == 0, report["problems"]
    assert sorted(r["revision"] for r in report["revisions"][:2]) == ["0004_alice", "0004_bruno"]
    assert report["revisions"][2]["revision"] == "0005_merge"
    assert {r["status"] for r in report["revisions"]} == {"applied"}
    assert report["round_trip"] == {"downgrade_to": "0003_progress_default", "error": None,
                                    "reached": ["0003_progress_default"], "schema_restored": True,
                                    "same_schema": True, "same_rows": True, "ok": True}
    untouched.check()


def test_from_one_branch_the_other_branch_and_the_merge_remain(merged, preflight):
    merged.flask_db("upgrade", revision="0004_alice")
    status, out, _ = preflight(merged, "--json")
    report = json.loads(out)
    assert status == 0
    assert report["start"] == ["0004_alice"]
    assert [r["revision"] for r in report["revisions"]] == ["0004_bruno", "0005_merge"]


def test_a_round_trip_whose_downgrade_does_nothing_fails(project_at, preflight):
    project = project_at("generated")
    replace_function_bodies(project.newest_migration(), downgrade="pass")
    status, out, _ = preflight(project, "--round-trip")
    assert status == 1
    assert "round trip (downgrade to base, then upgrade to head): FAILED: OperationalError: " \
           "(sqlite3.OperationalError) duplicate column name: progress" in out
    assert preflight(project)[0] == 0  # without --round-trip the same upgrade passes


def test_an_earlier_target_stops_there_and_skips_flask_db_check(merged, preflight):
    status, out, _ = preflight(merged, "0004_bruno")
    assert status == 0
    assert "ok  0004_bruno" in out and "0005_merge" not in out
    assert "flask db check on the result: skipped (the copy is at 0004_bruno, not at the head)" in out


def test_a_round_trip_from_one_branch_says_where_alembic_leaves_the_copy(merged, preflight):
    merged.flask_db("upgrade", revision="0004_alice")
    status, out, _ = preflight(merged, "--round-trip")
    assert status == 0
    assert ("round trip (downgrade to 0004_alice, then upgrade to head):\n"
            "  after the downgrade the copy is at: 0004_alice, 0004_bruno\n"
            "  downgrade gives back the starting schema: NO\n"
            "  upgrade again gives the same schema: yes\n"
            "  ... and the same rows and values: yes\n") in out


def test_one_value_rewritten_is_found_among_unchanged_pages(project_at, preflight):
    project = project_at("upgraded")  # four columns added in place: the table's pages are as they were
    project.new_revision("one", "fix one filename", "op.execute(\"UPDATE conversion_jobs SET filename = 'x' WHERE id = 7\")")
    status, out, _ = preflight(project)
    assert status == 1
    assert "    filename: 1 of 400 values changed" in out


def test_a_rename_in_place_keeps_the_values(project_at, preflight):
    project = project_at("upgraded")
    project.replace_model_line("finished_at = db.Column(db.DateTime)", "completed_at = db.Column(db.DateTime)")
    project.new_revision("rename", "rename in place",
                         "op.alter_column('conversion_jobs', 'finished_at', new_column_name='completed_at')")
    status, out, _ = preflight(project)
    assert status == 0
    assert "    finished_at: renamed to completed_at, 309 values kept" in out


@pytest.mark.parametrize("change, untouched", [
    ("", True),                                                          # ADD COLUMN and the revision only
    ("UPDATE alembic_version SET version_num = 'b2'", True),             # the version table may change
    ("UPDATE jobs SET name = 'X' || substr(name, 2) WHERE id = 777", False),  # one value, in place
    ("DELETE FROM jobs WHERE id = 5000", False),                         # a row gone, the file's size kept
])
def test_the_one_pass_comparison_clears_only_a_file_whose_tables_are_untouched(tmp_path, change, untouched):
    """The fast path of _same_pages: the files differ only in page 1, sqlite_schema and alembic_version."""
    from migration_lab.preflight_rows import _attached
    from migration_lab.sqlite_pages import _only_the_schema_differs

    before, after = tmp_path / "before.db", tmp_path / "after.db"
    with sqlite3.connect(before) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('a1')")
        connection.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, name TEXT)")
        connection.executemany("INSERT INTO jobs (name) VALUES (?)", [(f"job {i:05}",) for i in range(20_000)])
    connection.close()
    after.write_bytes(before.read_bytes())
    with sqlite3.connect(after) as connection:
        connection.execute("ALTER TABLE jobs ADD COLUMN attempts INTEGER")
        connection.execute(change or "SELECT 1")
    connection.close()
    assert before.stat().st_size == after.stat().st_size
    with _attached(f"sqlite:///{after}", before) as connection:
        assert _only_the_schema_differs(connection) is untouched


def test_the_one_pass_over_both_files_is_made_once_for_all_tables(project_at, preflight, monkeypatch):
    from migration_lab import sqlite_pages

    project = project_at("upgraded")
    project.add_model_module("audit_entry")
    project.flask_db("migrate", message="audit")
    project.flask_db("upgrade")
    project.add_model_columns("attempts = db.Column(db.Integer)")
    project.flask_db("migrate", message="attempts")
    calls = []
    one_pass = sqlite_pages._only_the_schema_differs
    monkeypatch.setattr(sqlite_pages, "_only_the_schema_differs", lambda c: calls.append(1) or one_pass(c))
    status, out, _ = preflight(project)
    assert status == 0 and "audit_entries: 0 rows before, 0 after" in out and len(calls) == 1, out
