"""The recommended history (migration_lab.recommended) and the CI files notebook 11 gives a team.

The team's files run for real, as a team runs them: copied into a copy of the project, then
``python -m pytest`` in a subprocess from its root, with pytest-alembic as its one pytest plugin, on SQLite
and on PostgreSQL (DATABASE_URL naming the lab's pgserver). pytest-alembic's four built-in tests and the
lab's own (the stairway, this history's data test) must pass on every healthy history (the recommended one,
one with a branch point and a merge, one with a dependency, the guide's own history once baselined, an Enum
column added the PostgreSQL way) and fail on each broken one, in the test meant for it, on each engine
where it is broken: some histories are broken on PostgreSQL only.
"""
import ast
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from migration_lab import (LabError, lab_file, replace_function_bodies, schema_diff, sqlite_file, write_ci_tests,
                           write_recommended_history)
from migration_lab.checkpoints import GUIDE_MESSAGE, replay
from migration_lab.database import connect
from migration_lab.recommended import (BASELINE, PROGRESS_DEFAULT, REVISION_IDS, TEAM_CI_FILES, TRACKING, message_of,
                                       write_revision)


def names_of_tests(source):
    """The tests a file of the lab's defines, and those it imports (pytest collects both)."""
    body = ast.parse(lab_file(source).read_text()).body
    defined = {node.name for node in body if isinstance(node, ast.FunctionDef)}
    imported = {alias.asname or alias.name for node in body if isinstance(node, ast.ImportFrom) for alias in node.names}
    return {name for name in defined | imported if name.startswith("test_")}


# What `pytest --test-alembic` runs by default: the test functions of pytest_alembic/tests/default.py (read, not
# imported: with pytest-alembic off in the lab's own run, its @pytest.mark.alembic would warn).
DEFAULT_TESTS = Path(find_spec("pytest_alembic").origin).parent / "tests" / "default.py"
PYTEST_ALEMBIC = {node.name for node in ast.parse(DEFAULT_TESTS.read_text()).body
                  if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}
ANY_HISTORY = names_of_tests("team_ci/test_migrations.py")      # hold for any healthy history
THIS_HISTORY = names_of_tests("team_ci/test_migration_data.py")  # this project's data test
STAIRWAY = "test_each_downgrade_undoes_its_upgrade"
ALICE, BRUNO, MERGE = "alice_priority", "bruno_created_index", "0005_merge"
CREATED_AT = "created_at = db.Column(db.DateTime, nullable=False, default=utcnow)"
ENGINES = ["sqlite", "postgresql"]


@pytest.fixture
def history(project):
    """A project after `flask db init`, holding the recommended history, its model and the CI files."""
    replay(project, "initialized")
    write_recommended_history(project)
    write_ci_tests(project)
    return project


@pytest.fixture
def database_url(request):
    """``database_url(engine)``: DATABASE_URL for the team's tests; None (SQLite) or the lab's PostgreSQL server."""
    def url(engine):
        return request.getfixturevalue("postgres_server").url("postgres") if engine == "postgresql" else None
    return url


@dataclass
class Run:
    status: int
    passed: set
    failures: dict  # test name -> its failure report
    output: str


