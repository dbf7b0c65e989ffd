"""The recommended history (migration_lab.recommended) and the CI tests notebook 11 gives a team.

The team's files run for real, as a team runs them: copied into a copy of the project, then
``python -m pytest`` in a subprocess from its root. The five tests of tests/test_migrations.py must
pass on every healthy history (the recommended one, one with a branch point and a merge, one with a
dependency, the guide's own history once baselined) and fail on each broken one, in the test meant
for it (the stairway and the empty-database test also name the revision at fault).
"""
import ast
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from migration_lab import LabError, lab_file, schema_diff, sqlite_file, write_ci_tests, write_recommended_history
from migration_lab.checkpoints import GUIDE_MESSAGE, replay
from migration_lab.recommended import (BASELINE, PROGRESS_DEFAULT, REVISION_IDS, TEAM_CI_FILES, TRACKING, message_of,
                                       write_revision)


def names_of_tests(source):
    return {node.name for node in ast.parse(lab_file(source).read_text()).body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


ANY_HISTORY = names_of_tests("team_ci/test_migrations.py")      # hold for any healthy history
THIS_HISTORY = names_of_tests("team_ci/test_migration_data.py")  # this project's data test
ALICE, BRUNO, MERGE = "alice_priority", "bruno_created_index", "0005_merge"
CREATED_AT = "created_at = db.Column(db.DateTime, nullable=False, default=utcnow)"


@pytest.fixture
def history(project):
    """A project after `flask db init`, holding the recommended history, its model and the CI tests."""
    replay(project, "initialized")
    write_recommended_history(project)
    write_ci_tests(project)
    return project


@dataclass
class Run:
    status: int
    passed: set
    failures: dict  # test name -> its failure report
    output: str


def run_ci_tests(root, *arguments):
    """``python -m pytest`` in the project, as a team runs it (its pytest.ini, no plugin of the lab's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    result = subprocess.run([sys.executable, "-m", "pytest", *arguments], cwd=root, env=env,
                            capture_output=True, text=True, timeout=300)
    passed = set(re.findall(r"^PASSED \S+::(\w+)", result.stdout, re.MULTILINE))
    report = result.stdout.split("= short test summary info =")[0]
    sections = re.split(r"^_{3,} (\w+) _{3,}$", report, flags=re.MULTILINE)
    failures = dict(zip(sections[1::2], sections[2::2]))
    return Run(result.returncode, passed, failures, result.stdout + result.stderr)


# --- the recommended history ---------------------------------------------------------------------------
def test_the_history_is_one_chain_with_readable_ids_and_the_files_messages(history):
    scripts = history.migration_scripts()
    assert [s.revision for s in scripts] == list(REVISION_IDS)
    assert [s.down_revision for s in scripts] == [None, BASELINE, TRACKING]
    assert [s.doc for s in scripts] == [message_of(lab_file(f"revisions/{rev}.py")) for rev in REVISION_IDS]


def test_the_ci_files_are_copied_into_the_project(history):
    assert set(TEAM_CI_FILES.values()) == {"tests/test_migrations.py", "tests/test_migration_data.py", "pytest.ini"}
    for source, target in TEAM_CI_FILES.items():
        assert (history.root / target).read_text() == lab_file(source).read_text()


def test_the_generic_ci_tests_name_no_revision_row_or_value_of_this_project():
    generic = lab_file("team_ci/test_migrations.py").read_text()
    for word in (*REVISION_IDS, "conversion_jobs", "progress", "INSERT", "contrat"):
        assert word not in generic


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


# --- histories: made as a team makes them ----------------------------------------------------------------
def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{path.name} has no {old!r}"
    path.write_text(text.replace(old, new))


def script_of(project, revision):
    return project.migration_script(revision=revision)


def two_branches(project):
    """Alice and Bruno each write a revision after 0003 (exercise 3's set-up); the model has both changes."""
    for rev_id in (ALICE, BRUNO):
        write_revision(project, rev_id, lab_file(f"revisions/{rev_id}.py"), head=PROGRESS_DEFAULT)
    project.add_model_columns('priority = db.Column(db.String(10), nullable=False, server_default="normal")')
    project.replace_model_line(CREATED_AT, CREATED_AT[:-1] + ", index=True)")


def branches_merged(project):
    two_branches(project)
    project.flask_db("merge", revisions="heads", message="merge Alice's and Bruno's work", rev_id=MERGE)


def branches_merged_one_depending_on_the_other(project):
    branches_merged(project)
    edit(script_of(project, BRUNO), "depends_on = None", f"depends_on = '{ALICE}'")


def guide_history(project, baselined=True):
    """The guide's own steps, random revision ids; baselined as a team adopts migrations: a baseline
    autogenerated against an empty database, production stamped there, then the guide's migration."""
    if not baselined:
        replay(project, "generated")
    else:
        replay(project, "initialized")
        project.flask_db("migrate", message="baseline", database=project.root / "instance" / "empty.db")
        (project.root / "instance" / "empty.db").unlink()
        project.flask_db("stamp", revision="head")
        project.add_model_columns()
        project.flask_db("migrate", message=GUIDE_MESSAGE)
    write_ci_tests(project)
    # this project has no data migration, so no data test of its own: the generic file alone
    (project.root / TEAM_CI_FILES["team_ci/test_migration_data.py"]).unlink()
    return project


def scripts_in_order(project):
    return [script.revision for script in project.migration_scripts()]


@pytest.mark.parametrize("make", [
    lambda history: None,
    branches_merged,
    branches_merged_one_depending_on_the_other,
], ids=["recommended", "branch point and merge", "merge, one branch depending on the other"])
def test_the_ci_tests_pass_on_a_healthy_history(history, make):
    make(history)
    run = run_ci_tests(history.root)
    assert (run.status, run.passed, set(run.failures)) == (0, ANY_HISTORY | THIS_HISTORY, set()), run.output


def test_plain_pytest_finds_the_tests_and_the_app_too(history):
    """`pytest` (not `python -m pytest`) does not put the project root on sys.path: pytest.ini's pythonpath does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    result = subprocess.run([str(Path(sys.executable).with_name("pytest"))], cwd=history.root, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.count("PASSED ") == len(ANY_HISTORY | THIS_HISTORY), result.stdout


def test_the_generic_ci_tests_pass_on_the_guide_s_own_history_once_baselined(project):
    guide_history(project)
    assert len(scripts_in_order(project)) == 2
    run = run_ci_tests(project.root)
    assert (run.status, run.passed, set(run.failures)) == (0, ANY_HISTORY, set()), run.output


OLD_STAIRWAY = """
from flask_migrate import downgrade, upgrade
from test_migrations import MIGRATIONS, app, revisions, schema  # noqa: F401  (app is the fixture)


def test_old_stairway(app):
    for script in revisions():
        before = schema()
        upgrade(directory=MIGRATIONS, revision=script.revision)
        downgrade(directory=MIGRATIONS, revision="-1")
        assert not schema() ^ before, f"downgrade of {script.revision} does not undo its upgrade"
        upgrade(directory=MIGRATIONS, revision=script.revision)
"""


def test_the_old_stairway_blamed_a_correct_revision_on_a_healthy_merge(history):
    """Why the stairway starts each revision from its parents: with both branches applied, the old loop's
    `downgrade -1` undoes whichever head Alembic lists first, and reports a correct revision as broken."""
    branches_merged(history)
    (history.root / "tests" / "test_old_stairway.py").write_text(OLD_STAIRWAY)
    run = run_ci_tests(history.root, "tests/test_old_stairway.py")
    assert set(run.failures) == {"test_old_stairway"}, run.output
    assert f"downgrade of {ALICE} does not undo its upgrade" in run.failures["test_old_stairway"], run.output


# --- ways to break a history, each caught by the test meant for it ----------
def forget_a_column_in_a_downgrade(project):
    edit(script_of(project, TRACKING), "        batch_op.drop_column('message')\n", "")
    return "test_each_downgrade_undoes_its_upgrade", f"downgrade of {TRACKING} does not undo its upgrade"


def write_revision_forgetting_its_downgrade(project, tmp_path, rev_id, upgrade_line):
    """A revision whose upgrade() runs ``upgrade_line`` in batch mode and whose downgrade() does nothing."""
    source = tmp_path / f"{rev_id}.py"
    source.write_text(f'"""{rev_id}"""\nfrom alembic import op\n\n\ndef upgrade():\n'
                      "    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:\n"
                      f"        {upgrade_line}\n\n\ndef downgrade():\n    pass\n")
    write_revision(project, rev_id, source)


def forget_a_unique_constraint_in_a_downgrade(project, tmp_path):
    write_revision_forgetting_its_downgrade(
        project, tmp_path, "0004_unique_filename",
        "batch_op.create_unique_constraint('uq_conversion_jobs_filename', ['filename'])")
    project.replace_model_line("filename = db.Column(db.String(255), nullable=False)",
                               "filename = db.Column(db.String(255), nullable=False, unique=True)")
    return "test_each_downgrade_undoes_its_upgrade", "downgrade of 0004_unique_filename does not undo its upgrade"


def forget_a_check_constraint_in_a_downgrade(project, tmp_path):
    write_revision_forgetting_its_downgrade(
        project, tmp_path, "0004_progress_range",
        "batch_op.create_check_constraint('ck_progress_range', 'progress BETWEEN 0 AND 100')")
    return "test_each_downgrade_undoes_its_upgrade", "downgrade of 0004_progress_range does not undo its upgrade"


def forget_an_index_in_a_downgrade_on_a_merged_branch(project):
    branches_merged(project)
    edit(script_of(project, BRUNO), "        batch_op.drop_index(batch_op.f('ix_conversion_jobs_created_at'))\n",
         "        pass\n")
    return "test_each_downgrade_undoes_its_upgrade", f"downgrade of {BRUNO} does not undo its upgrade"


def forget_a_whole_downgrade_on_the_other_merged_branch(project):
    branches_merged(project)
    edit(script_of(project, ALICE), "        batch_op.drop_column('priority')\n", "        pass\n")
    return "test_each_downgrade_undoes_its_upgrade", f"downgrade of {ALICE} does not undo its upgrade"


def leave_two_heads(project):
    two_branches(project)
    return "test_history_has_a_single_head", f"several heads {sorted([ALICE, BRUNO])}: run flask db merge"


def leave_the_table_behind_at_base(project):
    edit(script_of(project, BASELINE), "    op.drop_table('conversion_jobs')\n", "")
    return "test_downgrade_to_base_and_up_again_gives_the_same_schema", "left behind at base"


def add_a_table_that_only_create_all_makes(project):
    project.add_model_module("audit_entry")
    return "test_upgrade_builds_every_table_from_an_empty_database", "audit_entries"


def add_a_model_column_without_migration(project):
    project.add_model_columns("priority = db.Column(db.Integer)")
    return "test_models_match_the_upgraded_schema", "add_column"


def drop_the_server_default(project):
    edit(script_of(project, PROGRESS_DEFAULT), "nullable=False, server_default='0'", "nullable=False")
    return "test_models_match_the_upgraded_schema", "modify_default"


def forget_the_backfill(project):
    path = script_of(project, PROGRESS_DEFAULT)
    path.write_text(re.sub(r"\n    op.execute\(.*?\)\n", "\n", path.read_text(), flags=re.DOTALL))
    return "test_rows_survive_the_upgrade", "NOT NULL constraint failed: _alembic_tmp_conversion_jobs.progress"


BREAKAGES = [forget_a_column_in_a_downgrade, forget_a_unique_constraint_in_a_downgrade,
             forget_a_check_constraint_in_a_downgrade,
             forget_an_index_in_a_downgrade_on_a_merged_branch, forget_a_whole_downgrade_on_the_other_merged_branch,
             leave_two_heads, leave_the_table_behind_at_base, add_a_table_that_only_create_all_makes,
             add_a_model_column_without_migration, drop_the_server_default, forget_the_backfill]


@pytest.mark.parametrize("break_it", BREAKAGES, ids=lambda f: f.__name__)
def test_the_ci_tests_catch_a_broken_history(history, break_it, tmp_path):
    before = {p: p.read_text() for p in history.root.glob("WEB_SERVICE/**/*.py")}
    arguments = (history, tmp_path) if "constraint" in break_it.__name__ else (history,)
    caught_by, named = break_it(*arguments)
    assert {p: p.read_text() for p in history.root.glob("WEB_SERVICE/**/*.py")} != before
    run = run_ci_tests(history.root)
    assert run.status == 1 and caught_by in run.failures, run.output
    assert named in run.failures[caught_by], run.output
    assert run.passed | set(run.failures) == ANY_HISTORY | THIS_HISTORY, run.output


def test_the_ci_tests_catch_a_history_that_cannot_build_an_empty_database(project):
    guide_history(project, baselined=False)  # the guide's steps alone: no baseline
    (guide_revision,) = scripts_in_order(project)
    run = run_ci_tests(project.root)
    assert run.status == 1, run.output
    assert (f"from an empty database, {guide_revision} fails: OperationalError: (sqlite3.OperationalError) "
            "no such table: conversion_jobs") in run.failures["test_upgrade_builds_every_table_from_an_empty_database"]
    assert run.passed == {"test_history_has_a_single_head"}, run.output


def test_a_broken_history_fails_only_where_it_is_broken(history):
    """Two heads fail the one test about heads: the others run on every branch ("heads"), not on "head"."""
    leave_two_heads(history)
    run = run_ci_tests(history.root)
    assert set(run.failures) == {"test_history_has_a_single_head"}, run.output
