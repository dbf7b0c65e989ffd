"""Notebook 06's second migration, written into an empty `flask db revision` script, and the 'defaulted' checkpoint."""
import pytest

from migration_lab import LabError
from migration_lab.inprocess import flask_db
from migration_lab.script_edits import write_progress_backfill


def test_defaulted_gives_progress_a_server_default_and_backfills_old_rows(make_sandbox):
    created = make_sandbox("created", suffix="_created")
    sandbox = make_sandbox("defaulted")
    progress = sandbox.schema()["conversion_jobs"].column("progress")
    assert progress.describe() == "INTEGER NULL default '0'"
    assert sandbox.query("SELECT COUNT(*) FROM conversion_jobs WHERE progress IS NULL") == [(0,)]
    assert sandbox.query("SELECT DISTINCT progress FROM conversion_jobs WHERE status = 'done'") == [(100,)]
    assert sandbox.query("SELECT DISTINCT progress FROM conversion_jobs WHERE status != 'done'") == [(0,)]
    assert sandbox.fingerprint() == created.fingerprint()
    scripts = sandbox.migration_scripts()
    assert len(scripts) == 2 and sandbox.current_revision() == scripts[-1].revision
    assert 'server_default="0"' in sandbox.model_file.read_text()


def test_defaulted_matches_the_models_so_autogenerate_finds_nothing(make_sandbox):
    sandbox = make_sandbox("defaulted")
    assert "No changes in schema detected" in flask_db(sandbox.root, "migrate", message="nothing")
    assert len(sandbox.migration_scripts()) == 2


def test_its_downgrade_removes_the_server_default_and_keeps_the_values(make_sandbox):
    sandbox = make_sandbox("defaulted")
    flask_db(sandbox.root, "downgrade")
    assert sandbox.schema()["conversion_jobs"].column("progress").describe() == "INTEGER NULL"
    assert sandbox.query("SELECT COUNT(*) FROM conversion_jobs WHERE progress IS NULL") == [(0,)]


def test_a_script_that_is_not_empty_is_refused_and_left_alone(make_sandbox):
    sandbox = make_sandbox("generated")
    script = sandbox.newest_migration()
    before = script.read_text()
    with pytest.raises(LabError, match="run the `flask db revision` cell first"):
        write_progress_backfill(script)
    assert script.read_text() == before


def test_filling_shows_the_edit_as_a_diff(make_sandbox):
    sandbox = make_sandbox("upgraded")
    flask_db(sandbox.root, "revision", message="by hand")
    shown = write_progress_backfill(sandbox.newest_migration(), sandbox.root)
    assert shown.startswith("--- a/WEB_SERVICE/migrations/versions/")
    assert "-    pass" in shown and "+    op.execute(" in shown



def test_a_script_gone_with_its_sandbox_says_what_to_rerun(make_sandbox):
    sandbox = make_sandbox("upgraded")
    flask_db(sandbox.root, "revision", message="by hand")
    script = sandbox.newest_migration()
    script.unlink()
    with pytest.raises(LabError, match="re-run the notebook from its first code cell"):
        write_progress_backfill(script)