def run_ci_tests(root, *arguments, database_url=None, command=(sys.executable, "-m", "pytest")):
    """``python -m pytest`` in the project, as a team runs it: its pytest.ini, pytest-alembic its one plugin."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k != "DATABASE_URL"}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # not the lab's nbval or xdist ...
    if database_url:
        env["DATABASE_URL"] = database_url
    result = subprocess.run([*command, "-p", "pytest_alembic", *arguments], cwd=root, env=env,  # ... but this one
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
    assert set(TEAM_CI_FILES.values()) == {"tests/conftest.py", "tests/test_migrations.py",
                                           "tests/test_migration_data.py", "pytest.ini"}
    for source, target in TEAM_CI_FILES.items():
        assert (history.root / target).read_text() == lab_file(source).read_text()


@pytest.mark.parametrize("source", ["team_ci/conftest.py", "team_ci/test_migrations.py"])
def test_the_generic_ci_files_name_no_revision_row_or_value_of_this_project(source):
    generic = lab_file(source).read_text()
    for word in (*REVISION_IDS, "conversion_jobs", "progress", "INSERT", "contrat"):
        assert word not in generic


def test_the_team_runs_pytest_alembic_s_default_tests_and_keeps_only_the_stairway_of_its_own():
    assert len(PYTEST_ALEMBIC) == 4 and ANY_HISTORY == PYTEST_ALEMBIC | {STAIRWAY}
    body = ast.parse(lab_file("team_ci/test_migrations.py").read_text()).body
    assert {node.name for node in body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")} == {
        STAIRWAY}


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


QUALITY = 'quality = db.Column(db.Enum("draft", "standard", "print", name="output_quality"), nullable=False, ' \
          'server_default="standard")'


def an_enum_column_as_autogenerated(project, tmp_path):
    """Notebook 11's colleague: an Enum column in the model, then `flask db migrate` (against a database at head)."""
    at_head = tmp_path / "at_head.db"
    project.flask_db("upgrade", database=at_head)
    project.add_model_columns(QUALITY)
    project.flask_db("migrate", message="output quality", rev_id="0004_quality", database=at_head)
    return script_of(project, "0004_quality")


def an_enum_column_the_postgresql_way(project, tmp_path):
    """The same revision fixed as notebook 11 fixes it: the type created before the column, dropped after it."""
    replace_function_bodies(an_enum_column_as_autogenerated(project, tmp_path),
                            from_file=lab_file("revisions/output_quality.py"))


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


HEALTHY = {
    "recommended": lambda project, tmp_path: None,
    "branch point and merge": lambda project, tmp_path: branches_merged(project),
    "merge, one branch depending on the other": lambda project, tmp_path: branches_merged_one_depending_on_the_other(
        project),
    "an Enum column, its type created and dropped": an_enum_column_the_postgresql_way,
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", HEALTHY)
def test_the_ci_tests_pass_on_a_healthy_history(history, name, engine, database_url, tmp_path):
    HEALTHY[name](history, tmp_path)
    run = run_ci_tests(history.root, database_url=database_url(engine))
    assert (run.status, run.passed, set(run.failures)) == (0, ANY_HISTORY | THIS_HISTORY, set()), run.output


@pytest.mark.parametrize("engine", ENGINES)
def test_the_generic_ci_tests_pass_on_the_guide_s_own_history_once_baselined(project, engine, database_url):
    guide_history(project)
    assert len(scripts_in_order(project)) == 2
    run = run_ci_tests(project.root, database_url=database_url(engine))
    assert (run.status, run.passed, set(run.failures)) == (0, ANY_HISTORY, set()), run.output


def test_plain_pytest_finds_the_tests_and_the_app_too(history):
    """`pytest` (not `python -m pytest`) does not put the project root on sys.path: pytest.ini's pythonpath does."""
    run = run_ci_tests(history.root, command=(str(Path(sys.executable).with_name("pytest")),))
    assert (run.status, run.passed) == (0, ANY_HISTORY | THIS_HISTORY), run.output


def test_the_postgresql_run_leaves_the_server_as_it_found_it(history, postgres_server):
    """Each test creates its database on the server DATABASE_URL names and drops it; the named one is untouched."""
    def state():
        with connect(postgres_server.url("postgres")) as connection:
            return (connection.execute(text("SELECT datname FROM pg_database ORDER BY 1")).scalars().all(),
                    connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).all())

    before = state()
    run = run_ci_tests(history.root, database_url=postgres_server.url("postgres"))
    assert run.status == 0 and run.passed == ANY_HISTORY | THIS_HISTORY, run.output
    assert state() == before and before[1] == []


def test_a_sqlite_database_url_is_not_the_test_database(history):
    """A DATABASE_URL left pointing at a SQLite file (the app's real one, say): the tests use their own files."""
    run = run_ci_tests(history.root, database_url="sqlite:///real.db")
    assert run.status == 0, run.output
    assert not (history.root / "instance" / "real.db").exists()


