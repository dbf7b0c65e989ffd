"""The lab's recommended edits to alembic.ini and env.py, on a real `flask db init` folder."""
import os
import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from migration_lab import LabError, replace_function_bodies
from migration_lab.checkpoints import replay
from migration_lab.migrations_config import (ALEMBIC_INI, ENV_PY, FOREIGN_KEYS_FUNCTIONS, import_in_new_scripts,
                                             make_sqlite_migrations_atomic, quiet_plugin_logs,
                                             turn_off_sqlite_foreign_keys)


@pytest.fixture
def initialized(project):
    project.flask_db("init")
    return project


def test_the_plugin_lines_are_printed_until_their_logger_is_quieted(initialized):
    assert initialized.flask_db("check").count("setting up autogenerate plugin") == 6
    change = quiet_plugin_logs(initialized.root)
    assert change.changed and "+qualname = alembic.runtime.plugins" in change.text()
    output = initialized.flask_db("check")
    assert "setting up autogenerate plugin" not in output
    assert "No new upgrade operations detected." in output


def test_quieting_twice_changes_nothing(initialized):
    quiet_plugin_logs(initialized.root)
    assert not quiet_plugin_logs(initialized.root).changed


def test_an_alembic_ini_that_flask_db_init_did_not_write_is_refused(initialized):
    (initialized.root / ALEMBIC_INI).write_text("[alembic]\n")
    with pytest.raises(LabError, match="is not the file `flask db init` wrote"):
        quiet_plugin_logs(initialized.root)


FAILS_HALF_WAY = """
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.Integer(), nullable=True))

    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.alter_column('finished_at', existing_type=sa.DateTime(), nullable=False)
    """


@pytest.fixture
def failing_revision(initialized):
    """The guide's migration applied, then a revision that adds a column and fails (NULL finish times)."""
    initialized.add_model_columns()
    initialized.flask_db("migrate", message="guide")
    initialized.flask_db("upgrade")
    initialized.flask_db("revision", message="priority, finished_at required")
    replace_function_bodies(initialized.newest_migration(), upgrade=FAILS_HALF_WAY)
    return initialized


def state(database):
    return database.schema(), database.fingerprint(), database.query("SELECT * FROM conversion_jobs ORDER BY id")


def test_with_the_stock_env_py_a_failed_sqlite_migration_stays_half_applied(failing_revision):
    before = state(failing_revision)
    with pytest.raises(IntegrityError, match="NOT NULL constraint failed"):
        failing_revision.flask_db("upgrade")
    after = failing_revision.schema()
    assert "priority" in after["conversion_jobs"].column_names and after != before[0]


def test_with_the_recipe_a_failed_sqlite_migration_leaves_the_database_exactly_as_before(failing_revision):
    change = make_sqlite_migrations_atomic(failing_revision.root)
    assert "+        conf_args = {**conf_args, \"transactional_ddl\": True}" in change.text()
    before = state(failing_revision)
    with pytest.raises(IntegrityError, match="NOT NULL constraint failed"):
        failing_revision.flask_db("upgrade")
    assert state(failing_revision) == before


def test_with_the_recipe_migrations_that_succeed_still_apply_and_can_run_twice_in_one_process(failing_revision):
    make_sqlite_migrations_atomic(failing_revision.root)
    replace_function_bodies(failing_revision.newest_migration(), upgrade="""
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.Integer(), nullable=True))
    """, downgrade="""
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.drop_column('priority')
    """)
    failing_revision.flask_db("upgrade")
    failing_revision.flask_db("downgrade")
    failing_revision.flask_db("upgrade")
    assert "priority" in failing_revision.schema()["conversion_jobs"].column_names
    assert failing_revision.current_revision() == failing_revision.migration_scripts()[-1].revision


def test_making_env_py_atomic_twice_changes_nothing(initialized):
    make_sqlite_migrations_atomic(initialized.root)
    assert not make_sqlite_migrations_atomic(initialized.root).changed


