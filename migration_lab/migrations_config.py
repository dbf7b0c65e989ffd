"""Edits to a project's migrations configuration (``alembic.ini``, ``env.py``, Migrate's arguments), as diffs.

These are the changes the lab recommends to teams, made the way a team makes them: a few lines
in the files ``flask db init`` wrote, shown as a diff so they can be copied as they are.
"""
from pathlib import Path

from .app_edits import APP_PY, INIT_MIGRATE
from .errors import LabError
from .files import edit_file

ALEMBIC_INI = "WEB_SERVICE/migrations/alembic.ini"
LOGGER_KEYS = "keys = root,sqlalchemy,alembic,flask_migrate"
PLUGIN_LOGGER = """
[logger_alembic_plugins]
# Alembic 1.18+ logs "setting up autogenerate plugin ..." six times per comparison, at INFO
level = WARN
handlers =
qualname = alembic.runtime.plugins
"""


def quiet_plugin_logs(root):
    """Set Alembic's ``alembic.runtime.plugins`` logger to WARN in alembic.ini; returns the diff."""
    def change(text):
        if "[logger_alembic_plugins]" in text:
            return text
        if LOGGER_KEYS not in text or "[handlers]" not in text:
            raise LabError(f"{ALEMBIC_INI} is not the file `flask db init` wrote (no '{LOGGER_KEYS}'): "
                           "re-run the notebook's first code cell")
        text = text.replace(LOGGER_KEYS, LOGGER_KEYS + ",alembic_plugins", 1)
        return text.replace("\n[handlers]", PLUGIN_LOGGER + "\n[handlers]", 1)

    return edit_file(Path(root) / ALEMBIC_INI, change, ALEMBIC_INI)


ENV_PY = "WEB_SERVICE/migrations/env.py"
IMPORT_ANCHOR = "from alembic import context\n"
SQLALCHEMY_IMPORT = "from sqlalchemy import create_engine, event, pool\n"
ENGINE_ANCHOR = "    connectable = get_engine()\n"
ATOMIC_SQLITE = '''
    if connectable.dialect.name == "sqlite":
        # Python's sqlite3 driver opens no transaction before DDL, so a migration that fails half-way
        # stays half-applied. SQLAlchemy's recipe (SQLite dialect docs, "Enabling Non-Legacy SQLite
        # Transactional Modes") sends BEGIN itself; on an engine of its own, so that its listeners
        # never pile up on the app's engine (engine options such as connect_args are not copied:
        # add yours to create_engine if your app sets SQLALCHEMY_ENGINE_OPTIONS).
        connectable = create_engine(connectable.url, poolclass=pool.NullPool)

        @event.listens_for(connectable, "connect")
        def driver_sends_no_begin(dbapi_connection, connection_record):
            dbapi_connection.isolation_level = None

        @event.listens_for(connectable, "begin")
        def send_begin(connection):
            connection.exec_driver_sql("BEGIN")

        # Alembic assumes SQLite cannot roll DDL back (SQLiteImpl.transactional_ddl = False):
        # tell it that now it can, so the whole upgrade runs in one transaction, as on PostgreSQL.
        conf_args = {**conf_args, "transactional_ddl": True}
'''


def make_sqlite_migrations_atomic(root):
    """Make a failed migration on SQLite roll back whole, as on PostgreSQL: a change to env.py; returns the diff."""
    def change(text):
        if ATOMIC_SQLITE in text:
            return text
        if IMPORT_ANCHOR not in text or ENGINE_ANCHOR not in text:
            raise LabError(f"{ENV_PY} is not the file `flask db init` wrote (no {ENGINE_ANCHOR.strip()!r}): "
                           "re-run the notebook's first code cell")
        text = text.replace(IMPORT_ANCHOR, IMPORT_ANCHOR + SQLALCHEMY_IMPORT, 1)
        return text.replace(ENGINE_ANCHOR, ENGINE_ANCHOR + ATOMIC_SQLITE, 1)

    return edit_file(Path(root) / ENV_PY, change, ENV_PY)


CONNECT_ANCHOR = "    with connectable.connect() as connection:\n"
LOCK_TIMEOUT = """\
        if connection.dialect.name == "postgresql":
            # Wait at most {value} for a lock, then fail (retry later): while an ALTER waits for its lock,
            # every query on the table queues behind it. Session-wide, so every migration of the run gets it.
            connection.exec_driver_sql("SET lock_timeout = '{value}'")
            connection.commit()
"""


