"""The exercise checkers of notebook 15, on real sandboxes: not done, solved, near misses, and correct variants.

Every solution is the one notebook 16 shows (``exercises.solution(slug)``); a near miss is that solution's
own steps with one deliberate change, never a solution typed again here. A checker must reject every near
miss and accept every correct variant: it compares exactly, against the database the solution gives.
"""
import json
import os
import re
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from migration_lab import LabError, exercises, lab_file, replace_function_bodies
from migration_lab.exercises import EXERCISES, Result
from migration_lab.paths import PROJECT_ROOT, WORKSPACE, remove_inside_workspace
from migration_lab.revisions import heads
from migration_lab.script_edits import function_bodies

BACKFILL = "op.execute(\"UPDATE conversion_jobs SET attempts = 1 WHERE status != 'pending'\")"


def missing(result, *words):
    """The ✗ lines that hold every one of ``words``."""
    return [line for line in result.missing if all(word in line for word in words)]


@pytest.fixture
def started(make_sandbox):
    """``started(slug)``: exercises.start under a notebook name unique to this test; removed afterwards."""
    notebook = f"test_start_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    names = []

    def start(slug):
        names.append(f"{notebook}-{slug}")
        return exercises.start(slug, notebook), notebook
    yield start
    os.chdir(PROJECT_ROOT)
    for name in names:
        remove_inside_workspace(WORKSPACE / name)


# --- every exercise -------------------------------------------------------------------------------
@pytest.mark.parametrize("slug", list(EXERCISES))
def test_a_fresh_exercise_is_not_done_yet_and_keeps_its_hints_to_itself(exercise, slug, row_count):
    result = exercises.check(exercise(slug))
    assert not result.passed and result.missing
    assert f"rows kept: {row_count} rows, original values identical" in result.right
    text = result.text()
    assert "not done yet" in text and text.endswith(f"stuck? exercises.hint(ex{EXERCISES[slug].number}) gives a hint "
                                                    "(or \"Show a hint\" under the checker)")
    assert not any(hint[:40] in text for hint in EXERCISES[slug].hints)


@pytest.mark.parametrize("slug", list(EXERCISES))
def test_the_solution_passes(exercise, slug, row_count):
    box = exercise(slug)
    exercises.solution(slug).solve(box)
    result = exercises.check(box)
    assert result.passed, result.text()
    assert result.text().splitlines()[0] == f"{EXERCISES[slug].title}: PASSED"
    assert "stuck?" not in result.text() and box.count_rows() == row_count


# --- start, resume, hints, reset -------------------------------------------------------------------------
def test_start_builds_the_sandbox_and_says_the_same_each_time(started, capsys):
    box, notebook = started("merge")
    first = capsys.readouterr().out
    assert box.name == f"{notebook}-merge" and Path.cwd() == box.root and box.checkpoint == "upgraded"
    assert "  set-up   : Alice's revision alice_priority and Bruno's revision bruno_created_index" in first
    assert heads(box.migrations) == ("alice_priority", "bruno_created_index") and exercises.slug_of(box) == "merge"
    started("merge")
    ids = re.compile(r"\b[0-9a-f]{12}\b")  # each build generates its own revision ids (nbval numbers them)
    assert ids.sub("<REV>", capsys.readouterr().out) == ids.sub("<REV>", first)


def test_resume_goes_back_to_a_sandbox_as_it_was_left(started, capsys):
    box, notebook = started("server_default")
    exercises.solution("server_default").edit_model(box)
    os.chdir(PROJECT_ROOT)
    capsys.readouterr()
    again = exercises.resume("server_default", notebook)
    said = capsys.readouterr().out
    assert said == (f"Back in workspace/{notebook}-server_default/ as you left it (nothing rebuilt): "
                    "cells starting with ! run there.\n")
    assert Path.cwd() == again.root == box.root and "attempts" in again.model_file.read_text()
    exercises.resume("server_default", notebook)
    assert capsys.readouterr().out == said


