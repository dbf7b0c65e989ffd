"""Folding tracebacks: the error line stays, the stack frames and install paths do not."""
import subprocess
import sys

from migration_lab.tracebacks import HIDDEN, shorten

OUTPUT = """\
INFO  [alembic.runtime.migration] Running upgrade  -> abc, Ajout
Traceback (most recent call last):
  File "/opt/venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py", line 1977, in _exec
    self.dialect.do_execute(
sqlite3.OperationalError: no such table: conversion_jobs

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "<frozen runpy>", line 198, in _run_module_as_main
           ^^^^^^^^^^^^
sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such table: conversion_jobs
[SQL: ALTER TABLE conversion_jobs ADD COLUMN progress INTEGER]
/opt/venv/lib/python3.11/site-packages/alembic/autogenerate/render.py:488: UserWarning: unnamed
  util.warn(
"""


def test_frames_are_folded_and_everything_else_kept():
    assert "".join(shorten(OUTPUT.splitlines(keepends=True))) == f"""\
INFO  [alembic.runtime.migration] Running upgrade  -> abc, Ajout
Traceback (most recent call last):
{HIDDEN}
sqlite3.OperationalError: no such table: conversion_jobs

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
{HIDDEN}
sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such table: conversion_jobs
[SQL: ALTER TABLE conversion_jobs ADD COLUMN progress INTEGER]
<site-packages>/alembic/autogenerate/render.py:488: UserWarning: unnamed
  util.warn(
"""


def test_a_traceback_cut_short_still_says_frames_were_hidden():
    assert list(shorten(["Traceback (most recent call last):\n", '  File "x", line 1\n'])) == [
        "Traceback (most recent call last):\n", HIDDEN + "\n"]


def test_it_works_as_a_pipe():
    result = subprocess.run([sys.executable, "-m", "migration_lab.tracebacks"], input=OUTPUT,
                            capture_output=True, text=True, check=True)
    assert result.stdout.count(HIDDEN) == 2 and "site-packages/alembic" not in result.stdout
