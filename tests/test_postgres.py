"""A real PostgreSQL from pgserver: started, used through the lab's helpers and the real CLI, stopped.

These tests never skip: a PostgreSQL that cannot start is a failure to fix, here and in CI.
"""
import os
import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from migration_lab import LabError, postgres, start_postgres, write_recommended_history
from migration_lab.checkpoints import replay
from migration_lab.recommended import BASELINE, PROGRESS_DEFAULT

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
# Columns whose values read back alike from SQLite and PostgreSQL (dates come back as text from SQLite).
SAME_VALUES = "SELECT id, filename, source_format, target_format, status, size_bytes FROM conversion_jobs ORDER BY id"


@pytest.fixture(scope="module")
def server():
    with start_postgres(f"test_postgres_{WORKER}") as running:
        yield running


@pytest.fixture
def database(server, request):
    return server.create_database("t_" + request.node.name[:40].lower())


def create_jobs_table(database):
    with database.connect() as connection:
        connection.execute(text(
            "CREATE TABLE conversion_jobs (id SERIAL PRIMARY KEY, filename VARCHAR(255) NOT NULL, "
            "source_format VARCHAR(10) NOT NULL, target_format VARCHAR(10) NOT NULL, "
            "status VARCHAR(20) NOT NULL, size_bytes INTEGER, created_at TIMESTAMP NOT NULL, "
            "finished_at TIMESTAMP)"))
        connection.commit()


def test_the_server_listens_on_a_unix_socket_in_its_data_directory(server):
    assert server.directory == postgres.data_directory(server.name)
    assert str(server.socket_directory).startswith(str(server.directory))
    assert server.version.split(".")[0].isdigit()
    assert "host=" in server.url("jobs") and "localhost" not in server.url("jobs")


def test_seed_inserts_the_csv_rows_and_moves_the_id_sequence_past_them(database, project, row_count):
    create_jobs_table(database)
    assert database.seed() == row_count
    assert database.query(SAME_VALUES) == project.query(SAME_VALUES)
    next_id = database.query("SELECT nextval(pg_get_serial_sequence('conversion_jobs', 'id'))")[0][0]
    assert next_id == row_count + 1


def test_ddl_is_transactional_a_failed_transaction_leaves_no_column(database):
    create_jobs_table(database)
    database.seed()
    before = database.schema()
    with pytest.raises(IntegrityError, match="contains null values"):
        with database.connect() as connection:
            connection.execute(text("ALTER TABLE conversion_jobs ADD COLUMN priority INTEGER"))
            connection.execute(text("ALTER TABLE conversion_jobs ALTER COLUMN finished_at SET NOT NULL"))
            connection.commit()
    assert database.schema() == before