def set_lock_timeout(root, value="5s"):
    """Make every migration on PostgreSQL give up after waiting ``value`` for a lock: a change to env.py."""
    def change(text):
        if "lock_timeout" in text:
            return text
        if CONNECT_ANCHOR not in text:
            raise LabError(f"{ENV_PY} is not the file `flask db init` wrote (no {CONNECT_ANCHOR.strip()!r}): "
                           "re-run the notebook's first code cell")
        return text.replace(CONNECT_ANCHOR, CONNECT_ANCHOR + LOCK_TIMEOUT.format(value=value), 1)

    return edit_file(Path(root) / ENV_PY, change, ENV_PY)


PER_MIGRATION = ("    # Flask-Migrate hands extra arguments to Alembic's context.configure(): commit after each revision\n"
                 "    migrate.init_app(app, db, transaction_per_migration=True)\n")


def use_transaction_per_migration(root):
    """Commit after each revision, not once for the whole ``flask db upgrade``: a change to app.py."""
    def change(text):
        if "transaction_per_migration" in text:
            return text
        if INIT_MIGRATE not in text:
            raise LabError(f"{APP_PY} has no line {INIT_MIGRATE.strip()!r}: re-run the notebook's first code cell")
        return text.replace(INIT_MIGRATE, PER_MIGRATION, 1)

    return edit_file(Path(root) / APP_PY, change, APP_PY)


LOCK_KEY = 7291002  # any number the app uses for no other advisory lock
ADVISORY_LOCK = f"""\
        if connection.dialect.name == "postgresql":
            # One `flask db upgrade` at a time on this database: a replica that starts while another one
            # migrates waits here, then finds alembic_version at head and has nothing to do. A session lock:
            # it outlives the commit, which ends the transaction this SELECT began (Alembic opens its own
            # only when none is open; in one left open, nothing it runs is ever committed).
            connection.exec_driver_sql("SELECT pg_advisory_lock({LOCK_KEY})")
            connection.commit()
"""
STOCK_RUN = """\
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **conf_args
        )

        with context.begin_transaction():
            context.run_migrations()
"""
LOCKED_RUN = "        try:\n" + "".join(f"    {line}" if line.strip() else line for line in STOCK_RUN.splitlines(True)) + f"""\
        finally:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SELECT pg_advisory_unlock({LOCK_KEY})")
"""
FORGOTTEN_COMMIT = "            connection.commit()\n"


def use_advisory_lock(root, commit=True):
    """Make concurrent ``flask db upgrade`` runs on PostgreSQL wait for each other: a change to env.py.

    ``commit=False`` writes the near miss, the same lines without ``connection.commit()``; returns the diff.
    """
    wanted = ADVISORY_LOCK if commit else ADVISORY_LOCK.replace(FORGOTTEN_COMMIT, "")

    def change(text):
        for present in (ADVISORY_LOCK, ADVISORY_LOCK.replace(FORGOTTEN_COMMIT, "")):
            if present in text and LOCKED_RUN in text:
                return text.replace(present, wanted, 1)
        if CONNECT_ANCHOR not in text or STOCK_RUN not in text:
            raise LabError(f"{ENV_PY} is not the file `flask db init` wrote (no {CONNECT_ANCHOR.strip()!r} "
                           "followed by context.configure): re-run the notebook's first code cell")
        text = text.replace(STOCK_RUN, LOCKED_RUN, 1)
        return text.replace(CONNECT_ANCHOR, CONNECT_ANCHOR + wanted, 1)

    return edit_file(Path(root) / ENV_PY, change, ENV_PY)