def test_pytest_alembic_s_own_collection_fails_on_pytest_9_unless_turned_off(history):
    """Why pytest.ini leaves pytest_alembic_enabled empty: any text, "false" included, turns the binding of the
    built-in tests to tests/conftest.py on, and that binding fails the whole collection with pytest 9."""
    for value in ("true", "false"):
        run = run_ci_tests(history.root, "-o", f"pytest_alembic_enabled={value}")
        assert run.status == 2 and not run.passed, run.output
        assert "AttributeError: 'TestCollector' object has no attribute '_nodeid'" in run.output


OLD_STAIRWAY = """
from test_migrations import schema


def test_old_stairway(alembic_runner, alembic_engine):
    for revision in alembic_runner.history.revisions[1:-1]:
        before = schema(alembic_engine)
        alembic_runner.raw_command("upgrade", revision)
        alembic_runner.raw_command("downgrade", "-1")
        assert not schema(alembic_engine) ^ before, f"downgrade of {revision} does not undo its upgrade"
        alembic_runner.raw_command("upgrade", revision)
"""


def test_the_old_stairway_blamed_a_correct_revision_on_a_healthy_merge(history):
    """Why the stairway starts each revision from its parents: with both branches applied, the old loop's
    `downgrade -1` undoes whichever head Alembic lists first, and reports a correct revision as broken."""
    branches_merged(history)
    (history.root / "tests" / "test_old_stairway.py").write_text(OLD_STAIRWAY)
    run = run_ci_tests(history.root, "tests/test_old_stairway.py")
    assert set(run.failures) == {"test_old_stairway"}, run.output
    assert f"downgrade of {ALICE} does not undo its upgrade" in run.failures["test_old_stairway"], run.output


# --- ways to break a history, each caught by the test meant for it, on each engine where it is broken ----------
@dataclass
class Caught:
    by: str
    sqlite: str = None      # a text of the failure on SQLite; None: the history passes on SQLite
    postgresql: str = None  # ... on PostgreSQL


def caught(by, text_on_both):
    return Caught(by, text_on_both, text_on_both)


def forget_a_column_in_a_downgrade(project, tmp_path):
    edit(script_of(project, TRACKING), "        batch_op.drop_column('message')\n", "")
    return caught(STAIRWAY, f"downgrade of {TRACKING} does not undo its upgrade")


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
    return caught(STAIRWAY, "downgrade of 0004_unique_filename does not undo its upgrade")


def forget_a_check_constraint_in_a_downgrade(project, tmp_path):
    write_revision_forgetting_its_downgrade(
        project, tmp_path, "0004_progress_range",
        "batch_op.create_check_constraint('ck_progress_range', 'progress BETWEEN 0 AND 100')")
    return caught(STAIRWAY, "downgrade of 0004_progress_range does not undo its upgrade")


def forget_an_index_in_a_downgrade_on_a_merged_branch(project, tmp_path):
    branches_merged(project)
    edit(script_of(project, BRUNO), "        batch_op.drop_index(batch_op.f('ix_conversion_jobs_created_at'))\n",
         "        pass\n")
    return caught(STAIRWAY, f"downgrade of {BRUNO} does not undo its upgrade")


def forget_a_whole_downgrade_on_the_other_merged_branch(project, tmp_path):
    branches_merged(project)
    edit(script_of(project, ALICE), "        batch_op.drop_column('priority')\n", "        pass\n")
    return caught(STAIRWAY, f"downgrade of {ALICE} does not undo its upgrade")


def leave_two_heads(project, tmp_path):
    two_branches(project)
    return caught("test_single_head_revision", f"Expected 1 head revision, found 2\nE   \nE   Heads:\nE       {ALICE}\n"
                                               f"E       {BRUNO}")


def leave_the_table_behind_at_base(project, tmp_path):
    edit(script_of(project, BASELINE), "    op.drop_table('conversion_jobs')\n", "")
    return Caught("test_up_down_consistency", "table conversion_jobs already exists",
                  'relation "conversion_jobs" already exists')


def add_a_table_that_only_create_all_makes(project, tmp_path):
    project.add_model_module("audit_entry")
    return caught("test_model_definitions_match_ddl", "op.create_table('audit_entries'")


