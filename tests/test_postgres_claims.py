"""What the reviewer's lock rules and notebook 13 claim about PostgreSQL, checked on the real server.

Each statement runs on a connection named ``migration`` while a transaction holds SHARE UPDATE
EXCLUSIVE (the lock of VACUUM), which every ALTER TABLE and CREATE INDEX conflicts with: so the
statement waits, and pg_locks shows the mode it asks for. Whole-table reads and rewrites are read
from the server's log (DEBUG1), table rewrites also from pg_class.relfilenode.
"""
import pytest
from sqlalchemy import text

from migration_lab import open_transaction
from migration_lab.locks import _engine, sessions
from test_locks import LOCK, wait_until


@pytest.fixture
def table(production, postgres_server):
    _, database = production
    postgres_server.scans_and_rewrites()  # read the log from here
    return database


def mode_asked(database, sql, statement_in_thread):
    """The lock mode ``sql`` waits for on conversion_jobs, seen in pg_locks (granted = false)."""
    maintenance = open_transaction(database, LOCK, "maintenance")
    statement = statement_in_thread(database, sql)
    try:
        wait_until(lambda: any(s.waits_for for s in sessions(database) if s.name == "migration"))
        [asked] = [s.waits_for for s in sessions(database) if s.name == "migration"]
    finally:
        maintenance.finish()
        statement.join(timeout=60)
    assert statement.error is None, statement.error
    return asked


@pytest.mark.parametrize("sql, mode", [
    ("ALTER TABLE conversion_jobs ADD COLUMN priority integer DEFAULT 0", "AccessExclusiveLock"),
    ("ALTER TABLE conversion_jobs ALTER COLUMN size_bytes SET NOT NULL", "AccessExclusiveLock"),
    ("ALTER TABLE conversion_jobs ADD CONSTRAINT ck CHECK (size_bytes >= 0) NOT VALID", "AccessExclusiveLock"),
    ("CREATE INDEX ix_created ON conversion_jobs (created_at)", "ShareLock"),
    ("ALTER TABLE conversion_jobs ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES conversion_jobs (id) NOT VALID",
     "ShareRowExclusiveLock"),
])
def test_each_statement_asks_for_the_lock_the_rules_say(table, sql, mode, statement_in_thread):
    assert mode_asked(table, sql, statement_in_thread) == (mode,)


def test_validate_and_concurrently_ask_for_a_lock_that_lets_reads_and_writes_through(table, statement_in_thread):
    table.execute("ALTER TABLE conversion_jobs ADD CONSTRAINT ck CHECK (size_bytes >= 0) NOT VALID")
    assert mode_asked(table, "ALTER TABLE conversion_jobs VALIDATE CONSTRAINT ck", statement_in_thread) == ("ShareUpdateExclusiveLock",)
    engine = _engine(table, "migration")
    maintenance = open_transaction(table, LOCK, "maintenance")
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            import threading
            build = threading.Thread(target=connection.execute, args=(text(
                "CREATE INDEX CONCURRENTLY ix_created ON conversion_jobs (created_at)"),), daemon=True)
            build.start()
            wait_until(lambda: any(s.waits_for for s in sessions(table) if s.name == "migration"))
            assert [s.waits_for for s in sessions(table) if s.name == "migration"] == [("ShareUpdateExclusiveLock",)]
            maintenance.finish()
            build.join(timeout=60)
    finally:
        maintenance.finish()
        engine.dispose()
    assert table.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_created'::regclass") == [(True,)]


def test_concurrently_is_refused_inside_a_transaction(table, statement_in_thread):
    statement = statement_in_thread(table, "CREATE INDEX CONCURRENTLY ix_created ON conversion_jobs (created_at)")
    statement.join(timeout=60)
    assert "CREATE INDEX CONCURRENTLY cannot run inside a transaction block" in str(statement.error)


def relfilenode(database):
    return database.query("SELECT relfilenode FROM pg_class WHERE relname = 'conversion_jobs'")[0][0]


def logged_by(server, database, sql):
    """What the server logged about whole-table reads and rewrites while ``sql`` ran, and whether it rewrote."""
    before = relfilenode(database)
    with _engine(database, "migration").begin() as connection:
        connection.execute(text("SET log_min_messages = debug1"))
        connection.execute(text(sql))
    return str(server.scans_and_rewrites()), relfilenode(database) != before


def test_now_is_stable_and_does_not_rewrite_random_is_volatile_and_does(table, postgres_server):
    assert table.query("SELECT proname, provolatile FROM pg_proc WHERE proname IN ('now', 'random') ORDER BY 1") \
        == [("now", "s"), ("random", "v")]
    assert logged_by(postgres_server, table, "ALTER TABLE conversion_jobs ADD COLUMN seen_at timestamp DEFAULT now()") \
        == ("(no table read or rewritten)", False)
    log, rewritten = logged_by(postgres_server, table, "ALTER TABLE conversion_jobs ADD COLUMN r float DEFAULT random()")
    assert rewritten and 'DEBUG: rewriting table "conversion_jobs"' in log
    log, rewritten = logged_by(postgres_server, table, "ALTER TABLE conversion_jobs ALTER COLUMN size_bytes TYPE bigint")
    assert rewritten and 'DEBUG: rewriting table "conversion_jobs"' in log
    assert logged_by(postgres_server, table, "ALTER TABLE conversion_jobs ALTER COLUMN filename TYPE varchar(300)") \
        == ("(no table read or rewritten)", False)


def test_set_not_null_reads_the_table_unless_a_validated_check_proves_it(table, postgres_server):
    assert logged_by(postgres_server, table, "ALTER TABLE conversion_jobs ALTER COLUMN created_at DROP NOT NULL") \
        == ("(no table read or rewritten)", False)
    assert logged_by(postgres_server, table, "ALTER TABLE conversion_jobs ALTER COLUMN created_at SET NOT NULL") \
        == ('DEBUG: verifying table "conversion_jobs"', False)
    table.execute("ALTER TABLE conversion_jobs ALTER COLUMN created_at DROP NOT NULL")
    table.execute("ALTER TABLE conversion_jobs ADD CONSTRAINT ck CHECK (created_at IS NOT NULL) NOT VALID")
    assert logged_by(postgres_server, table, "ALTER TABLE conversion_jobs VALIDATE CONSTRAINT ck") \
        == ('DEBUG: verifying table "conversion_jobs"', False)
    assert logged_by(postgres_server, table, "ALTER TABLE conversion_jobs ALTER COLUMN created_at SET NOT NULL") == (
        'DEBUG: existing constraints on column "conversion_jobs.created_at" are sufficient to prove that it does not '
        'contain nulls', False)
