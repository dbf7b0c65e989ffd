"""Exercise 2 · rename size_bytes to file_size without losing a single size."""
from ..errors import LabError
from .checks import (Checklist, Exercise, ask_the_app, at_checkpoint, at_head, consistent, guide_revision,
                     history_shape, model_table, round_trip, rows_kept, same_as_solution, table)

TITLE = "Exercise 2 · Rename size_bytes to file_size without losing data"
HINTS = (
    "Read the generated script before you upgrade: widgets.migration_reviewer(ex2.newest_migration()). "
    "Autogenerate matches columns by their names: what does a renamed column look like to it?",
    "Alembic has one operation that renames a column and keeps its values: alter_column(), with "
    "new_column_name=... . It belongs in upgrade() and, the other way round, in downgrade().",
    "In upgrade(), inside the batch block: batch_op.alter_column('size_bytes', new_column_name='file_size', "
    "existing_type=sa.Integer(), existing_nullable=True); in downgrade() the same from file_size to size_bytes. "
    "Lost the sizes already? exercises.reset_database(ex2) brings back the start database; your files stay.",
)
RENAMED = {"size_bytes": "file_size"}


def _has_only_file_size(names):
    return "file_size" in names and "size_bytes" not in names


def check(sandbox):
    """Exercise 2: size_bytes renamed file_size in the model and the database, every size kept."""
    checks = Checklist()
    names = table(sandbox).column_names
    rows_kept(checks, sandbox, RENAMED if "file_size" in names else None)
    if not consistent(checks, sandbox, EXERCISE):
        return checks.result(EXERCISE)
    renamed = checks.check(_has_only_file_size(names), "the database has file_size and no size_bytes",
                           "the database has " + " and ".join(n for n in names if n in ("size_bytes", "file_size")))
    try:
        model = model_table(sandbox).column_names
        in_model = checks.check(_has_only_file_size(model), "the model has file_size and no size_bytes",
                                "the model has " + " and ".join(n for n in model if n in ("size_bytes", "file_size")))
    except LabError as error:
        in_model = checks.check(False, "", str(error))
    if not (renamed and in_model):
        return checks.result(EXERCISE)
    history_shape(checks, sandbox)
    status, job = ask_the_app(sandbox, "GET", "/jobs/1")  # a read: the sandbox itself is not changed
    checks.check(status == 200 and "file_size" in job and "size_bytes" not in job,
                 "the app answers GET /jobs/1 with file_size",
                 f"the app answers GET /jobs/1 with {status}: {job if status != 200 else sorted(job)}")
    same_as_solution(checks, sandbox, EXERCISE, column_order=False)  # a copy-then-drop rename moves the column
    if at_head(checks, sandbox):
        round_trip(checks, sandbox, guide_revision(sandbox), at_checkpoint(EXERCISE.checkpoint), column_order=False)
    return checks.result(EXERCISE)


EXERCISE = Exercise("rename", 2, TITLE, "upgraded", HINTS, check)
