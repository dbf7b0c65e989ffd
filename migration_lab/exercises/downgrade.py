"""Exercise 4 · a migration whose downgrade() nobody wrote: write it."""
from ..errors import one_line
from ..project import scratch_copy
from ..recommended import write_revision
from ..review import review_migration
from ..schema import schema_diff
from ..sources import lab_file
from .checks import Checklist, Exercise, at_head, reference, rows_kept

WORKER = "add_worker"
TITLE = "Exercise 4 · Write the missing downgrade"
HINT = f"""
downgrade() undoes upgrade() in reverse order, in the same kind of batch_alter_table block: first what was
created last. The reviewer's upgrade() tab lists what to undo. Edit WEB_SERVICE/migrations/versions/{WORKER}_*.py,
then try it for real: `flask db downgrade`, then `flask db upgrade`."""
FINISHED_AT = "finished_at = db.Column(db.DateTime)"


def prepare(sandbox):
    """The add_worker revision after the guide's, upgraded; its downgrade() is just `pass`."""
    guide = sandbox.migration_scripts()[-1].revision
    write_revision(sandbox, WORKER, lab_file(f"revisions/{WORKER}.py"))
    sandbox.add_model_columns("worker = db.Column(db.String(50))")
    sandbox.replace_model_line(FINISHED_AT, "finished_at = db.Column(db.DateTime, index=True)")
    sandbox.flask_db("upgrade")
    return [f"revision {WORKER} after {guide}: adds a worker column and an index on finished_at",
            "its downgrade() is just `pass`", f"the database is upgraded to {WORKER}"]


def check(sandbox):
    """Exercise 4: downgrade() of add_worker brings back the guide revision's schema, rows intact."""
    checks = Checklist()
    script = next((s for s in sandbox.migration_scripts() if s.revision == WORKER), None)
    if script is None:
        checks.check(False, "", f"no revision {WORKER} in the history: re-run the exercise's start cell")
        return checks.result(TITLE, HINT)
    operations = review_migration(script, "downgrade").operations
    checks.check(bool(operations), f"downgrade() of {WORKER} runs {len(operations)} operation(s)",
                 f"downgrade() of {WORKER} does nothing")
    expected = reference("upgraded")[1]
    with scratch_copy(sandbox) as scratch:
        try:
            scratch.flask_db("upgrade", revision=WORKER)
            scratch.flask_db("downgrade", revision=script.down_revision)
        except Exception as error:  # the learner's script runs here: its failure is the finding
            checks.check(False, "", f"on a copy, upgrade then downgrade fails: {one_line(error, scratch.root)}")
            return checks.result(TITLE, HINT)
        left = schema_diff(expected, scratch.schema().app_tables())
        checks.check(not left, "on a copy, downgrade gives back the schema of the guide's revision",
                     "on a copy, after downgrade the schema still differs from the guide revision's: "
                     + "; ".join(left.lines()))
        rows_kept(checks, scratch)
        try:
            scratch.flask_db("upgrade", revision=WORKER)
            again = not schema_diff(sandbox.schema().app_tables(), scratch.schema().app_tables())
        except Exception:  # same as above: reported, not raised
            again = False
        checks.check(again, "on the same copy, upgrade again rebuilds the schema of your database",
                     "on a copy, upgrade after downgrade does not rebuild the schema of your database")
    at_head(checks, sandbox)
    return checks.result(TITLE, HINT)


EXERCISE = Exercise("downgrade", TITLE, "upgraded", HINT, check, prepare)
