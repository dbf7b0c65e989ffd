"""Exercise 4 · a migration whose downgrade() nobody wrote: write it."""
from ..recommended import write_revision
from ..review import review_migration
from ..sources import lab_file
from .checks import (Checklist, Exercise, at_checkpoint, at_head, consistent, guide_revision, history_shape,
                     round_trip, rows_kept, same_as_solution)

WORKER, INDEX = "add_worker", "ix_conversion_jobs_worker"
TITLE = "Exercise 4 · Write the missing downgrade"
HINTS = (
    "downgrade() undoes what upgrade() did: read upgrade() in the reviewer, operation by operation. "
    "Then try your downgrade() for real: `flask db downgrade`, then `flask db upgrade`.",
    "upgrade() adds the column worker, then an index on that column. An index depends on its column: drop them "
    "in reverse order, what was created last first. SQLite refuses to drop a column an index still uses.",
    f"downgrade(): op.drop_index(op.f('{INDEX}'), table_name='conversion_jobs'), then "
    "op.drop_column('conversion_jobs', 'worker'). Database in a strange state after a failed try? "
    "exercises.reset_database(ex4) brings back the start database; your files stay.",
)


def prepare(sandbox):
    """The add_worker revision after the guide's, upgraded; its downgrade() is just `pass`."""
    guide = sandbox.migration_scripts()[-1].revision
    write_revision(sandbox, WORKER, lab_file(f"revisions/{WORKER}.py"))
    sandbox.add_model_columns("worker = db.Column(db.String(50), index=True)")
    sandbox.flask_db("upgrade")
    return [f"revision {WORKER} after {guide}: adds a worker column and an index on it",
            "its downgrade() is just `pass`", f"the database is upgraded to {WORKER}"]


def _drops_column_before_index(operations):
    """The line numbers (column, index) when downgrade() drops worker before the index on it, else None."""
    column = next((op.line for op in operations if op.name == "drop_column" and op.target == "worker"), None)
    index = next((op.line for op in operations if op.name == "drop_index" and op.target == INDEX), None)
    return (column, index) if column and index and column < index else None


def check(sandbox):
    """Exercise 4: downgrade() of add_worker brings back the guide revision's database, and upgrade works again."""
    checks = Checklist()
    rows_kept(checks, sandbox)
    script = next((s for s in sandbox.migration_scripts() if s.revision == WORKER), None)
    if not checks.check(script is not None, None, f"no revision {WORKER} in the history: re-run the exercise's "
                        "start cell"):
        return checks.result(EXERCISE)
    if not consistent(checks, sandbox, EXERCISE):
        return checks.result(EXERCISE)
    operations = review_migration(script, "downgrade").operations
    checks.check(bool(operations), f"downgrade() of {WORKER} runs {len(operations)} operation(s)",
                 f"downgrade() of {WORKER} runs no operation")
    history_shape(checks, sandbox)
    if not at_head(checks, sandbox):
        return checks.result(EXERCISE)
    if round_trip(checks, sandbox, guide_revision(sandbox), at_checkpoint(EXERCISE.checkpoint)):
        lines = _drops_column_before_index(operations)
        checks.check(not lines, f"downgrade() drops {INDEX} before the column it is on", (
            f"downgrade() drops the column worker (line {lines and lines[0]}) before {INDEX}, the index on it "
            f"(line {lines and lines[1]}): SQLite's batch rebuild lets that through; on PostgreSQL DROP COLUMN "
            "drops the index with the column (its ALTER TABLE documentation), and the DROP INDEX after it fails"))
        same_as_solution(checks, sandbox, EXERCISE)
    return checks.result(EXERCISE)


EXERCISE = Exercise("downgrade", 4, TITLE, "upgraded", HINTS, check, prepare)
