"""The recommended history (migration_lab.history) and the CI tests notebook 11 gives a team.

The team's test file runs for real, in a subprocess from the sandbox root, as CI would run it: it
passes on the recommended history, and fails, on the right test, for each way of breaking it.
"""
import os
import re
import subprocess
import sys

import pytest

from migration_lab import LabError, diff, snapshot
from migration_lab.history import (BASELINE, CI_TESTS_FILE, PROGRESS_DEFAULT, REVISION_IDS, TRACKING,
                                   flask_db_on, write_ci_tests, write_history)
from migration_lab.inprocess import flask_db

CI_TESTS = ("test_history_has_a_single_head", "test_upgrade_builds_every_table_from_an_empty_database",
            "test_downgrade_to_base_and_up_again_gives_the_same_schema", "test_each_downgrade_undoes_its_upgrade",
            "test_models_match_the_upgraded_schema", "test_rows_survive_the_upgrade")


@pytest.fixture
def project(make_sandbox):
    """A sandbox after `flask db init`, holding the recommended history, its model and the CI tests."""
    sandbox = make_sandbox("initialized")
    write_history(sandbox.root)
    write_ci_tests(sandbox.root)
    return sandbox


def run_ci_tests(root):
    """``python -m pytest tests/test_migrations.py`` in the project: (exit status, passed, failed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the team's own pytest: none of the lab's plugins
    result = subprocess.run([sys.executable, "-m", "pytest", CI_TESTS_FILE], cwd=root, env=env,
                            capture_output=True, text=True, timeout=300)
    passed = set(re.findall(r"^PASSED \S+::(\w+)", result.stdout, re.MULTILINE))
    failed = set(re.findall(r"^_+ (\w+) _+$", result.stdout, re.MULTILINE))
    return result.returncode, passed, failed, result.stdout + result.stderr


def test_history_is_one_chain_with_readable_ids(project):
    assert [s.revision for s in project.migration_scripts()] == list(REVISION_IDS)
    assert [s.down_revision for s in project.migration_scripts()] == [None, BASELINE, TRACKING]


def test_writing_twice_changes_nothing(project):
    model = project.model_file.read_text()
    write_history(project.root)
    assert project.model_file.read_text() == model


def test_refuses_a_project_past_init(make_sandbox):
    with pytest.raises(LabError, match="checkpoint 'initialized'"):
        write_history(make_sandbox("generated").root)


def test_baseline_builds_what_create_all_built(project, tmp_path):
    fresh = tmp_path / "fresh.db"
    flask_db_on(project.root, fresh, "upgrade", revision=BASELINE)
    assert diff(snapshot(project.database_path), snapshot(fresh)).lines() == ["+ table alembic_version"]


def test_production_database_adopts_the_history_and_keeps_its_rows(project, tmp_path):
    rows_before = project.fingerprint()
    flask_db(project.root, "stamp", revision=BASELINE)
    flask_db(project.root, "upgrade")
    fresh = tmp_path / "fresh.db"
    flask_db_on(project.root, fresh, "upgrade")
    assert not diff(snapshot(fresh), project.schema())
    assert project.fingerprint().same_as(rows_before)
    assert project.query("SELECT COUNT(*) FROM conversion_jobs WHERE progress IS NULL") == [(0,)]
    assert project.query("SELECT DISTINCT progress FROM conversion_jobs WHERE status = 'done'") == [(100,)]
    assert project.current_revision() == PROGRESS_DEFAULT


def test_flask_db_check_passes_at_head_and_fails_on_a_model_drift(project, tmp_path):
    fresh = tmp_path / "fresh.db"
    flask_db_on(project.root, fresh, "upgrade")
    flask_db_on(project.root, fresh, "check")  # raises LabError when models and migrations disagree
    _add_a_model_column_without_migration(project.root)
    with pytest.raises(LabError, match="New upgrade operations detected"):
        flask_db_on(project.root, fresh, "check")


def test_the_ci_tests_pass_on_the_recommended_history(project):
    status, passed, failed, output = run_ci_tests(project.root)
    assert (status, passed, failed) == (0, set(CI_TESTS), set()), output


def _forget_a_drop_in_a_downgrade(root):
    path = root / "WEB_SERVICE/migrations/versions/0002_tracking_columns.py"
    path.write_text(path.read_text().replace("        batch_op.drop_column('message')\n", ""))


def _add_a_model_column_without_migration(root):
    from migration_lab.model_edits import add_columns
    add_columns(root, "priority = db.Column(db.Integer)")


def _drop_the_server_default(root):
    path = root / "WEB_SERVICE/migrations/versions/0003_progress_default.py"
    path.write_text(path.read_text().replace("nullable=False, server_default='0'", "nullable=False"))


def _forget_the_backfill(root):
    path = root / "WEB_SERVICE/migrations/versions/0003_progress_default.py"
    path.write_text(re.sub(r"\n    op.execute\(.*?\)\n", "\n", path.read_text(), flags=re.DOTALL))


def _branch_off_a_second_head(root):
    source = (root / "WEB_SERVICE/migrations/versions/0003_progress_default.py").read_text()
    (root / "WEB_SERVICE/migrations/versions/0003_colleague.py").write_text(
        source.replace("revision = '0003_progress_default'", "revision = '0003_colleague'")
              .replace("def upgrade():\n", "def upgrade():\n    return\n").replace("def downgrade():\n", "def downgrade():\n    return\n"))


@pytest.mark.parametrize("break_it, caught_by", [
    (_forget_a_drop_in_a_downgrade, {"test_each_downgrade_undoes_its_upgrade"}),
    (_add_a_model_column_without_migration, {"test_models_match_the_upgraded_schema"}),
    (_drop_the_server_default, {"test_models_match_the_upgraded_schema"}),
    (_forget_the_backfill, {"test_rows_survive_the_upgrade"}),
    (_branch_off_a_second_head, {"test_history_has_a_single_head"}),
], ids=lambda value: value.__name__.strip("_") if callable(value) else "")
def test_the_ci_tests_catch_a_broken_history(project, break_it, caught_by):
    break_it(project.root)
    status, passed, failed, output = run_ci_tests(project.root)
    assert status == 1, output
    assert caught_by <= failed, output
    assert passed | failed == set(CI_TESTS), output