def test_resume_builds_a_sandbox_that_does_not_exist(started, capsys):
    _, notebook = started("rename")
    remove_inside_workspace(WORKSPACE / f"{notebook}-rename")
    capsys.readouterr()
    box = exercises.resume("rename", notebook)
    said = capsys.readouterr().out
    assert said.startswith(f"No sandbox workspace/{notebook}-rename/ yet: building it.\nSandbox ")
    assert not exercises.check(box).passed


def test_resume_never_rebuilds_a_sandbox_that_exists(started, capsys):
    box, notebook = started("baseline")
    box.flask_db("init")
    (box.root / ".lab-start.db").unlink()  # a sandbox from before start databases were kept
    exercises.resume("baseline", notebook)
    assert capsys.readouterr().out.endswith("as you left it (nothing rebuilt): cells starting with ! run there.\n")
    assert (box.migrations / "env.py").is_file()
    with pytest.raises(LabError, match="keeps no start database: re-run the exercise's start cell"):
        exercises.reset_database(box)


def test_hints_come_one_at_a_time_and_the_level_survives_a_restart(exercise, capsys):
    box, hints = exercise("downgrade"), EXERCISES["downgrade"].hints
    capsys.readouterr()
    for level in (1, 2, 3, 3):
        exercises.hint(box)
        said = capsys.readouterr().out
        assert " ".join(said.split()).startswith(f"Hint {level} of 3: {hints[level - 1]} (")
    assert said.endswith("(that was the last one; notebook 16 has the solution, step by step)\n")
    marker = json.loads((box.root / ".lab-sandbox.json").read_text())
    assert marker == {"checkpoint": "upgraded", "hints_shown": 3}


@pytest.mark.parametrize("slug, answer", [("server_default", 'server_default="0"'), ("rename", "new_column_name='file_size'"),
                                          ("merge", 'merge -m "merge" heads'), ("downgrade", "op.drop_index("),
                                          ("baseline", "DATABASE_URL=sqlite:///empty.db python -m flask db migrate -m")])
def test_the_hints_go_from_the_idea_to_the_code(slug, answer):
    *before, last = EXERCISES[slug].hints
    assert answer in last and not any(answer in hint for hint in before)


def test_reset_database_brings_back_the_start_database_and_keeps_the_scripts(exercise):
    box, solution = exercise("rename"), exercises.solution("rename")
    solution.edit_model(box)
    box.flask_db("migrate", message=solution.MESSAGE)
    box.flask_db("upgrade")  # the autogenerated drop + add: every size lost
    assert missing(exercises.check(box), "rows changed")
    script = box.newest_migration()
    exercises.reset_database(box)
    assert box.newest_migration() == script and exercises.check(box).right[0].startswith("rows kept")
    solution.edit_migration(box)
    box.flask_db("upgrade")
    assert exercises.check(box).passed


def test_the_checker_says_when_bang_cells_run_in_another_sandbox(exercise, monkeypatch):
    box = exercise("baseline")
    assert exercises.check(box).notes == ()
    monkeypatch.chdir(WORKSPACE)
    notebook = box.name.rsplit("-", 1)[0]
    assert exercises.check(box).notes == (
        "cells starting with ! run in workspace/, not in this sandbox: "
        f"ex5 = exercises.resume(\"baseline\", \"{notebook}\") goes back to it",)


def test_an_unknown_exercise_lists_the_real_ones():
    for ask in (exercises.exercise, exercises.solution):
        with pytest.raises(LabError, match=f"no exercise 'renaming'; the exercises are: {', '.join(EXERCISES)}"):
            ask("renaming")


def test_a_sandbox_not_started_for_an_exercise_cannot_be_checked(make_sandbox):
    for suffix in ("", "-renaming"):
        with pytest.raises(LabError, match="is not an exercise's sandbox: start it with exercises.start"):
            exercises.check(make_sandbox("upgraded", suffix=suffix))


