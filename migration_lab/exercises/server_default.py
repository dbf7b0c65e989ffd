"""Exercise 1 · a new NOT NULL column with a server default, and a backfill in the migration."""
from .checks import Checklist, Exercise, at_head, count_where, model_table, replayed, rows_kept, table

TITLE = "Exercise 1 · A new column with a server default and a backfill"
HINT = """
Declare the column in the model with nullable=False and server_default="0", then `flask db migrate`.
Autogenerate writes columns, never data: the backfill is an op.execute("UPDATE ...") that you add to
upgrade() yourself, before you run `flask db upgrade`."""
PROCESSED = "status != 'pending'"


def check(sandbox):
    """Exercise 1: conversion_jobs.attempts, NOT NULL, server default 0; processed jobs backfilled to 1."""
    checks = Checklist()
    rows_kept(checks, sandbox)
    column = table(sandbox).column("attempts")
    backfilled = False
    if checks.check(column is not None, "the database has conversion_jobs.attempts",
                    "the database has no conversion_jobs.attempts column yet"):
        checks.check(not column.nullable and column.default is not None and "0" in column.default,
                     f"attempts is {column.describe()}",
                     f"attempts is {column.describe()}: it should be NOT NULL with server default '0'")
        wrong = count_where(sandbox, f"attempts IS NULL OR attempts != CASE WHEN {PROCESSED} THEN 1 ELSE 0 END")
        backfilled = checks.check(wrong == 0, "backfilled: processed jobs hold 1, pending jobs 0",
                                  f"{wrong} rows are not backfilled (1 for jobs that are not pending, 0 for pending ones)")
    model = model_table(checks, sandbox)
    if model is not None:
        declared = model.column("attempts")
        checks.check(declared is not None and declared.default is not None and not declared.nullable,
                     "the model declares attempts NOT NULL with a server default",
                     "the model should declare attempts = db.Column(db.Integer, nullable=False, server_default=\"0\")")
    if at_head(checks, sandbox) and backfilled:
        with replayed(checks, sandbox) as scratch:
            if scratch:
                again = count_where(scratch, f"attempts != CASE WHEN {PROCESSED} THEN 1 ELSE 0 END")
                checks.check(again == 0, "the migration itself backfills (replayed from base on a copy)",
                             f"replayed from base on a copy, {again} rows are not backfilled: "
                             "the UPDATE belongs in upgrade() (op.execute), not in a query typed by hand")
    return checks.result(TITLE, HINT)


EXERCISE = Exercise("server_default", TITLE, "upgraded", HINT, check)
