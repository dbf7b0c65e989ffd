"""The exercise checkers of notebook 13, on real sandboxes: not done, solved, and the usual wrong turns."""
import contextlib
import io
import os
from pathlib import Path

import pytest

from migration_lab import exercises, scenarios
from migration_lab.exercises import CHECKERS, EXERCISES, Result
from migration_lab.inprocess import flask_db
from migration_lab.paths import PROJECT_ROOT, WORKSPACE, remove_inside_workspace


@pytest.fixture
def exercise(make_sandbox):
    """A sandbox set up for one exercise, as its start cell does (under a test_ name)."""
    def make(slug):
        sandbox = make_sandbox(EXERCISES[slug].checkpoint, suffix="_" + slug)
        with contextlib.redirect_stdout(io.StringIO()):
            return exercises.set_up(slug, sandbox)
    return make


def quietly(function, *args, **kwargs):
    with contextlib.redirect_stdout(io.StringIO()):
        return function(*args, **kwargs)


# --- the solutions of notebook 14, in process -----------------------------------------------------
def solve_server_default(box):
    quietly(box.add_model_columns, 'attempts = db.Column(db.Integer, nullable=False, server_default="0")')
    flask_db(box.root, "migrate", message="attempts")
    quietly(scenarios.edit_migration, box.newest_migration(), upgrade="""
with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
    batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
op.execute("UPDATE conversion_jobs SET attempts = 1 WHERE status != 'pending'")
""")
    flask_db(box.root, "upgrade")


RENAME_UP = """
with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
    batch_op.alter_column('size_bytes', new_column_name='file_size', existing_type=sa.Integer())
"""
RENAME_DOWN = """
with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
    batch_op.alter_column('file_size', new_column_name='size_bytes', existing_type=sa.Integer())
"""


def rename_model_and_generate(box):
    quietly(box.replace_model_line, "size_bytes = db.Column(db.Integer)", "file_size = db.Column(db.Integer)")
    flask_db(box.root, "migrate", message="rename size_bytes")


def solve_rename(box):
    rename_model_and_generate(box)
    quietly(scenarios.edit_migration, box.newest_migration(), upgrade=RENAME_UP, downgrade=RENAME_DOWN)
    flask_db(box.root, "upgrade")


def solve_merge(box):
    flask_db(box.root, "merge", revisions="heads", message="merge")
    flask_db(box.root, "upgrade")


WORKER_DOWN = """
with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
    batch_op.drop_index(batch_op.f('ix_conversion_jobs_finished_at'))
    batch_op.drop_column('worker')
"""


def solve_downgrade(box):
    quietly(scenarios.edit_migration, box.newest_migration(), downgrade=WORKER_DOWN)
    flask_db(box.root, "downgrade")
    flask_db(box.root, "upgrade")


def generate_baseline_against_an_empty_database(box, monkeypatch):
    flask_db(box.root, "init")
    with monkeypatch.context() as patch:
        patch.setenv("DATABASE_URL", "sqlite:///empty.db")
        flask_db(box.root, "migrate", message="baseline")


SOLUTIONS = {"server_default": solve_server_default, "rename": solve_rename, "merge": solve_merge,
             "downgrade": solve_downgrade}


# --- every exercise -------------------------------------------------------------------------------
@pytest.mark.parametrize("slug", list(EXERCISES))
def test_a_fresh_exercise_is_not_done_yet_and_says_what_is_missing(exercise, slug):
    result = CHECKERS[slug](exercise(slug))
    assert not result.passed
    assert result.missing and result.hint
    assert "rows kept: 400 rows, original values identical" in result.right
    assert "not done yet" in result.text() and "hint:" in result.text()


@pytest.mark.parametrize("slug", list(SOLUTIONS))
def test_the_solution_passes(exercise, slug):
    box = exercise(slug)
    SOLUTIONS[slug](box)
    result = CHECKERS[slug](box)
    assert result.passed, result.text()
    assert result.text().splitlines()[0].endswith(": PASSED")
    assert "hint" not in result.text()


def test_the_baseline_solution_passes(exercise, monkeypatch):
    box = exercise("baseline")
    generate_baseline_against_an_empty_database(box, monkeypatch)
    flask_db(box.root, "stamp", revision="head")
    assert exercises.check_baseline(box).passed