# --- exercise 1: near misses rejected, correct variants accepted ----------------------------------------
def attempts(box, model='db.Integer, nullable=False, server_default="0"',
             column="sa.Integer(), server_default='0', nullable=False", backfill=BACKFILL, batch=True):
    """Exercise 1's solution with one deliberate change; returns the verdict."""
    box.add_model_columns(f"attempts = db.Column({model})")
    box.flask_db("migrate", message="attempts")
    add = (f"with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:\n"
           f"    batch_op.add_column(sa.Column('attempts', {column}))" if batch
           else f"op.add_column('conversion_jobs', sa.Column('attempts', {column}))")
    replace_function_bodies(box.newest_migration(), upgrade=f"{add}\n{backfill}")
    box.flask_db("upgrade")
    return exercises.check(box)


@pytest.mark.parametrize("model, column, says", [
    ('db.Integer, nullable=False, server_default="10"', "sa.Integer(), server_default='10', nullable=False",
     "conversion_jobs.attempts: server default '10' in yours, '0' in the solution's"),
    ('db.Integer, nullable=False, server_default="0.5"', "sa.Integer(), server_default='0.5', nullable=False",
     "server default '0.5' in yours"),
    ("db.Integer, nullable=False, server_default=\"'0'\"", "sa.Integer(), server_default=\"'0'\", nullable=False",
     "server default '''0''' in yours"),
    ('db.Integer, nullable=False, server_default="1"', "sa.Integer(), server_default='0', nullable=False",
     "conversion_jobs.attempts: server default '0' in the database, '1' in the model"),
    ('db.String(10), nullable=False, server_default="0"', "sa.String(10), server_default='0', nullable=False",
     "conversion_jobs.attempts: type VARCHAR(10) in yours, INTEGER in the solution's"),
])
def test_exercise_1_near_misses_are_rejected(exercise, model, column, says):
    result = attempts(exercise("server_default"), model, column)
    assert not result.passed and any(says in line for line in result.missing), result.text()


def test_exercise_1_a_quoted_default_gives_new_rows_text(exercise):
    result = attempts(exercise("server_default"), "db.Integer, nullable=False, server_default=\"'0'\"",
                      "sa.Integer(), server_default=\"'0'\", nullable=False")
    assert "a row inserted by plain SQL (on a copy) gets attempts = '0' (text)" in result.missing


def test_exercise_1_a_python_default_that_the_app_uses_instead_is_rejected(exercise):
    """server_default="0" for plain SQL, default=1 for the app: the database matches, new jobs do not."""
    result = attempts(exercise("server_default"), 'db.Integer, nullable=False, server_default="0", default=1')
    assert "a job created through the app (on a copy) starts at attempts = 1, not 0" in result.missing, result.text()


def test_exercise_1_a_backfill_that_touches_other_columns_is_rejected(exercise):
    result = attempts(exercise("server_default"), backfill=BACKFILL + "\nop.execute(\"UPDATE conversion_jobs SET "
                      "progress = 100, message = 'migrated'\")")
    assert missing(result, "values differ from the solution's database", "progress differs in 400 row(s)")


def test_exercise_1_a_backfill_typed_by_hand_is_not_in_the_migration(exercise, csv_rows):
    box = exercise("server_default")
    attempts(box, backfill="pass")
    box.execute("UPDATE conversion_jobs SET attempts = 1 WHERE status != 'pending'")
    result = exercises.check(box)
    processed = sum(row["status"] != "pending" for row in csv_rows)
    assert "every value of the 400 rows, with its type, is the solution's" in result.right
    assert missing(result, "on the same copy, `flask db upgrade` does not rebuild your database",
                   f"attempts differs in {processed} row(s)"), result.text()


def test_exercise_1_a_script_edited_after_upgrade_no_longer_builds_this_database(exercise):
    box = exercise("server_default")
    assert attempts(box).passed
    replace_function_bodies(box.newest_migration(), upgrade=f"""
with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
    batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=True))
{BACKFILL}""")
    assert missing(exercises.check(box), "`flask db upgrade` does not rebuild your database", "NULL")


def test_exercise_1_a_migration_not_yet_upgraded_is_not_done(exercise):
    box, solution = exercise("server_default"), exercises.solution("server_default")
    solution.edit_model(box)
    box.flask_db("migrate", message=solution.MESSAGE)
    solution.edit_migration(box)  # every step but the last: `flask db upgrade`
    result = exercises.check(box)
    assert "the model declares attempts" in result.right
    assert "the database has no conversion_jobs.attempts column yet" in result.missing


