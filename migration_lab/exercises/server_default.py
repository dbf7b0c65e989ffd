"""Exercise 1 · a new NOT NULL column with a server default, and a backfill in the migration."""
from ..errors import LabError, one_line
from ..project import scratch_copy
from .checks import (Checklist, Exercise, ask_the_app, at_checkpoint, at_head, consistent, guide_revision,
                     history_shape, model_table, round_trip, rows_kept, same_as_solution, table)
from .exact import plain_insert

TITLE = "Exercise 1 · A new column with a server default and a backfill"
HINTS = (
    "Two kinds of work here. The column is schema: autogenerate writes it from the model. The 1 for jobs "
    "already processed is data: autogenerate never writes data. And a value the database itself gives to "
    "rows it did not get from the app is a server default, not a Python default.",
    "In the model: db.Column(db.Integer, nullable=False, server_default=...). In the generated script, after the column is added in upgrade(): "
    "op.execute(\"UPDATE conversion_jobs SET ...\") for the jobs that are not pending. Then upgrade.",
    "attempts = db.Column(db.Integer, nullable=False, server_default=\"0\") in the model; `flask db migrate`; "
    "at the end of upgrade(): op.execute(\"UPDATE conversion_jobs SET attempts = 1 WHERE status != 'pending'\"); "
    "`flask db upgrade`. Upgraded a wrong script already? exercises.reset_database(ex1) brings back the start "
    "database; your files stay.",
)
PROBE = {"filename": "probe.pdf", "source_format": "pdf", "target_format": "docx", "status": "pending",
         "created_at": "2025-01-01 00:00:00"}


def check(sandbox):
    """Exercise 1: conversion_jobs.attempts, NOT NULL, server default 0; processed jobs backfilled to 1."""
    checks = Checklist()
    rows_kept(checks, sandbox)
    if not consistent(checks, sandbox, EXERCISE):
        return checks.result(EXERCISE)
    has_column = checks.check(table(sandbox).column("attempts") is not None, "the database has conversion_jobs.attempts",
                              "the database has no conversion_jobs.attempts column yet")
    try:
        declared = model_table(sandbox).column("attempts") is not None
        checks.check(declared, "the model declares attempts", "the model has no attempts column yet")
    except LabError as error:
        declared = checks.check(False, "", str(error))
    if not (has_column and declared):
        return checks.result(EXERCISE)
    history_shape(checks, sandbox)
    same_as_solution(checks, sandbox, EXERCISE)
    with scratch_copy(sandbox) as copy:
        try:
            value = plain_insert(copy, PROBE, "attempts")
            found = f"gets attempts = {value[0]} ({value[1]})"
        except Exception as error:  # a NOT NULL column without a server default refuses the row
            value, found = None, f"is refused: {one_line(error)}"
        status, job = ask_the_app(copy, "POST", "/jobs", {"filename": "probe.pdf", "target_format": "docx"})
    checks.check(value == (0, "integer"), "a row inserted by plain SQL (on a copy) gets attempts = 0, an integer",
                 f"a row inserted by plain SQL (on a copy) {found}")
    by_app = job.get("attempts") if status == 201 and isinstance(job, dict) else f"an answer {status}: {job}"
    checks.check(by_app == 0, "a job created through the app (on a copy) starts at attempts = 0",
                 f"a job created through the app (on a copy) starts at attempts = {by_app}, not 0")
    if at_head(checks, sandbox):
        round_trip(checks, sandbox, guide_revision(sandbox), at_checkpoint(EXERCISE.checkpoint))
    return checks.result(EXERCISE)


EXERCISE = Exercise("server_default", 1, TITLE, "upgraded", HINTS, check)
