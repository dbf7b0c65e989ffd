"""The lab's recommended edits to alembic.ini and env.py, on a real `flask db init` folder."""
import pytest
from sqlalchemy.exc import IntegrityError

from migration_lab import LabError, replace_function_bodies
from migration_lab.migrations_config import ALEMBIC_INI, make_sqlite_migrations_atomic, quiet_plugin_logs


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