# --- PostgreSQL: lock_timeout in env.py, one transaction per revision ------------------------------------
def test_with_a_lock_timeout_a_migration_behind_a_long_transaction_gives_up(production):
    from migration_lab import open_transaction

    project, database = production
    change = project.set_lock_timeout("1s")
    assert "+            connection.exec_driver_sql(\"SET lock_timeout = '1s'\")" in change.text()
    assert not project.set_lock_timeout("1s").changed
    project.new_revision("0004_worker", "worker", upgrade="op.add_column('conversion_jobs', sa.Column('worker', sa.Text()))")
    report = open_transaction(database, "SELECT count(*) FROM conversion_jobs", "report")
    with pytest.raises(Exception, match="canceling statement due to lock timeout"):
        project.flask_db("upgrade", database=database)
    report.finish()
    project.flask_db("upgrade", database=database)
    assert database.current_revision() == "0004_worker"


@pytest.mark.parametrize("per_migration, revision_after_failure", [(False, "0003_progress_default"),
                                                                   (True, "0004_worker")])
def test_transaction_per_migration_keeps_the_revisions_that_succeeded(production, per_migration,
                                                                      revision_after_failure):
    project, database = production
    if per_migration:
        assert "transaction_per_migration=True" in project.use_transaction_per_migration().text()
    project.new_revision("0004_worker", "worker", upgrade="op.add_column('conversion_jobs', sa.Column('worker', sa.Text()))")
    project.new_revision("0005_broken", "broken", upgrade="op.execute('SELECT no_such_column FROM conversion_jobs')")
    with pytest.raises(Exception, match="no_such_column"):
        project.flask_db("upgrade", database=database)
    assert database.current_revision() == revision_after_failure
    assert ("worker" in database.schema()["conversion_jobs"].column_names) is per_migration


# --- an advisory lock in env.py (notebook 14): the edit; tests/test_replicas.py runs it with real processes ------
def test_the_advisory_lock_is_taken_committed_and_released_around_the_migrations(initialized):
    change = initialized.use_advisory_lock()
    env = (initialized.migrations / "env.py").read_text()
    lock, commit, configure = (env.index('exec_driver_sql("SELECT pg_advisory_lock('),
                               env.index("            connection.commit()"), env.index("            context.configure("))
    run, unlock = env.index("                context.run_migrations()"), env.index("SELECT pg_advisory_unlock(")
    assert lock < commit < configure < run < env.index("        finally:") < unlock
    assert "+            connection.commit()" in change.text()
    compile(env, "env.py", "exec")
    assert not initialized.use_advisory_lock().changed


def test_the_near_miss_drops_only_the_commit_and_the_fix_puts_it_back(initialized):
    initialized.use_advisory_lock()
    locked = (initialized.migrations / "env.py").read_text()
    near_miss = initialized.use_advisory_lock(commit=False)
    assert [line for line in near_miss.text().splitlines() if line.startswith(("+ ", "- "))] == \
        ["-            connection.commit()"]
    assert [line for line in initialized.use_advisory_lock().text().splitlines() if line.startswith(("+ ", "- "))] == \
        ["+            connection.commit()"]
    assert (initialized.migrations / "env.py").read_text() == locked


@pytest.mark.parametrize("lock_first", [True, False])
def test_the_lock_and_a_lock_timeout_live_together_in_either_order(initialized, lock_first):
    edits = [initialized.use_advisory_lock, lambda: initialized.set_lock_timeout("5s")]
    for edit in edits if lock_first else reversed(edits):
        assert edit().changed
    env = (initialized.migrations / "env.py").read_text()
    assert "SET lock_timeout = '5s'" in env and "pg_advisory_lock(" in env
    compile(env, "env.py", "exec")


def test_an_env_py_that_flask_db_init_did_not_write_is_refused_for_the_lock(initialized):
    env = initialized.migrations / "env.py"
    env.write_text(env.read_text().replace("        with context.begin_transaction():", "        if True:"))
    with pytest.raises(LabError, match="not the file `flask db init` wrote"):
        initialized.use_advisory_lock()


# --- SQLite, foreign keys on: a batch rebuild of the parent empties ON DELETE CASCADE children ------------
CONNECT = "    with connectable.connect() as connection:\n"


@pytest.fixture
def rebuild_pending(project):
    """An app that enforces foreign keys, 400 steps that cascade from their jobs, a rebuild of the jobs pending."""
    replay(project, "upgraded")
    project.add_model_module("conversion_step")
    project.enforce_sqlite_foreign_keys()
    project.flask_db("migrate", message="steps")
    project.flask_db("upgrade")
    project.execute("INSERT INTO conversion_steps (job_id, name) SELECT id, 'uploaded' FROM conversion_jobs")
    project.replace_model_line("filename = db.Column(db.String(255), nullable=False)",
                               "filename = db.Column(db.String(500), nullable=False)")
    project.flask_db("migrate", message="longer file names")
    return project