def test_exercise_1_a_migration_that_failed_half_way_is_named(exercise):
    box = exercise("server_default")
    with pytest.raises(OperationalError, match="no such column: attempt"):
        attempts(box, backfill=BACKFILL.replace("attempts = 1", "attempt = 1"))  # the column added, then the typo
    result = exercises.check(box)
    assert missing(result, "yet its schema is not that revision's: column conversion_jobs.attempts in yours",
                   "exercises.reset_database(ex1)"), result.text()


@pytest.mark.parametrize("variant", [
    {"model": 'db.Integer, nullable=False, server_default=db.text("0")',
     "column": "sa.Integer(), server_default=sa.text('0'), nullable=False"},
    {"batch": False},
])
def test_exercise_1_other_correct_solutions_pass(exercise, variant):
    result = attempts(exercise("server_default"), **variant)
    assert result.passed, result.text()


def test_exercise_1_a_backfill_in_a_second_revision_passes(exercise):
    box = exercise("server_default")
    attempts(box, backfill="pass")
    box.flask_db("revision", message="backfill attempts")
    replace_function_bodies(box.newest_migration(), upgrade=BACKFILL,
                            downgrade="op.execute('UPDATE conversion_jobs SET attempts = 0')")
    box.flask_db("upgrade")
    assert exercises.check(box).passed


# --- exercise 2 ---------------------------------------------------------------------------------------
def renamed(box, upgrade, downgrade, model="file_size = db.Column(db.Integer)"):
    """Exercise 2 with the script's bodies and the model line given; returns the verdict."""
    box.replace_model_line("size_bytes = db.Column(db.Integer)", model)
    box.flask_db("migrate", message=exercises.solution("rename").MESSAGE)
    replace_function_bodies(box.newest_migration(), upgrade=upgrade, downgrade=downgrade)
    box.flask_db("upgrade")
    return exercises.check(box)


def alter(old, new, extra=""):
    return (f"with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:\n"
            f"    batch_op.alter_column('{old}', new_column_name='{new}', existing_type=sa.Integer(){extra})")


def test_exercise_2_the_autogenerated_rename_loses_every_size(exercise, row_count):
    box, solution = exercise("rename"), exercises.solution("rename")
    solution.edit_model(box)
    box.flask_db("migrate", message=solution.MESSAGE)
    box.flask_db("upgrade")  # without the solution's edit: a drop and an add
    result = exercises.check(box)
    assert "the database has file_size and no size_bytes" in result.right
    assert (f"rows changed: rows CHANGED: {row_count} before, {row_count} after; "
            "same number of rows, but values in the original columns differ") in result.missing


def test_exercise_2_a_rename_into_text_is_rejected(exercise):
    result = renamed(exercise("rename"), alter("size_bytes", "file_size", ", type_=sa.String(20)"),
                     alter("file_size", "size_bytes", ", type_=sa.Integer()"),
                     model="file_size = db.Column(db.String(20))")
    assert missing(result, "conversion_jobs.file_size: type VARCHAR(20) in yours, INTEGER in the solution's")
    assert missing(result, "file_size differs in 400 row(s) (id 1: '")  # the sizes are now text


def test_exercise_2_a_model_that_disagrees_with_the_renamed_column_is_rejected(exercise):
    box = exercise("rename")
    exercises.solution("rename").solve(box)
    box.replace_model_line("file_size = db.Column(db.Integer)", "file_size = db.Column(db.BigInteger, nullable=False)")
    result = exercises.check(box)
    assert missing(result, "the model and the database differ",
                   "conversion_jobs.file_size: type INTEGER in the database, BIGINT in the model"), result.text()


