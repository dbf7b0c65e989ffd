"""The migration history under test: run in CI on every pull request, before any deploy.

pytest-alembic's four built-in tests, imported here (its documented alternative to `pytest --test-alembic`,
see pytest.ini): a single head, empty database -> head, the models match the DDL the history builds, and every
downgrade runs, one revision at a time, down to base and up again. Then the stairway: each downgrade gives back
the schema its upgrade found. (pytest-alembic's experimental test_downgrade_leaves_no_trace aims at the same, but
it holds its own connection in a transaction and expects env.py to migrate on it; Flask-Migrate's env.py opens
another, and on SQLite it stops at "database is locked".) These tests hold for any healthy history,
branches and merges included: copy this file as is. Each test gets an empty database of its own
(tests/conftest.py): SQLite, or PostgreSQL when DATABASE_URL names one. What a data migration must do to the
rows already there belongs to this project alone: that is tests/test_migration_data.py.
"""
from alembic.migration import MigrationContext
from alembic.util import to_tuple
from pytest_alembic.tests import (test_single_head_revision, test_upgrade,  # noqa: F401  (collected in this order)
                                  test_model_definitions_match_ddl, test_up_down_consistency)
from sqlalchemy import inspect


def schema(engine):
    """Every table but alembic_version, one line of text per column, key, index and constraint."""
    inspector = inspect(engine)
    lines = set()
    for table in set(inspector.get_table_names()) - {"alembic_version"}:
        for c in inspector.get_columns(table):
            null = "NULL" if c["nullable"] else "NOT NULL"
            lines.add(f"{table}.{c['name']} {c['type']} {null} default {c['default']}")
        lines.add(f"{table} primary key {inspector.get_pk_constraint(table)['constrained_columns']}")
        lines.update(f"{table} index {i['name']} {i['column_names']} unique={bool(i['unique'])}"
                     for i in inspector.get_indexes(table))
        lines.update(f"{table} unique {u['name']} {u['column_names']}"
                     for u in inspector.get_unique_constraints(table))
        lines.update(f"{table} foreign key {f['name']} {f['constrained_columns']} -> {f['referred_table']}"
                     for f in inspector.get_foreign_keys(table))
        lines.update(f"{table} check {k['name']} {k['sqltext']}" for k in inspector.get_check_constraints(table))
    return lines


def applied(engine):
    """The revisions the test database is at: one, or one per branch."""
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def test_each_downgrade_undoes_its_upgrade(alembic_runner, alembic_engine):
    """The stairway: each revision, started from exactly its parents, goes up, down and up again, and each
    step must give its schema back. Branch points, merges and dependencies included."""
    def upgrade(revision):
        alembic_runner.raw_command("upgrade", revision)  # alembic.command.upgrade, through env.py

    def downgrade(revision):
        alembic_runner.raw_command("downgrade", revision)

    for revision in alembic_runner.history.revisions[1:-1]:  # parents before children, without "base" and "heads"
        script = alembic_runner.history.map.get_revision(revision)
        parents = to_tuple(script.down_revision, default=())  # () for a first revision, two for a merge
        if applied(alembic_engine) != set(parents) or script.dependencies:  # e.g. after a branch point
            downgrade("base")
            for needed in parents + to_tuple(script.dependencies, default=()):
                upgrade(needed)
        before = schema(alembic_engine)
        upgrade(revision)
        after = schema(alembic_engine)
        # One step down on this revision's own line: "<id>@-1". A bare "-1" steps down from whichever head
        # Alembic lists first when several are applied. From a merge, "<id>@-1" is ambiguous: going down
        # to its first parent undoes the merge alone.
        downgrade(parents[0] if len(parents) > 1 else f"{revision}@-1")
        left = schema(alembic_engine) ^ before
        assert not left, f"downgrade of {revision} does not undo its upgrade"
        upgrade(revision)
        changed = schema(alembic_engine) ^ after
        assert not changed, f"{revision} does not upgrade the same way twice"
