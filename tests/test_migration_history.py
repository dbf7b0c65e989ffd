"""The recommended history (migration_lab.recommended) and the CI tests notebook 11 gives a team.

The team's test file runs for real, in a subprocess from the project root, as CI would run it: it
passes on the recommended history, and fails, on the right test, for each way of breaking it.
"""
import ast
import os
import re
import subprocess
import sys

import pytest
from sqlalchemy.exc import OperationalError

from migration_lab import LabError, lab_file, schema_diff, sqlite_file, write_ci_tests, write_recommended_history
from migration_lab.checkpoints import replay
from migration_lab.recommended import (BASELINE, PROGRESS_DEFAULT, REVISION_IDS, TEAM_CI_FILES, TRACKING, message_of,
                                       write_revision)

CI_TESTS_FILE = TEAM_CI_FILES["team_ci/test_migrations.py"]
CI_TESTS = {node.name for node in ast.parse(lab_file("team_ci/test_migrations.py").read_text()).body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


@pytest.fixture
def history(project):
    """A project after `flask db init`, holding the recommended history, its model and the CI tests."""
    replay(project, "initialized")
    write_recommended_history(project)
    write_ci_tests(project)
    return project


def run_ci_tests(root):
    """``python -m pytest tests/test_migrations.py`` in the project: (exit status, passed, failed, output)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the team's own pytest: none of the lab's plugins
    result = subprocess.run([sys.executable, "-m", "pytest", CI_TESTS_FILE], cwd=root, env=env,
                            capture_output=True, text=True, timeout=300)
    passed = set(re.findall(r"^PASSED \S+::(\w+)", result.stdout, re.MULTILINE))
    failed = set(re.findall(r"^_+ (\w+) _+$", result.stdout, re.MULTILINE))
    return result.returncode, passed, failed, result.stdout + result.stderr


def test_the_history_is_one_chain_with_readable_ids_and_the_files_messages(history):
    scripts = history.migration_scripts()
    assert [s.revision for s in scripts] == list(REVISION_IDS)
    assert [s.down_revision for s in scripts] == [None, BASELINE, TRACKING]
    assert [s.doc for s in scripts] == [message_of(lab_file(f"revisions/{rev}.py")) for rev in REVISION_IDS]


def test_the_ci_files_are_copied_into_the_project(history):
    for source, target in TEAM_CI_FILES.items():
        assert (history.root / target).read_text() == lab_file(source).read_text()


def test_the_message_is_the_first_line_of_the_file_s_docstring(tmp_path):
    (tmp_path / "a.py").write_text('"""add a column\n\nwhy we do it\n"""\n')
    (tmp_path / "b.py").write_text("x = 1\n")
    assert message_of(tmp_path / "a.py") == "add a column" and message_of(tmp_path / "b.py") == "b"


def test_writing_twice_is_refused_and_changes_nothing(history):
    model = history.model_file.read_text()
    with pytest.raises(LabError, match="open the sandbox at checkpoint 'initialized'"):
        write_recommended_history(history)
    assert history.model_file.read_text() == model and len(history.migration_scripts()) == len(REVISION_IDS)


@pytest.mark.parametrize("checkpoint, message", [
    ("created", r"run `flask db init` first"),
    ("generated", r"open the sandbox at checkpoint 'initialized'"),
])
def test_a_project_not_just_initialized_is_refused(project, checkpoint, message):
    replay(project, checkpoint)
    with pytest.raises(LabError, match=message):
        write_recommended_history(project)


def test_the_baseline_builds_what_create_all_built(history, tmp_path):
    history.flask_db("upgrade", database=tmp_path / "fresh.db", revision=BASELINE)
    fresh = sqlite_file(tmp_path / "fresh.db")
    assert schema_diff(history.schema(), fresh.schema()).lines() == ["+ table alembic_version"]


def test_the_production_database_adopts_the_history_and_keeps_its_rows(history, tmp_path):
    rows_before = history.fingerprint()
    history.flask_db("stamp", revision=BASELINE)
    history.flask_db("upgrade")
    history.flask_db("upgrade", database=tmp_path / "fresh.db")
    assert not schema_diff(sqlite_file(tmp_path / "fresh.db").schema(), history.schema())
    assert history.fingerprint().same_as(rows_before)
    assert history.query("SELECT COUNT(*) FROM conversion_jobs WHERE progress IS NULL") == [(0,)]
    assert history.query("SELECT DISTINCT progress FROM conversion_jobs WHERE status = 'done'") == [(100,)]
    assert history.current_revision() == PROGRESS_DEFAULT


def test_upgrading_the_production_database_instead_of_stamping_fails(history):
    with pytest.raises(OperationalError, match="table conversion_jobs already exists"):
        history.flask_db("upgrade")


def test_flask_db_check_passes_at_head_and_fails_on_a_model_drift(history, tmp_path):
    fresh = tmp_path / "fresh.db"
    history.flask_db("upgrade", database=fresh)
    history.flask_db("check", database=fresh)  # raises LabError when models and migrations disagree
    add_a_model_column_without_migration(history)
    with pytest.raises(LabError, match="New upgrade operations detected"):
        history.flask_db("check", database=fresh)


def test_a_revision_is_written_after_the_head_it_is_given(history):
    path = write_revision(history, "0004_other_branch", lab_file("revisions/alice_priority.py"), head=TRACKING)
    script = history.migration_script(revision="0004_other_branch")
    assert path == script and history.head_messages() == sorted(
        [message_of(lab_file("revisions/alice_priority.py")), message_of(lab_file(f"revisions/{PROGRESS_DEFAULT}.py"))])


def test_the_ci_tests_pass_on_the_recommended_history(history):
    status, passed, failed, output = run_ci_tests(history.root)
    assert (status, passed, failed) == (0, CI_TESTS, set()), output


# --- ways to break the history, each caught by the CI test meant for it ------------------------------
def sources(project):
    """The text of the model and of every revision script."""
    return {p.name: p.read_text() for p in [project.model_file, *(project.migrations / "versions").glob("*.py")]}


def version(project, rev_id):
    return project.migration_script(revision=rev_id)


def forget_a_drop_in_a_downgrade(project):
    path = version(project, TRACKING)
    path.write_text(path.read_text().replace("        batch_op.drop_column('message')\n", ""))


def add_a_model_column_without_migration(project):
    project.add_model_columns("priority = db.Column(db.Integer)")


def drop_the_server_default(project):
    path = version(project, PROGRESS_DEFAULT)
    path.write_text(path.read_text().replace("nullable=False, server_default='0'", "nullable=False"))


def forget_the_backfill(project):
    path = version(project, PROGRESS_DEFAULT)
    path.write_text(re.sub(r"\n    op.execute\(.*?\)\n", "\n", path.read_text(), flags=re.DOTALL))


def branch_off_a_second_head(project):
    project.flask_db("revision", message="colleague", rev_id="0003_colleague", head=TRACKING, splice=True)


@pytest.mark.parametrize("break_it, caught_by", [
    (forget_a_drop_in_a_downgrade, {"test_each_downgrade_undoes_its_upgrade"}),
    (add_a_model_column_without_migration, {"test_models_match_the_upgraded_schema"}),
    (drop_the_server_default, {"test_models_match_the_upgraded_schema"}),
    (forget_the_backfill, {"test_rows_survive_the_upgrade"}),
    (branch_off_a_second_head, {"test_history_has_a_single_head"}),
], ids=lambda value: value.__name__ if callable(value) else "")
def test_the_ci_tests_catch_a_broken_history(history, break_it, caught_by):
    before = sources(history)
    break_it(history)
    assert sources(history) != before, "the breaking edit must change the project"
    status, passed, failed, output = run_ci_tests(history.root)
    assert status == 1, output
    assert caught_by <= failed, output
    assert passed | failed == CI_TESTS, output
