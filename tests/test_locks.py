"""Locks as PostgreSQL records them, read from a third connection while a statement waits or runs.

A statement plays the migration on a connection named ``migration`` in a thread; the app's traffic
is a real release of the sample app (``deploy_app``). Nothing sleeps in place of a lock: each test
waits for the state PostgreSQL reports.
"""
import time

import pytest
from sqlalchemy import text

from migration_lab import LabError, deploy_app, open_transaction, watch_locks
from migration_lab.locks import sessions

LOCK = "LOCK TABLE conversion_jobs IN SHARE UPDATE EXCLUSIVE MODE"


def wait_until(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "PostgreSQL never reached the state waited for"
        time.sleep(0.02)


@pytest.fixture
def app(production):
    project, database = production
    release = deploy_app(project, "v1", database)
    yield release, database
    release.stop()


def test_an_open_transaction_keeps_its_lock_until_it_finishes(production):
    _, database = production
    report = open_transaction(database, "SELECT count(*) FROM conversion_jobs", "report")
    assert str(report) == "report: transaction open, holds AccessShareLock on conversion_jobs"
    assert [s.state for s in sessions(database) if s.name == "report"] == ["idle in transaction"]
    report.finish()
    report.finish()
    assert str(report) == "report: transaction ended"
    assert [s for s in sessions(database) if s.name == "report"] == []


def test_an_alter_behind_a_report_queues_the_app_until_the_report_ends(app, statement_in_thread):
    release, database = app
    report = open_transaction(database, "SELECT count(*) FROM conversion_jobs", "report")
    watch = watch_locks(database, apps=[release], then=report.finish)
    alter = statement_in_thread(database, "ALTER TABLE conversion_jobs ADD COLUMN priority integer")
    alter.join(timeout=60)
    assert not alter.is_alive() and alter.error is None and not report.open
    assert watch.text().splitlines() == [
        "seen from a third connection while the migration waited for its lock:",
        "  session    state                        lock on conversion_jobs                          blocked by",
        "  report     idle in transaction          holds AccessShareLock                            -",
        "  migration  active                       waits for AccessExclusiveLock (granted = false)  report",
        "  v1 reads   2 of 2 sessions wait (Lock)  granted = false                                  migration",
        "  v1 writes  2 of 2 sessions wait (Lock)  granted = false                                  migration",
    ]
    spans = {label for _, _, label in watch.spans()}
    assert spans == {"migration running", "migration waiting for its lock"}
    assert release.what_users_saw() == "v1 reads: no error\nv1 writes: no error"


def test_a_lock_that_lets_reads_and_writes_through_shows_the_app_answering(app, statement_in_thread):
    release, database = app
    database.execute("ALTER TABLE conversion_jobs ADD CONSTRAINT ck_status CHECK (status <> '') NOT VALID")
    maintenance = open_transaction(database, LOCK, "maintenance")
    watch = watch_locks(database, apps=[release], then=maintenance.finish)
    statement_in_thread(database, "ALTER TABLE conversion_jobs VALIDATE CONSTRAINT ck_status").join(timeout=60)
    lines = watch.text().splitlines()
    assert lines[3].split() == "migration active waits for ShareUpdateExclusiveLock (granted = false) maintenance".split()
    assert [line.split() for line in lines[4:]] == [
        "v1 reads answered 10 requests meanwhile none waiting -".split(),
        "v1 writes answered 10 requests meanwhile none waiting -".split()]


def test_a_running_update_is_watched_while_it_runs(app, statement_in_thread):
    release, database = app
    row = open_transaction(database, "SELECT * FROM conversion_jobs WHERE id = 7 FOR UPDATE", "someone")
    watch = watch_locks(database, apps=[release], running="UPDATE", then=row.finish)
    update = statement_in_thread(database, "UPDATE conversion_jobs SET status = status")  # waits for row 7: still running
    update.join(timeout=60)
    lines = watch.text().splitlines()
    assert lines[0] == "seen from a third connection while the migration ran UPDATE:"
    assert [line.split()[:2] for line in lines[2:]] == [["someone", "idle"], ["migration", "active"], ["v1", "reads"],
                                                       ["v1", "writes"]]
    assert "holds RowExclusiveLock" in lines[3] and "answered 10 requests meanwhile" in lines[4]


def test_a_watch_that_sees_nothing_says_so_and_still_releases(production):
    _, database = production
    report = open_transaction(database, "SELECT 1", "report")
    watch = watch_locks(database, then=report.finish)
    assert str(watch) == "not seen: no session 'migration' waiting for a lock on conversion_jobs (within 120 s)"
    assert not report.open


def test_watch_locks_needs_postgresql(project):
    with pytest.raises(LabError, match="give it a PostgreSQL database"):
        watch_locks(project)