def on_every_engine(project):
    """The listener as SQLAlchemy's documentation writes it: on the Engine class (so, every engine)."""
    app_py = project.root / "WEB_SERVICE" / "app.py"
    app_py.write_text(app_py.read_text()
                      .replace('event.listen(db.engine, "connect"', 'event.listen(Engine, "connect"')
                      .replace("from sqlalchemy import event\n", "from sqlalchemy import event\nfrom sqlalchemy.engine import Engine\n"))


def cli_upgrade(project):
    """`python -m flask db upgrade` in its own process: a listener on every Engine must not reach this one."""
    environment = {**os.environ, "FLASK_APP": "WEB_SERVICE.app"}
    environment.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "flask", "db", "upgrade", "--directory=WEB_SERVICE/migrations"],
                            cwd=project.root, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result


def outcome(project):
    at_head = project.current_revision() == project.migration_scripts()[-1].revision
    return project.count_rows("conversion_steps"), at_head, "_alembic_tmp_conversion_jobs" in project.schema().tables


def test_without_the_fix_the_rebuild_deletes_every_child_row_silently(rebuild_pending):
    rebuild_pending.flask_db("upgrade")
    assert outcome(rebuild_pending) == (0, True, False)


def test_with_the_fix_the_children_stay_and_the_app_still_enforces_foreign_keys(rebuild_pending):
    change = turn_off_sqlite_foreign_keys(rebuild_pending.root)
    assert "+        foreign_keys = sqlite_foreign_keys_off(connection)  # before anything else runs" in change.text()
    assert not turn_off_sqlite_foreign_keys(rebuild_pending.root).changed
    rebuild_pending.flask_db("upgrade")
    assert outcome(rebuild_pending) == (400, True, False)
    assert rebuild_pending.query("PRAGMA foreign_key_check") == []
    with rebuild_pending.flask_app() as app, app.app_context():
        session = app.extensions["migrate"].db.session
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_the_first_fix_people_try_rolls_the_upgrade_back_and_leaves_the_temporary_table(rebuild_pending):
    """exec_driver_sql("PRAGMA ...") begins SQLAlchemy's transaction; Alembic never commits it."""
    env_py = rebuild_pending.root / ENV_PY
    env_py.write_text(env_py.read_text().replace(
        CONNECT, CONNECT + '        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")\n'))
    rebuild_pending.flask_db("upgrade")
    assert outcome(rebuild_pending) == (400, False, True)


@pytest.mark.parametrize("atomic, fixed, steps_left", [(False, False, 0), (True, False, 0), (True, True, 400),
                                                       (False, True, 400)])
def test_with_a_listener_on_every_engine_only_the_fix_keeps_the_children(rebuild_pending, atomic, fixed, steps_left):
    """The atomic env.py makes an engine of its own: a listener on every Engine reaches it too."""
    on_every_engine(rebuild_pending)
    if atomic:
        make_sqlite_migrations_atomic(rebuild_pending.root)
    if fixed:
        turn_off_sqlite_foreign_keys(rebuild_pending.root)
    cli_upgrade(rebuild_pending)
    assert outcome(rebuild_pending) == (steps_left, True, False)


def test_committing_after_the_pragma_is_not_enough_with_the_atomic_env_py(rebuild_pending):
    """Under the atomic recipe SQLAlchemy sends BEGIN before the PRAGMA, and SQLite ignores it there."""
    on_every_engine(rebuild_pending)
    make_sqlite_migrations_atomic(rebuild_pending.root)
    env_py = rebuild_pending.root / ENV_PY
    env_py.write_text(env_py.read_text().replace(CONNECT, CONNECT + '        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")\n'
                                                                    "        connection.commit()\n"))
    cli_upgrade(rebuild_pending)
    assert outcome(rebuild_pending) == (0, True, False)