def test_exercise_2_a_model_that_keeps_the_old_attribute_name_breaks_the_api(exercise):
    """size_bytes = db.Column("file_size", ...): the database is right, the app's JSON is not."""
    box = exercise("rename")
    exercises.solution("rename").solve(box)
    box.replace_model_line("file_size = db.Column(db.Integer)", 'size_bytes = db.Column("file_size", db.Integer)')
    result = exercises.check(box)
    assert missing(result, "the app answers GET /jobs/1 with 500: AttributeError"), result.text()


def test_exercise_2_a_rename_that_also_drops_a_column_is_rejected(exercise):
    result = renamed(exercise("rename"), alter("size_bytes", "file_size") + "\n    batch_op.drop_column('message')",
                     "with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:\n"
                     "    batch_op.add_column(sa.Column('message', sa.Text(), nullable=True))\n"
                     "    batch_op.alter_column('file_size', new_column_name='size_bytes', existing_type=sa.Integer())")
    assert missing(result, "column conversion_jobs.message in the solution's, not in yours")


def test_exercise_2_a_rename_without_its_reverse_breaks_the_round_trip(exercise):
    box, solution = exercise("rename"), exercises.solution("rename")
    solution.edit_model(box)
    box.flask_db("migrate", message=solution.MESSAGE)
    autogenerated = function_bodies(box.newest_migration())["downgrade"]
    solution.edit_migration(box)
    replace_function_bodies(box.newest_migration(), downgrade=autogenerated)  # the reverse rename forgotten
    box.flask_db("upgrade")
    result = exercises.check(box)
    assert result.right[0].startswith("rows kept")
    assert missing(result, "on a copy, after `flask db downgrade", "size_bytes differs in 400 row(s)"), result.text()


@pytest.mark.parametrize("upgrade, downgrade", [
    ("op.alter_column('conversion_jobs', 'size_bytes', new_column_name='file_size')",
     "op.alter_column('conversion_jobs', 'file_size', new_column_name='size_bytes')"),
    ("op.execute('ALTER TABLE conversion_jobs RENAME COLUMN size_bytes TO file_size')",
     "op.execute('ALTER TABLE conversion_jobs RENAME COLUMN file_size TO size_bytes')"),
    # copy then drop: the column moves to the end of the table, which a rename may do
    *[(f"""
with op.batch_alter_table('conversion_jobs') as batch_op:
    batch_op.add_column(sa.Column('{new}', sa.Integer(), nullable=True))
op.execute('UPDATE conversion_jobs SET {new} = {old}')
with op.batch_alter_table('conversion_jobs') as batch_op:
    batch_op.drop_column('{old}')
""", f"""
with op.batch_alter_table('conversion_jobs') as batch_op:
    batch_op.add_column(sa.Column('{old}', sa.Integer(), nullable=True))
op.execute('UPDATE conversion_jobs SET {old} = {new}')
with op.batch_alter_table('conversion_jobs') as batch_op:
    batch_op.drop_column('{new}')
""") for old, new in [("size_bytes", "file_size")]],
], ids=["alter_column without batch", "raw SQL", "copy then drop"])
def test_exercise_2_other_correct_renames_pass(exercise, upgrade, downgrade):
    result = renamed(exercise("rename"), upgrade, downgrade)
    assert result.passed, result.text()


# --- exercise 3 ---------------------------------------------------------------------------------------
def merged(box, message="merge", upgrade=None, downgrade=None):
    box.flask_db("merge", revisions="heads", message=message)
    if upgrade or downgrade:
        replace_function_bodies(box.newest_migration(), **{k: v for k, v in
                                                           (("upgrade", upgrade), ("downgrade", downgrade)) if v})
    box.flask_db("upgrade")
    return exercises.check(box)


@pytest.mark.filterwarnings("ignore:Revision .* is present more than once")  # Alembic, on the two bases
def test_exercise_3_the_guides_bare_merge_line_writes_a_new_first_revision(exercise):
    box = exercise("merge")
    box.flask_db("merge", revisions=(), message="merge")  # the guide's `flask db merge -m "..."`, as the CLI passes it
    assert len(heads(box.migrations)) == 3
    result = merged(box, "merge heads")
    assert missing(result, "the history has 2 first revisions (down_revision = None)")
    assert missing(result, "follows 3 revisions: ", "alice_priority", "bruno_created_index"), result.text()