ONLINE_ANCHOR = "def run_migrations_online():\n"
MIGRATIONS_ANCHOR = "        with context.begin_transaction():\n            context.run_migrations()\n"
FOREIGN_KEYS_FUNCTIONS = '''\
def sqlite_foreign_keys_off(connection):
    """On SQLite with foreign keys on, turn them off for this run; returns what the two others need.

    Batch mode rebuilds a table by copying it and dropping the old one; with foreign keys on, SQLite
    deletes the old table's rows first, and ON DELETE CASCADE empties every table that points at it
    (https://www.sqlite.org/lang_droptable.html). SQLite ignores this PRAGMA inside a transaction
    (https://www.sqlite.org/pragma.html#pragma_foreign_keys), and SQLAlchemy 2 begins one with the first
    statement a Connection runs: so the PRAGMA goes through the driver's connection, before any of those.
    Returns None (nothing to put back) on other databases and when foreign keys are already off.
    """
    if connection.dialect.name != "sqlite":
        return None
    cursor = connection.connection.cursor()
    try:
        if not cursor.execute("PRAGMA foreign_keys").fetchone()[0]:
            return None
        cursor.execute("PRAGMA foreign_keys=OFF")
        if cursor.execute("PRAGMA foreign_keys").fetchone()[0]:
            raise RuntimeError("PRAGMA foreign_keys=OFF had no effect: a transaction was already open")
        return len(cursor.execute("PRAGMA foreign_key_check").fetchall())  # rows pointing nowhere already
    finally:
        cursor.close()


def sqlite_foreign_keys_on(connection, broken_before, failed=False):
    """Turn foreign keys back on, also after a failed migration: the connection returns to the app's pool.

    SQLite ignores this PRAGMA inside a transaction. After a failure, what is still open is rolled back first
    (closing the connection would roll it back anyway), so that the migration's own error is the one reported.
    """
    if broken_before is None:
        return
    if failed:
        connection.rollback()
    cursor = connection.connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        if not cursor.execute("PRAGMA foreign_keys").fetchone()[0]:
            raise RuntimeError("PRAGMA foreign_keys=ON had no effect: a transaction is still open")
    finally:
        cursor.close()


def sqlite_foreign_keys_check(connection, broken_before):
    """Fail if the migrations, now committed, left rows whose foreign key points nowhere."""
    if broken_before is None:
        return
    cursor = connection.connection.cursor()
    try:
        broken = len(cursor.execute("PRAGMA foreign_key_check").fetchall())
    finally:
        cursor.close()
    if broken > broken_before:
        raise RuntimeError(f"PRAGMA foreign_key_check: {broken - broken_before} more row(s) whose foreign key "
                           "points nowhere than before the migrations, which are committed: restore your backup "
                           "and fix the migration")


'''
FOREIGN_KEYS_OFF = "        foreign_keys = sqlite_foreign_keys_off(connection)  # before anything else runs\n"
FOREIGN_KEYS_RUN = """\
        try:
            with context.begin_transaction():
                context.run_migrations()
        except BaseException:  # failed: this connection still goes back to the app's pool
            sqlite_foreign_keys_on(connection, foreign_keys, failed=True)
            raise
        sqlite_foreign_keys_on(connection, foreign_keys)
        sqlite_foreign_keys_check(connection, foreign_keys)
"""


def turn_off_sqlite_foreign_keys(root):
    """Run every migration on SQLite with foreign keys off, then check them and put them back: env.py; the diff."""
    def change(text):
        if "def sqlite_foreign_keys_off(" in text:
            return text
        if not all(anchor in text for anchor in (ONLINE_ANCHOR, CONNECT_ANCHOR, MIGRATIONS_ANCHOR)):
            raise LabError(f"{ENV_PY} is not the file `flask db init` wrote (no {CONNECT_ANCHOR.strip()!r}): "
                           "re-run the notebook's first code cell")
        text = text.replace(ONLINE_ANCHOR, FOREIGN_KEYS_FUNCTIONS + ONLINE_ANCHOR, 1)
        text = text.replace(CONNECT_ANCHOR, CONNECT_ANCHOR + FOREIGN_KEYS_OFF, 1)
        return text.replace(MIGRATIONS_ANCHOR, FOREIGN_KEYS_RUN, 1)

    return edit_file(Path(root) / ENV_PY, change, ENV_PY)


SCRIPT_MAKO = "WEB_SERVICE/migrations/script.py.mako"
MAKO_ANCHOR = "import sqlalchemy as sa\n"


def import_in_new_scripts(root, line):
    """Add the import ``line`` to script.py.mako, the template of every script `flask db migrate` writes; the diff.

    Autogenerate writes the app's own column types by module path (``WEB_SERVICE.types.UTCDateTime()``)
    and imports only SQLAlchemy's (``_repr_type`` in ``alembic/autogenerate/render.py``).
    """
    line = line.strip()
    if not line.startswith(("import ", "from ")) or "\n" in line:
        raise LabError(f"{line!r} is not one import line, such as 'import WEB_SERVICE.types'")

    def change(text):
        if f"\n{line}\n" in text:
            return text
        if MAKO_ANCHOR not in text:
            raise LabError(f"{SCRIPT_MAKO} is not the file `flask db init` wrote (no {MAKO_ANCHOR.strip()!r}): "
                           "re-run the notebook's first code cell")
        return text.replace(MAKO_ANCHOR, MAKO_ANCHOR + line + "\n", 1)

    return edit_file(Path(root) / SCRIPT_MAKO, change, SCRIPT_MAKO)
