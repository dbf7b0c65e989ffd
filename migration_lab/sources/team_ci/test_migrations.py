"""The migration history under test: run in CI on every pull request, before any deploy."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

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


def schema():
    """Each column and index of every table but alembic_version, one line of text each."""
    inspector = inspect(db.engine)
    lines = set()
    for table in set(inspector.get_table_names()) - {"alembic_version"}:
        for c in inspector.get_columns(table):
            null = "NULL" if c["nullable"] else "NOT NULL"
            lines.add(f"{table}.{c['name']} {c['type']} {null} default {c['default']}")
        lines.update(f"{table} index {i['name']}" for i in inspector.get_indexes(table))
    return lines


def test_history_has_a_single_head():
    heads = ScriptDirectory(MIGRATIONS).get_heads()
    assert len(heads) == 1, f"several heads {heads}: run flask db merge"


def test_upgrade_builds_every_table_from_an_empty_database(app):
    upgrade(directory=MIGRATIONS)
    missing = set(db.metadata.tables) - set(inspect(db.engine).get_table_names())
    assert not missing, "tables the models have but the history never creates"


def test_downgrade_to_base_and_up_again_gives_the_same_schema(app):
    upgrade(directory=MIGRATIONS)
    at_head = schema()
    downgrade(directory=MIGRATIONS, revision="base")
    left = schema()
    assert not left, "left behind at base"
    upgrade(directory=MIGRATIONS)
    changed = schema() ^ at_head
    assert not changed, "head differs the second time"


def test_each_downgrade_undoes_its_upgrade(app):
    """The stairway: up one revision, down one, up again; each step gives its schema back."""
    scripts = ScriptDirectory(MIGRATIONS)
    for script in reversed(list(scripts.walk_revisions())):
        before = schema()
        upgrade(directory=MIGRATIONS, revision=script.revision)
        after = schema()
        downgrade(directory=MIGRATIONS, revision="-1")
        left = schema() ^ before
        assert not left, f"downgrade of {script.revision} does not undo its upgrade"
        upgrade(directory=MIGRATIONS, revision=script.revision)
        changed = schema() ^ after
        assert not changed, f"{script.revision} does not upgrade the same way twice"


def test_models_match_the_upgraded_schema(app):
    upgrade(directory=MIGRATIONS)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True})
        differences = compare_metadata(context, db.metadata)
    assert not differences, "models and migrations disagree: run flask db migrate"


def test_rows_survive_the_upgrade(app):
    upgrade(directory=MIGRATIONS, revision="0001_baseline")
    db.session.execute(text(
        "INSERT INTO conversion_jobs (id, filename, source_format, target_format, status, created_at) "
        "VALUES (7, 'contrat.pdf', 'pdf', 'docx', 'done', '2025-01-06 08:00:00')"))
    db.session.commit()
    upgrade(directory=MIGRATIONS)
    row = db.session.execute(text(
        "SELECT filename, status, progress FROM conversion_jobs WHERE id = 7")).one()
    assert tuple(row) == ("contrat.pdf", "done", 100)
