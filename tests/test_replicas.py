"""Replicas that each run `flask db upgrade` at start-up, as real processes on the real PostgreSQL (notebook 14).

The barrier (``Transaction.rollback_when_waiting``) holds them until all wait for a lock, so the race happens
on every run, whatever the machine's speed; then the advisory lock of env.py makes them take turns, and its
near miss (no commit after the lock) makes every upgrade vanish. Nothing sleeps in place of a lock.
"""
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from migration_lab import open_transaction, write_recommended_history
from migration_lab.checkpoints import replay

CREATE_VERSION_TABLE = "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"
UNIQUE_VIOLATION = ('psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint '
                    '"pg_type_typname_nsp_index"')


@pytest.fixture
def history(project):
    replay(project, "initialized")
    write_recommended_history(project)
    return project


@pytest.fixture
def fresh(postgres_server, request):
    return postgres_server.create_database("r_" + request.node.name.lower().replace("[", "_").replace("]", "")[:40])


def start_replicas(project, database, count=4):
    """``count`` real `python -m flask db upgrade` processes, sessions named 'replica'; returns (status, output) each."""
    env = {**os.environ, "FLASK_APP": "WEB_SERVICE.app", "DATABASE_URL": database.session_url("replica"),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    processes = [subprocess.Popen([sys.executable, "-m", "flask", "db", "upgrade", "--directory=WEB_SERVICE/migrations"],
                                  cwd=project.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, text=True) for _ in range(count)]
    return [(process.wait(timeout=300), process.stdout.read()) for process in processes]


def outcomes(results):
    """Counter of (exit status, revisions run, the psycopg2 error line or None)."""
    counted = Counter()
    for status, output in results:
        lines = output.splitlines()
        error = next((line for line in lines if line.startswith("psycopg2.errors.")), None)
        counted[(status, sum("Running upgrade" in line for line in lines), error)] += 1
    return counted


def race(project, database):
    barrier = open_transaction(database, CREATE_VERSION_TABLE, name="barrier").rollback_when_waiting("replica", 4)
    results = start_replicas(project, database)
    return barrier, outcomes(results)


def test_four_replicas_on_a_fresh_database_race_and_three_fail(history, fresh):
    barrier, counted = race(history, fresh)
    assert str(barrier) == ("4 sessions 'replica' waited for a lock (transactionid: 4); then barrier rolled back: "
                            "they went on at the same instant")
    assert counted == {(0, 3, None): 1, (1, 0, UNIQUE_VIOLATION): 3}
    assert fresh.current_revision() == "0003_progress_default"
    assert fresh.query("SELECT count(*) FROM alembic_version") == [(1,)]


def test_with_the_advisory_lock_all_four_start_and_one_upgrades(history, fresh):
    history.use_advisory_lock()
    barrier, counted = race(history, fresh)
    assert "(advisory: 3, transactionid: 1)" in str(barrier)
    assert counted == {(0, 3, None): 1, (0, 0, None): 3}
    assert fresh.query("SELECT version_num FROM alembic_version") == [("0003_progress_default",)]


def test_the_lock_without_its_commit_runs_every_upgrade_and_keeps_none(history, fresh):
    history.use_advisory_lock(commit=False)
    _, counted = race(history, fresh)
    assert counted == {(0, 3, None): 4}
    assert fresh.current_revision() is None and fresh.schema().tables == {}


def test_after_a_release_step_replicas_that_still_upgrade_find_nothing_to_do(history, fresh):
    history.flask_db("upgrade", database=fresh)
    assert outcomes(start_replicas(history, fresh)) == {(0, 0, None): 4}


# --- the barrier itself ------------------------------------------------------------------------------------
def test_the_barrier_opens_once_all_wait_and_its_work_is_rolled_back(fresh, statement_in_thread):
    barrier = open_transaction(fresh, CREATE_VERSION_TABLE, name="barrier").rollback_when_waiting("replica", 2)
    waiters = [statement_in_thread(fresh, CREATE_VERSION_TABLE, "replica") for _ in range(2)]
    for waiter in waiters:
        waiter.join(timeout=60)
    assert str(barrier).startswith("2 sessions 'replica' waited for a lock (transactionid: 2); then barrier rolled back")
    assert sorted(type(w.error).__name__ for w in waiters) == ["IntegrityError", "NoneType"]
    assert isinstance(next(w.error for w in waiters if w.error), IntegrityError)
    assert fresh.query("SELECT count(*) FROM alembic_version") == [(0,)]  # the winner's table, empty: not the barrier's


def test_the_barrier_counts_only_sessions_of_its_name_and_opens_anyway_at_its_timeout(fresh, statement_in_thread):
    barrier = open_transaction(fresh, CREATE_VERSION_TABLE, name="barrier").rollback_when_waiting("replica", 1, timeout=2)
    other = statement_in_thread(fresh, CREATE_VERSION_TABLE, "other")
    other.join(timeout=60)
    assert str(barrier) == ("not seen: 1 sessions 'replica' waiting for a lock within 2 s; barrier rolled back anyway")
    assert other.error is None  # the barrier's table went with its rollback: the other session created its own
    assert not barrier.transaction.open


def test_finish_with_rollback_undoes_the_transaction_and_can_be_called_twice(fresh):
    held = open_transaction(fresh, CREATE_VERSION_TABLE, name="held")
    held.finish(rollback=True)
    held.finish(rollback=True)
    assert "alembic_version" not in fresh.schema().tables and str(held) == "held: transaction ended"


# --- an enum column as the lab's schema reads it ----------------------------------------------------------------
def test_a_postgresql_enum_column_reads_with_its_type_name_and_values(fresh):
    fresh.execute("CREATE TYPE priority AS ENUM ('low', 'normal', 'high')")
    fresh.execute("CREATE TABLE jobs (id integer PRIMARY KEY, priority priority, label varchar(6))")
    table = fresh.schema()["jobs"]
    assert table.column("priority").type == "ENUM priority (low, normal, high)"
    assert table.column("label").type == "VARCHAR(6)"  # a VARCHAR of the same length stays a VARCHAR