@pytest.fixture
def env_functions():
    """The functions the fix adds to env.py, as env.py runs them: off; then back on and checked."""
    namespace = {}
    exec(FOREIGN_KEYS_FUNCTIONS, namespace)

    def back(connection, broken_before):
        namespace["sqlite_foreign_keys_on"](connection, broken_before)
        namespace["sqlite_foreign_keys_check"](connection, broken_before)
    return namespace["sqlite_foreign_keys_off"], back


@pytest.fixture
def foreign_keys_on(tmp_path):
    from sqlalchemy import create_engine, event

    engine = create_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    event.listen(engine, "connect", lambda dbapi, record: dbapi.execute("PRAGMA foreign_keys=ON"))
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE p (id INTEGER PRIMARY KEY)")
        connection.exec_driver_sql("CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id))")
        connection.commit()
    yield engine
    engine.dispose()


def test_the_setting_is_turned_off_then_put_back(env_functions, foreign_keys_on):
    off, back = env_functions
    with foreign_keys_on.connect() as connection:
        broken_before = off(connection)
        assert broken_before == 0 and connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
        connection.rollback()
        back(connection, broken_before)
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_inside_a_transaction_the_pragma_would_do_nothing_so_the_fix_stops(env_functions, foreign_keys_on):
    off, _ = env_functions
    with foreign_keys_on.connect() as connection:
        connection.connection.driver_connection.execute("BEGIN")
        with pytest.raises(RuntimeError, match="PRAGMA foreign_keys=OFF had no effect"):
            off(connection)


def test_keys_left_off_by_a_transaction_still_open_are_an_error_not_a_silent_pool_entry(foreign_keys_on):
    """Near miss of the pooled-connection test: SQLite ignores the PRAGMA inside a transaction."""
    namespace = {}
    exec(FOREIGN_KEYS_FUNCTIONS, namespace)
    with foreign_keys_on.connect() as connection:
        broken_before = namespace["sqlite_foreign_keys_off"](connection)
        connection.connection.driver_connection.execute("BEGIN")
        with pytest.raises(RuntimeError, match="PRAGMA foreign_keys=ON had no effect: a transaction is still open"):
            namespace["sqlite_foreign_keys_on"](connection, broken_before)


def test_a_reference_left_pointing_nowhere_fails_the_command(env_functions, foreign_keys_on):
    off, back = env_functions
    with foreign_keys_on.connect() as connection:
        broken_before = off(connection)
        connection.exec_driver_sql("INSERT INTO c (id, p_id) VALUES (1, 42)")  # no parent 42: accepted, keys off
        connection.commit()
        with pytest.raises(RuntimeError, match="1 more row"):
            back(connection, broken_before)
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_row_broken_before_the_migrations_is_not_blamed_on_them(env_functions, foreign_keys_on):
    """Near miss: the database already had a row pointing nowhere; the run adds none, then one."""
    off, back = env_functions
    raw = foreign_keys_on.raw_connection()
    raw.driver_connection.execute("PRAGMA foreign_keys=OFF")
    raw.driver_connection.execute("INSERT INTO c (id, p_id) VALUES (1, 42)")
    raw.driver_connection.commit()
    raw.invalidate()
    with foreign_keys_on.connect() as connection:
        broken_before = off(connection)
        assert broken_before == 1
        back(connection, broken_before)
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        connection.rollback()
        broken_before = off(connection)
        connection.exec_driver_sql("INSERT INTO c (id, p_id) VALUES (2, 43)")
        connection.commit()
        with pytest.raises(RuntimeError, match="1 more row"):
            back(connection, broken_before)


def test_when_foreign_keys_are_already_off_nothing_is_changed_or_checked(env_functions, tmp_path):
    """An app that never turns foreign keys on: its rows pointing nowhere must not fail every upgrade."""
    from sqlalchemy import create_engine

    off, back = env_functions
    engine = create_engine(f"sqlite:///{tmp_path / 'off.db'}")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE p (id INTEGER PRIMARY KEY)")
        connection.exec_driver_sql("CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id))")
        connection.exec_driver_sql("INSERT INTO c (id, p_id) VALUES (1, 42)")
        connection.commit()
        assert off(connection) is None
        back(connection, None)
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
    engine.dispose()


def test_other_databases_are_left_alone(env_functions):
    off, back = env_functions

    class NotSQLite:
        class dialect:
            name = "postgresql"

    assert off(NotSQLite()) is None and back(NotSQLite(), None) is None