def add_a_model_column_without_migration(project, tmp_path=None):
    project.add_model_columns("priority = db.Column(db.Integer)")
    return caught("test_model_definitions_match_ddl", "batch_op.add_column(sa.Column('priority'")


def drop_the_server_default(project, tmp_path):
    edit(script_of(project, PROGRESS_DEFAULT), "nullable=False, server_default='0'", "nullable=False")
    return caught("test_model_definitions_match_ddl", "server_default='0'")


def forget_the_backfill(project, tmp_path):
    path = script_of(project, PROGRESS_DEFAULT)
    path.write_text(re.sub(r"\n    op.execute\(.*?\)\n", "\n", path.read_text(), flags=re.DOTALL))
    return Caught("test_rows_survive_the_upgrade", "NOT NULL constraint failed: _alembic_tmp_conversion_jobs.progress",
                  'column "progress" of relation "conversion_jobs" contains null values')


def add_an_enum_column_as_autogenerated(project, tmp_path):
    an_enum_column_as_autogenerated(project, tmp_path)
    return Caught("test_upgrade", postgresql='type "output_quality" does not exist')


def create_the_enum_type_but_never_drop_it(project, tmp_path):
    an_enum_column_the_postgresql_way(project, tmp_path)
    edit(script_of(project, "0004_quality"), "    sa.Enum(name='output_quality').drop(op.get_bind())", "")
    return Caught("test_up_down_consistency", postgresql='type "output_quality" already exists')


BREAKAGES = [forget_a_column_in_a_downgrade, forget_a_unique_constraint_in_a_downgrade,
             forget_a_check_constraint_in_a_downgrade,
             forget_an_index_in_a_downgrade_on_a_merged_branch, forget_a_whole_downgrade_on_the_other_merged_branch,
             leave_two_heads, leave_the_table_behind_at_base, add_a_table_that_only_create_all_makes,
             add_a_model_column_without_migration, drop_the_server_default, forget_the_backfill,
             add_an_enum_column_as_autogenerated, create_the_enum_type_but_never_drop_it]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("break_it", BREAKAGES, ids=lambda f: f.__name__)
def test_the_ci_tests_catch_a_broken_history(history, break_it, engine, database_url, tmp_path):
    before = {p: p.read_text() for p in history.root.glob("WEB_SERVICE/**/*.py")}
    expected = break_it(history, tmp_path)
    assert {p: p.read_text() for p in history.root.glob("WEB_SERVICE/**/*.py")} != before
    run = run_ci_tests(history.root, database_url=database_url(engine))
    named = getattr(expected, engine)
    if named is None:  # broken on the other engine only: this one passes it
        assert (run.status, run.passed, set(run.failures)) == (0, ANY_HISTORY | THIS_HISTORY, set()), run.output
        return
    assert run.status == 1 and expected.by in run.failures, run.output
    assert named in run.failures[expected.by], run.output
    assert run.passed | set(run.failures) == ANY_HISTORY | THIS_HISTORY, run.output


@pytest.mark.parametrize("engine, error", [
    ("sqlite", "(sqlite3.OperationalError) no such table: conversion_jobs"),
    ("postgresql", '(psycopg2.errors.UndefinedTable) relation "conversion_jobs" does not exist'),
])
def test_the_ci_tests_catch_a_history_that_cannot_build_an_empty_database(project, engine, error, database_url):
    guide_history(project, baselined=False)  # the guide's steps alone: no baseline
    (guide_revision,) = scripts_in_order(project)
    run = run_ci_tests(project.root, database_url=database_url(engine))
    assert run.status == 1, run.output
    assert error in run.failures["test_upgrade"], run.output
    assert f"WEB_SERVICE/migrations/versions/{guide_revision}_" in run.failures["test_upgrade"], run.output
    assert run.passed == {"test_single_head_revision"}, run.output


def test_a_broken_history_fails_only_where_it_is_broken(history):
    """Two heads fail the one test about heads: the others run on every branch ("heads"), not on "head"."""
    leave_two_heads(history, None)
    run = run_ci_tests(history.root)
    assert set(run.failures) == {"test_single_head_revision"}, run.output