def test_exercise_3_upgrading_both_heads_without_a_merge_is_not_a_merge(exercise):
    box = exercise("merge")
    box.flask_db("upgrade", revision="heads")
    result = exercises.check(box)
    assert "the history has 2 heads (alice_priority, bruno_created_index)" in result.missing
    assert "no revision follows both alice_priority and bruno_created_index" in result.missing


def test_exercise_3_a_merge_not_yet_upgraded_is_not_done(exercise):
    box, solution = exercise("merge"), exercises.solution("merge")
    box.flask_db("merge", revisions="heads", message=solution.MESSAGE)  # the solution's first step only
    result = exercises.check(box)
    assert "the history has a single head" in result.right
    assert any(line.startswith("the database is at ") and "run `flask db upgrade`" in line for line in result.missing)


def test_exercise_3_a_merge_that_changes_data_is_rejected(exercise):
    result = merged(exercise("merge"), upgrade="op.execute(\"UPDATE conversion_jobs SET priority = 'high'\")")
    assert missing(result, "the merge revision runs 1 operation(s) of its own")
    assert missing(result, "priority differs in 400 row(s) (id 1: 'high' in yours, 'normal' in the solution's)")


def test_exercise_3_a_merge_that_replaces_an_index_is_rejected(exercise):
    result = merged(exercise("merge"), upgrade="""
with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
    batch_op.drop_index('ix_conversion_jobs_created_at')
    batch_op.create_index('ix_created_status', ['created_at', 'status'])""")
    assert missing(result, "index ix_conversion_jobs_created_at in the solution's, not in yours"), result.text()


def test_exercise_3_a_merge_that_cannot_go_down_is_rejected(exercise):
    result = merged(exercise("merge"), downgrade="raise RuntimeError('never go back')")
    assert missing(result, "on a copy, `flask db downgrade", "fails: ", "never go back"), result.text()


def test_exercise_3_merging_after_upgrading_both_heads_passes(exercise):
    box = exercise("merge")
    box.flask_db("upgrade", revision="heads")
    assert merged(box).passed


def test_exercise_3_a_revision_after_the_merge_still_passes(exercise):
    box = exercise("merge")
    exercises.solution("merge").solve(box)
    box.flask_db("revision", message="follow-up")
    box.flask_db("upgrade")
    result = exercises.check(box)
    assert result.passed, result.text()


# --- exercise 4 ---------------------------------------------------------------------------------------
DROP_INDEX = "op.drop_index(op.f('ix_conversion_jobs_worker'), table_name='conversion_jobs')"
DROP_COLUMN = "op.drop_column('conversion_jobs', 'worker')"


def with_downgrade(box, body):
    replace_function_bodies(box.migration_script(revision="add_worker"), downgrade=body)
    return box


@pytest.mark.parametrize("body, says", [
    (f"{DROP_COLUMN}\n{DROP_INDEX}", "error in index ix_conversion_jobs_worker after drop column"),
    (DROP_COLUMN, "error in index ix_conversion_jobs_worker after drop column"),
    ("with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:\n    batch_op.drop_column('worker')",
     "no such column: worker"),
])
def test_exercise_4_a_downgrade_that_cannot_run_is_rejected_on_a_copy(exercise, body, says):
    box = with_downgrade(exercise("downgrade"), body)
    before = box.database_path.read_bytes()
    result = exercises.check(box)
    assert box.database_path.read_bytes() == before, "the learner's database must not be touched"
    assert missing(result, "on a copy, `flask db downgrade", says), result.text()


def test_exercise_4_a_downgrade_that_forgets_the_column_is_rejected(exercise):
    result = exercises.check(with_downgrade(exercise("downgrade"), DROP_INDEX))
    assert "downgrade() of add_worker runs 1 operation(s)" in result.right
    assert missing(result, "after `flask db downgrade", "column conversion_jobs.worker in the copy"), result.text()