def test_psql_applies_a_script_and_stops_at_the_first_error(database, tmp_path):
    script = tmp_path / "upgrade.sql"
    script.write_text("BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n")
    status, output = database.run_sql_file(script)
    assert (status, output.split()) == (0, ["BEGIN", "CREATE", "TABLE", "COMMIT"])
    script.write_text("BEGIN;\nCREATE TABLE b (id int);\nSELECT nope;\nCOMMIT;\n")
    status, output = database.run_sql_file(script.name, cwd=tmp_path)
    assert status == 3 and 'column "nope" does not exist' in output
    assert [t for (t,) in database.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")] == ["a"]


def test_current_revision_is_none_until_alembic_writes_it(database):
    assert database.current_revision() is None
    with database.connect() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('0001_baseline')"))
        connection.commit()
    assert database.current_revision() == "0001_baseline"


def test_the_flask_cli_reaches_it_through_database_url(server, project):
    replay(project, "generated")
    database = server.create_database("t_cli")
    env = {**os.environ, "DATABASE_URL": database.url, "FLASK_APP": "WEB_SERVICE.app"}
    result = subprocess.run([sys.executable, "-m", "flask", "db", "upgrade", "--directory=WEB_SERVICE/migrations"],
                            cwd=project.root, env=env, capture_output=True, text=True)
    # The guide's first migration only adds columns: on an empty PostgreSQL the table is missing.
    assert result.returncode == 1
    assert "Context impl PostgresqlImpl." in result.stderr
    assert 'relation "conversion_jobs" does not exist' in result.stderr
    # Transactional DDL: even the alembic_version table Alembic created first is rolled back.
    assert database.current_revision() is None and database.schema().tables == {}


def test_start_again_replaces_the_running_server_and_stop_deletes_its_directory():
    name = f"test_postgres_restart_{WORKER}"
    first = start_postgres(name)
    first.create_database("kept").query("SELECT 1")
    second = start_postgres(name)
    assert repr(first).endswith("stopped>") and repr(second).endswith("running>")
    assert [n for (n,) in second.create_database("x").query(
        "SELECT datname FROM pg_database WHERE datname = 'kept'")] == []
    second.stop()
    second.stop()
    assert not postgres.data_directory(name).exists()
    with pytest.raises(LabError, match="is stopped"):
        second.url("x")


def test_a_server_left_running_by_a_dead_process_is_stopped_and_replaced():
    name = f"test_postgres_orphan_{WORKER}"
    code = ("import os; from migration_lab import start_postgres; s = start_postgres(%r); "
            "s.create_database('left'); os._exit(0)" % name)
    subprocess.run([sys.executable, "-c", code], check=True)  # os._exit: no atexit, server left running
    assert (postgres.data_directory(name) / "postmaster.pid").exists()
    with start_postgres(name) as server:
        assert server.create_database("fresh").query("SELECT count(*) FROM pg_database WHERE datname = 'left'") == [(0,)]
    assert not postgres.data_directory(name).exists()


def test_a_data_directory_under_a_closed_folder_is_refused_as_root_and_fine_otherwise(tmp_path, monkeypatch):
    closed = tmp_path / "private"
    closed.mkdir(mode=0o700)
    assert postgres._closed_folders(closed / "pgdata")[0] == closed
    monkeypatch.setattr("tempfile.tempdir", str(closed))
    name = f"test_postgres_closed_{WORKER}"
    if os.geteuid() == 0:  # the server would run as user 'pgserver', who cannot enter a 0700 folder
        with pytest.raises(LabError, match="cannot enter .*private.*TMPDIR"):
            start_postgres(name)
    else:  # the server runs as the current user, who owns the folder
        with start_postgres(name) as server:
            assert server.create_database("ok").query("SELECT 1") == [(1,)]
    assert oct(closed.stat().st_mode & 0o777) == "0o700"  # nothing was opened up


def test_the_recommended_history_builds_it_in_process_and_rows_survive(server, project):
    replay(project, "initialized")
    write_recommended_history(project)
    database = server.create_database("t_history")
    project.flask_db("upgrade", database=database, revision=BASELINE)
    database.seed()
    project.flask_db("upgrade", database=database)
    assert database.current_revision() == PROGRESS_DEFAULT
    assert database.schema()["conversion_jobs"].column_names == project.model_schema()["conversion_jobs"].column_names
    assert database.query(SAME_VALUES) == project.query(SAME_VALUES)
    assert database.count_non_null(["progress"]) == {"progress": database.count_rows()}


# --- notebook 13's production: big tables, fingerprints computed by the server, its log, its tools ----------
def test_seed_repeats_the_csv_rows_with_their_ids_shifted(database, row_count):
    create_jobs_table(database)
    assert database.seed(rows=row_count * 3 + 7) == row_count * 3 + 7
    first, copy = (database.query(f"SELECT filename, status, created_at FROM conversion_jobs WHERE id = {i}")
                   for i in (5, 5 + 2 * row_count))
    assert first == copy
    assert database.query("SELECT min(id), max(id), count(*) FROM conversion_jobs") == [(1, row_count * 3 + 7, row_count * 3 + 7)]


def test_the_server_computes_the_same_fingerprint_as_python(database):
    from migration_lab import data

    create_jobs_table(database)
    database.seed(rows=1000)
    database.execute("UPDATE conversion_jobs SET finished_at = finished_at + interval '0.25 second' WHERE id = 3")
    with database.connect() as connection:
        for renamed in (None, {"size_bytes": "gone"}):
            in_server = data.fingerprint(connection, renamed=renamed)
            in_python = data.fingerprint(connection, renamed=renamed, in_database=False)
            assert in_server == in_python


def test_a_named_session_can_log_what_reads_a_whole_table(server, database):
    create_jobs_table(database)
    database.seed()
    server.scans_and_rewrites()
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(database.session_url("migration", log_table_scans=True), poolclass=NullPool)
    with engine.begin() as connection:
        assert connection.execute(text("SELECT application_name FROM pg_stat_activity "
                                       "WHERE pid = pg_backend_pid()")).scalar_one() == "migration"
        connection.execute(text("ALTER TABLE conversion_jobs ALTER COLUMN size_bytes SET NOT NULL"))
    engine.dispose()
    database.execute("ALTER TABLE conversion_jobs ALTER COLUMN finished_at TYPE timestamp(0)")  # not logged: no debug1
    assert server.scans_and_rewrites() == ('DEBUG: verifying table "conversion_jobs"',)
    assert str(server.scans_and_rewrites()) == "(no table read or rewritten)"


def test_pg_dump_and_pg_restore_bring_the_rows_back(server, database, tmp_path):
    create_jobs_table(database)
    database.seed()
    before = database.fingerprint()
    dump = tmp_path / "before.dump"
    tools = {name: str(server.bin_directory / name) for name in ("pg_dump", "pg_restore")}
    subprocess.run([tools["pg_dump"], "--format=custom", f"--file={dump}", database.libpq_url], check=True)
    database.execute("UPDATE conversion_jobs SET status = 'completed' WHERE status = 'done'")
    assert not database.fingerprint().same_as(before)
    subprocess.run([tools["pg_restore"], "--clean", "--if-exists", "--single-transaction",
                    f"--dbname={database.libpq_url}", str(dump)], check=True)
    assert database.fingerprint().same_as(before)
