"""The migration history under test: run in CI on every pull request, before any deploy.

These five tests hold for any healthy history, branches and merges included: copy this file as is
(if your app is not laid out as the guide's, change the two WEB_SERVICE imports and MIGRATIONS).
Each test builds its own database from nothing, in an empty SQLite file, and never touches the
real one; it runs the project's own migrations/env.py through Flask-Migrate's functions, as
`flask db` does. What a data migration must do to existing rows belongs to this project alone:
that is tests/test_migration_data.py.
"""
import pytest
from alembic import command
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import to_tuple
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from WEB_SERVICE.app import create_app
from WEB_SERVICE.extensions import db

MIGRATIONS = "WEB_SERVICE/migrations"


@pytest.fixture
def app(tmp_path):
    """The app on an empty SQLite file of its own: never the real database."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'ci.db'}"})
    with app.app_context():
        yield app
        db.engine.dispose()


def config():
    """The project's Alembic configuration, built as `flask db` builds it (its alembic.ini included)."""
    return current_app.extensions["migrate"].migrate.get_config(MIGRATIONS)


def revisions():
    """Every revision script, parents before children."""
    return list(reversed(list(ScriptDirectory.from_config(config()).walk_revisions())))


def applied():
    """The revisions the test database is at: one, or one per branch."""
    with db.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def upgrade_to(revision):
    """Upgrade the test database to ``revision``: None, or the first line of the error it raised."""
    try:
        upgrade(directory=MIGRATIONS, revision=revision)
    except (Exception, SystemExit) as error:  # Flask-Migrate exits on Alembic's errors, as the CLI does
        cause = error.__context__ if isinstance(error, SystemExit) and error.__context__ else error
        return f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}"


def schema():
    """Every table but alembic_version, one line of text per column, key, index and constraint."""
    inspector = inspect(db.engine)
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


def test_history_has_a_single_head(app):
    heads = ScriptDirectory.from_config(config()).get_heads()
    assert len(heads) == 1, f"several heads {sorted(heads)}: run flask db merge"


def test_upgrade_builds_every_table_from_an_empty_database(app):
    for script in revisions():  # one revision at a time, so a failure names its revision
        error = upgrade_to(script.revision)
        assert error is None, f"from an empty database, {script.revision} fails: {error}"
    missing = set(db.metadata.tables) - set(inspect(db.engine).get_table_names())
    assert not missing, "tables the models have but the history never creates"


def test_downgrade_to_base_and_up_again_gives_the_same_schema(app):
    upgrade(directory=MIGRATIONS, revision="heads")
    at_head = schema()
    downgrade(directory=MIGRATIONS, revision="base")
    left = schema()
    assert not left, "left behind at base"
    upgrade(directory=MIGRATIONS, revision="heads")
    changed = schema() ^ at_head
    assert not changed, "head differs the second time"


def test_each_downgrade_undoes_its_upgrade(app):
    """The stairway: each revision, started from exactly its parents, goes up, down and up again, and each
    step must give its schema back. Branch points, merges and dependencies included."""
    for script in revisions():
        parents = to_tuple(script.down_revision, default=())  # () for a first revision, two for a merge
        if applied() != set(parents) or script.dependencies:  # e.g. after a branch point: start from empty
            downgrade(directory=MIGRATIONS, revision="base")
            for needed in parents + to_tuple(script.dependencies, default=()):
                upgrade(directory=MIGRATIONS, revision=needed)
        before = schema()
        upgrade(directory=MIGRATIONS, revision=script.revision)
        after = schema()
        # One step down on this revision's own line: "<id>@-1". A bare "-1" steps down from whichever head
        # Alembic lists first when several are applied. From a merge, "<id>@-1" is ambiguous: going down
        # to its first parent undoes the merge alone.
        downgrade(directory=MIGRATIONS, revision=parents[0] if len(parents) > 1 else f"{script.revision}@-1")
        left = schema() ^ before
        assert not left, f"downgrade of {script.revision} does not undo its upgrade"
        upgrade(directory=MIGRATIONS, revision=script.revision)
        changed = schema() ^ after
        assert not changed, f"{script.revision} does not upgrade the same way twice"


def test_models_match_the_upgraded_schema(app):
    """`flask db check` on the upgraded database, server defaults compared too (Flask-Migrate leaves them
    out): the project's env.py runs, with its own settings. A difference raises AutogenerateDiffsDetected."""
    upgrade(directory=MIGRATIONS, revision="heads")
    current_app.extensions["migrate"].configure_args["compare_server_default"] = True
    command.check(config())