def test_exercise_4_the_wrong_order_in_a_batch_block_is_rejected_for_postgresql(exercise):
    box = with_downgrade(exercise("downgrade"), "with op.batch_alter_table('conversion_jobs', schema=None) as b:\n"
                         "    b.drop_column('worker')\n    b.drop_index(b.f('ix_conversion_jobs_worker'))")
    result = exercises.check(box)
    assert missing(result, "drops the column worker (line 26) before ix_conversion_jobs_worker", "PostgreSQL")


def test_exercise_4_the_wrong_order_with_keyword_arguments_is_rejected_too(exercise):
    box = with_downgrade(exercise("downgrade"), "with op.batch_alter_table('conversion_jobs', schema=None) as b:\n"
                         "    b.drop_column(column_name='worker')\n"
                         "    b.drop_index(index_name='ix_conversion_jobs_worker')")
    result = exercises.check(box)
    assert missing(result, "drops the column worker (line 26) before ix_conversion_jobs_worker", "PostgreSQL")


def test_exercise_4_the_right_order_in_a_batch_block_passes(exercise):
    box = with_downgrade(exercise("downgrade"), "with op.batch_alter_table('conversion_jobs', schema=None) as b:\n"
                         "    b.drop_index(b.f('ix_conversion_jobs_worker'))\n    b.drop_column('worker')")
    assert exercises.check(box).passed


def test_exercise_4_a_half_migrated_sandbox_is_named_and_reset_database_recovers_it(exercise):
    box, solution = exercise("downgrade"), exercises.solution("downgrade")
    with_downgrade(box, DROP_INDEX)
    box.flask_db("downgrade")  # runs: the index goes, the column stays, alembic_version says the guide's revision
    with pytest.raises(OperationalError, match="duplicate column name: worker"):
        box.flask_db("upgrade")
    solution.edit_migration(box)  # the right downgrade, too late for this database
    result = exercises.check(box)
    assert missing(result, "records", "yet its schema is not that revision's: column conversion_jobs.worker in "
                   "yours", "exercises.reset_database(ex4)"), result.text()
    exercises.reset_database(box)
    box.flask_db("downgrade")
    box.flask_db("upgrade")
    assert exercises.check(box).passed


def test_exercise_4_a_database_left_downgraded_is_not_at_head(exercise):
    box, solution = exercise("downgrade"), exercises.solution("downgrade")
    solution.edit_migration(box)
    box.flask_db("downgrade")  # the solution's steps without the last: `flask db upgrade`
    result = exercises.check(box)
    assert "downgrade() of add_worker runs 2 operation(s)" in result.right
    assert any(line.startswith("the database is at ") for line in result.missing), result.text()


# --- exercise 5 ---------------------------------------------------------------------------------------
def hand_typed_baseline(box, change=lambda upgrade: upgrade, downgrade=None):
    """The lab's own baseline (sources/revisions/0001_baseline.py) with one change, then stamped."""
    box.flask_db("init")
    box.flask_db("revision", message="baseline")
    bodies = function_bodies(lab_file("revisions/0001_baseline.py"))
    replace_function_bodies(box.newest_migration(), upgrade=change(bodies["upgrade"]),
                            downgrade=downgrade or bodies["downgrade"])
    box.flask_db("stamp", revision="head")
    return exercises.check(box)


@pytest.mark.parametrize("extra, says", [
    ("sa.UniqueConstraint('filename')", "UNIQUE constraints ((filename)) in the copy, none in yours"),
    ("sa.CheckConstraint(\"status IN ('pending', 'running', 'done')\")", "CHECK constraints"),
])
def test_exercise_5_a_baseline_with_an_extra_constraint_is_rejected(exercise, extra, says):
    result = hand_typed_baseline(exercise("baseline"), lambda upgrade: upgrade.replace(
        "sa.PrimaryKeyConstraint('id')", f"sa.PrimaryKeyConstraint('id'),\n    {extra}"))
    assert missing(result, "an empty database upgraded to head differs from yours", says), result.text()