def test_start_builds_the_sandbox_named_after_the_notebook_and_the_exercise(make_sandbox):
    # make_sandbox is requested for its side effects: the working directory and environment are restored after
    notebook = f"test_start_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    try:
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            box = exercises.start("merge", notebook)
        assert box.name == f"{notebook}-merge" and Path.cwd() == box.root
        assert "set-up   : Alice's revision alice_priority and Bruno's revision bruno_created_index" in output.getvalue()
        assert exercises._heads(box) == ("alice_priority", "bruno_created_index")
    finally:
        os.chdir(PROJECT_ROOT)
        remove_inside_workspace(WORKSPACE / f"{notebook}-merge")


def test_an_unknown_exercise_lists_the_real_ones():
    with pytest.raises(exercises.LabError, match="server_default, rename, merge, downgrade, baseline"):
        exercises.exercise("renaming")


# --- the wrong turns a learner takes, each caught -------------------------------------------------
def test_a_backfill_typed_by_hand_is_not_in_the_migration(exercise):
    box = exercise("server_default")
    quietly(box.add_model_columns, 'attempts = db.Column(db.Integer, nullable=False, server_default="0")')
    flask_db(box.root, "migrate", message="attempts")
    flask_db(box.root, "upgrade")
    scenarios.execute(box, "UPDATE conversion_jobs SET attempts = 1 WHERE status != 'pending'")
    result = exercises.check_server_default(box)
    assert not result.passed
    assert any("replayed from base on a copy, 339 rows are not backfilled" in line for line in result.missing)


def test_the_autogenerated_rename_loses_every_size(exercise):
    box = exercise("rename")
    rename_model_and_generate(box)
    flask_db(box.root, "upgrade")
    result = exercises.check_rename(box)
    assert "the database has file_size and no size_bytes" in result.right
    assert any(line.startswith("rows changed:") for line in result.missing)


def test_a_rename_without_its_reverse_breaks_the_replay(exercise):
    box = exercise("rename")
    rename_model_and_generate(box)
    quietly(scenarios.edit_migration, box.newest_migration(), upgrade=RENAME_UP)
    flask_db(box.root, "upgrade")
    result = exercises.check_rename(box)
    assert [line for line in result.missing if "downgrade" in line], result.text()


def test_upgrading_both_heads_without_a_merge_is_not_a_merge(exercise):
    box = exercise("merge")
    flask_db(box.root, "upgrade", revision="heads")
    result = exercises.check_merge(box)
    assert "the database has Alice's priority column and Bruno's index" in result.right
    assert "the history has 2 heads (alice_priority, bruno_created_index): merge them" in result.missing


def test_a_downgrade_that_forgets_the_index_is_caught_on_a_copy(exercise):
    box = exercise("downgrade")
    quietly(scenarios.edit_migration, box.newest_migration(), downgrade="""
with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
    batch_op.drop_column('worker')
""")
    before = box.database_path.read_bytes()
    result = exercises.check_downgrade(box)
    assert box.database_path.read_bytes() == before, "the learner's database must not be touched"
    assert any("index ix_conversion_jobs_finished_at" in line for line in result.missing), result.text()


def test_a_baseline_generated_against_the_real_database_is_no_baseline(exercise):
    box = exercise("baseline")
    flask_db(box.root, "init")
    flask_db(box.root, "migrate", message="baseline")  # compared with tables that exist: nothing to write
    assert "the history has no revision yet: generate the baseline" in exercises.check_baseline(box).missing
    flask_db(box.root, "revision", message="baseline")  # an empty revision instead, stamped
    flask_db(box.root, "stamp", revision="head")
    result = exercises.check_baseline(box)
    assert any(line.startswith("the database is at head") for line in result.right)
    assert any(line.startswith("an empty database upgraded to head differs from yours: - table conversion_jobs")
               for line in result.missing), result.text()


def test_upgrade_instead_of_stamp_fails_and_the_checker_says_stamp(exercise, monkeypatch):
    box = exercise("baseline")
    generate_baseline_against_an_empty_database(box, monkeypatch)
    with pytest.raises(Exception, match="already exists"):
        flask_db(box.root, "upgrade")
    result = exercises.check_baseline(box)
    assert any("flask db stamp head" in line for line in result.missing)


# --- the verdict --------------------------------------------------------------------------------
def test_a_result_lists_what_holds_then_what_is_missing_then_the_hint():
    result = Result("Exercise 9 · Demo", ("one",), ("two", "three"), "first line\nsecond line")
    assert result.text() == ("Exercise 9 · Demo: not done yet (1 of 3 checks hold)\n"
                             "  ✓ one\n  ✗ two\n  ✗ three\n"
                             "  hint: first line\n        second line")
    assert Result("E", ("one",), (), "hint").text() == "E: PASSED\n  ✓ one"