# --- the app's own column types: an import in every new script ---------------------------------------------
def test_new_scripts_import_what_the_template_says(initialized):
    (initialized.root / "WEB_SERVICE" / "types.py").write_text("# the app's own column types\n")
    change = import_in_new_scripts(initialized.root, "import WEB_SERVICE.types")
    assert "+import WEB_SERVICE.types" in change.text()
    assert not import_in_new_scripts(initialized.root, "import WEB_SERVICE.types").changed
    initialized.add_model_columns()
    initialized.flask_db("migrate", message="guide")
    assert "\nimport WEB_SERVICE.types\n" in initialized.newest_migration().read_text()


@pytest.mark.parametrize("line", ["WEB_SERVICE.types", "import a\nimport b", "print('import x')"])
def test_only_one_import_line_goes_into_the_template(initialized, line):
    with pytest.raises(LabError, match="is not one import line"):
        import_in_new_scripts(initialized.root, line)


def test_a_template_flask_db_init_did_not_write_is_refused(initialized):
    (initialized.root / "WEB_SERVICE" / "migrations" / "script.py.mako").write_text("${upgrades}\n")
    with pytest.raises(LabError, match="is not the file `flask db init` wrote"):
        import_in_new_scripts(initialized.root, "import WEB_SERVICE.types")


@pytest.mark.parametrize("atomic", [False, True])
def test_after_a_failed_migration_the_apps_pooled_connection_still_enforces_foreign_keys(rebuild_pending, atomic):
    """Flask-Migrate's upgrade() in the app's process (a test suite, a start-up hook): env.py borrows a
    connection from the app's own pool, and gives it back to the app whether the migration succeeds or fails."""
    import flask_migrate
    from sqlalchemy.exc import OperationalError

    if atomic:
        make_sqlite_migrations_atomic(rebuild_pending.root)
    turn_off_sqlite_foreign_keys(rebuild_pending.root)
    rebuild_pending.new_revision("0099_fails", "fails after the rebuild", "op.execute('SELECT no_such_function()')")
    with rebuild_pending.flask_app() as app, app.app_context():
        with pytest.raises(OperationalError, match="no such function: no_such_function"):
            flask_migrate.upgrade(directory=str(rebuild_pending.root / "WEB_SERVICE" / "migrations"))
        session = app.extensions["migrate"].db.session
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        session.execute(text("DELETE FROM conversion_jobs WHERE id = 1"))  # and ON DELETE CASCADE runs
        session.commit()
    assert rebuild_pending.query("SELECT count(*) FROM conversion_steps WHERE job_id = 1") == [(0,)]


def run_cli_upgrade(project):
    environment = {**os.environ, "FLASK_APP": "WEB_SERVICE.app"}
    environment.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "flask", "db", "upgrade", "--directory=WEB_SERVICE/migrations"],
                          cwd=project.root, env=environment, capture_output=True, text=True)


@pytest.mark.parametrize("fails", [True, False])
def test_a_transaction_left_open_by_env_py_does_not_hide_the_migrations_own_error(rebuild_pending, fails):
    """env.py runs a statement of its own before context.configure (the first fix left in, say): Alembic then
    leaves the transaction to env.py (external) and rolls nothing back. `flask db upgrade` prints only
    'Error: <message>' for a RuntimeError (Flask-Migrate's catch_errors): a failed migration must still report
    its own error; near miss, a migration that succeeds is stopped, since nothing would be committed."""
    turn_off_sqlite_foreign_keys(rebuild_pending.root)
    env_py = rebuild_pending.root / ENV_PY
    marker = "        foreign_keys = sqlite_foreign_keys_off(connection)  # before anything else runs\n"
    env_py.write_text(env_py.read_text().replace(marker, marker + '        connection.exec_driver_sql("SELECT 1")\n'))
    if fails:
        rebuild_pending.new_revision("0099_fails", "fails after the rebuild", "op.execute('SELECT no_such_function()')")
    result = run_cli_upgrade(rebuild_pending)
    assert result.returncode != 0
    if fails:
        assert "no such function: no_such_function" in result.stderr
        assert "PRAGMA foreign_keys=ON had no effect" not in result.stderr
    else:
        assert "Error: PRAGMA foreign_keys=ON had no effect: a transaction is still open" in result.stderr
    assert outcome(rebuild_pending) == (400, False, True)