def test_exercise_5_a_baseline_with_the_columns_in_another_order_is_rejected(exercise):
    size = "sa.Column('size_bytes', sa.Integer(), nullable=True),\n"
    result = hand_typed_baseline(exercise("baseline"), lambda upgrade: upgrade.replace(size, "").replace(
        "sa.PrimaryKeyConstraint('id')", size + "sa.PrimaryKeyConstraint('id')"))
    assert missing(result, "an empty database upgraded to head differs from yours", "column order"), result.text()


def test_exercise_5_a_baseline_that_cannot_go_down_is_rejected(exercise):
    result = hand_typed_baseline(exercise("baseline"), downgrade="pass")
    assert "on the same copy, `flask db downgrade base` leaves: conversion_jobs" in result.missing


def test_exercise_5_the_hand_typed_baseline_passes(exercise):
    assert hand_typed_baseline(exercise("baseline")).passed


def test_exercise_5_a_baseline_generated_against_an_in_memory_database_passes(exercise):
    box = exercise("baseline")
    box.flask_db("init")
    box.flask_db("migrate", database="sqlite://", message="baseline")
    box.flask_db("stamp", revision="head")
    assert exercises.check(box).passed


def test_exercise_5_a_baseline_generated_against_the_real_database_is_no_baseline(exercise):
    box, solution = exercise("baseline"), exercises.solution("baseline")
    box.flask_db("init")
    box.flask_db("migrate", message=solution.MESSAGE)  # compared with tables that exist: nothing to write
    assert "the history has no revision yet" in exercises.check(box).missing
    box.flask_db("revision", message=solution.MESSAGE)  # an empty revision instead, stamped
    box.flask_db("stamp", revision="head")
    result = exercises.check(box)
    assert any(line.startswith("the database is at head") for line in result.right)
    assert missing(result, "an empty database upgraded to head differs from yours",
                   "table conversion_jobs in yours, not in the copy"), result.text()


def test_exercise_5_upgrade_instead_of_stamp_fails_and_leaves_the_database_unrecorded(exercise):
    box, solution = exercise("baseline"), exercises.solution("baseline")
    box.flask_db("init")
    box.flask_db("migrate", database=box.root / solution.EMPTY_DATABASE, message=solution.MESSAGE)
    with pytest.raises(OperationalError, match="table conversion_jobs already exists"):
        box.flask_db("upgrade")  # instead of the solution's `flask db stamp head`
    result = exercises.check(box)
    assert any(line.startswith("on a copy, an empty database upgraded to head gets exactly your schema")
               for line in result.right)
    assert missing(result, "the database is at no revision (never upgraded or stamped)"), result.text()


# --- the verdict --------------------------------------------------------------------------------
def test_a_result_lists_what_holds_then_what_is_missing_then_how_to_ask_for_a_hint():
    result = Result("Exercise 9 · Demo", ("one",), ("two", "three"), ("a note",), "exercises.hint(ex9)")
    assert result.text() == ("Exercise 9 · Demo: not done yet (1 of 3 checks hold)\n"
                             "  ✓ one\n  ✗ two\n  ✗ three\n  note: a note\n  stuck? exercises.hint(ex9)")
    assert Result("E", ("one",), (), ask="exercises.hint(ex9)").text() == "E: PASSED\n  ✓ one"


@pytest.mark.parametrize("change, says", [
    (lambda upgrade: upgrade.replace("sa.String(length=255)", "sa.String(length=255, collation='NOCASE')"),
     'table conversion_jobs: `filename VARCHAR(255) COLLATE "NOCASE" NOT NULL` in the copy; '
     '`filename VARCHAR(255) NOT NULL` in yours'),
    (lambda upgrade: upgrade.replace("sa.PrimaryKeyConstraint('id')",
                                     "sa.PrimaryKeyConstraint('id'),\n    sqlite_autoincrement=True"),
     "table sqlite_sequence in the copy, not in yours"),
])
def test_exercise_5_what_sqlite_does_not_reflect_is_compared_too(exercise, change, says):
    """Near misses reflection cannot see on SQLite: a collation, AUTOINCREMENT (both were accepted before)."""
    result = hand_typed_baseline(exercise("baseline"), change)
    assert missing(result, "an empty database upgraded to head differs from yours", says), result.text()
