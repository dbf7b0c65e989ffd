"""The Flask-Migrate lab's helpers: what a notebook imports, named for what each does.

    from migration_lab import open_sandbox, schema_diff, compare_rows

A sandbox (``open_sandbox``) is the guide's project in ``workspace/<notebook>/``; it reads its own
database (``.schema()``, ``.fingerprint()``, ``.query()``, ``.current_revision()``), runs
``flask db`` in process (``.flask_db()``), lists its revision scripts and edits its models. Any
other database reads the same way: ``sqlite_file(path)``, or a PostgreSQL from ``start_postgres``, where
``deploy_app`` serves the app's traffic and ``watch_locks`` reads, from a third connection, who waits for whom.
The widgets and the exercises are submodules: ``from migration_lab import widgets, exercises``.
"""
from .backup import back_up_database, copy_sqlite_database, restore_database
from .data import compare_rows
from .database import sqlite_file
from .doctor import check_machine, show_versions
from .errors import LabError
from .files import show_file, show_tree
from .gitrepo import git_init
from .locks import open_transaction, watch_locks
from .postgres import start_postgres
from .recommended import write_ci_tests, write_recommended_history
from .render import side_by_side
from .review import review_migration
from .scale import seed_large_databases, time_migrations
from .schema import schema_diff
from .script_edits import replace_function_bodies, show_function
from .sources import lab_file
from .traffic import deploy_app
from .workspace import Sandbox, open_sandbox
from .writes import count_migration_writes, probe_during_rebuild, sql_run_by_upgrade

__all__ = [
    # the sandbox, and other databases read the same way
    "open_sandbox", "Sandbox", "sqlite_file", "start_postgres", "git_init",
    # looking: files, schemas, rows, scripts
    "show_file", "show_tree", "show_function", "side_by_side", "schema_diff", "compare_rows", "review_migration",
    # editing: revision scripts, the lab's own files
    "replace_function_bodies", "lab_file", "write_recommended_history", "write_ci_tests",
    # production: backups
    "back_up_database", "restore_database", "copy_sqlite_database",
    # the machine
    "check_machine", "show_versions",
    # large tables (notebook 12)
    "seed_large_databases", "sql_run_by_upgrade", "count_migration_writes", "probe_during_rebuild",
    "time_migrations",
    # production under load (the zero-downtime notebook): the app's users, a long transaction, locks seen
    # from a third connection
    "deploy_app", "open_transaction", "watch_locks",
    "LabError",
]
