"""The sample app's final recommended migration history, and the tests a team runs on it in CI.

Three hand-written revisions with readable ids, so every output that names them is stable:

    0001_baseline           conversion_jobs exactly as create_all() shipped it: a fresh database
                            can be built from history; production adopts it with `flask db stamp`
    0002_tracking_columns   the guide's four columns (section 3), as Flask-Migrate 4 renders them
    0003_progress_default   progress: old rows backfilled, server default '0', NOT NULL (a rebuild
                            on SQLite)

``write_history(root)`` puts them (and the matching model) into a project whose migrations folder
exists (after `flask db init`); ``write_ci_tests(root)`` adds the pytest file a team keeps beside them.
"""
from pathlib import Path

from . import model_edits
from .checkpoints import GUIDE_MESSAGE
from .database import app_database_url
from .errors import LabError
from .inprocess import flask_db

BASELINE, TRACKING, PROGRESS_DEFAULT = "0001_baseline", "0002_tracking_columns", "0003_progress_default"
REVISION_IDS = (BASELINE, TRACKING, PROGRESS_DEFAULT)

# The model that matches the head of the history: the guide's four columns, progress made safe.
FINAL_COLUMNS = """\
progress = db.Column(db.Integer, nullable=False, default=0, server_default="0")
page_done = db.Column(db.Integer)
total_pages = db.Column(db.Integer)
message = db.Column(db.Text)
"""

_HEADER = '''"""{message}

Revision ID: {revision}
Revises: {down_revision}
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = {revision!r}
down_revision = {down_repr}
branch_labels = None
depends_on = None
'''

_BODIES = {
    BASELINE: ("baseline: conversion_jobs as create_all() shipped it", '''

def upgrade():
    op.create_table('conversion_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('source_format', sa.String(length=10), nullable=False),
    sa.Column('target_format', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversion_jobs_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversion_jobs_status'))

    op.drop_table('conversion_jobs')
'''),
    TRACKING: (GUIDE_MESSAGE, '''

def upgrade():
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('progress', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('page_done', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('total_pages', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('message', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.drop_column('message')
        batch_op.drop_column('total_pages')
        batch_op.drop_column('page_done')
        batch_op.drop_column('progress')
'''),
    PROGRESS_DEFAULT: ("progress: backfill, server default '0', NOT NULL", '''

def upgrade():
    # Rows older than 0002 hold NULL (default=0 is Python-side): fill them first, or NOT NULL
    # fails (the backfill of notebook 06). On SQLite, batch mode then rebuilds the table.
    op.execute("UPDATE conversion_jobs SET progress = CASE WHEN status = 'done' THEN 100 ELSE 0 END "
               "WHERE progress IS NULL")
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.alter_column('progress', existing_type=sa.Integer(), nullable=False, server_default='0')


def downgrade():
    # The backfilled values stay: nothing records which rows were NULL before.
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.alter_column('progress', existing_type=sa.Integer(), nullable=True, server_default=None)
'''),
}


def revision_source(revision):
    """The text of one revision script of the recommended history."""
    index = REVISION_IDS.index(revision)
    down = REVISION_IDS[index - 1] if index else None
    message, body = _BODIES[revision]
    return _HEADER.format(message=message, revision=revision, down_revision=down or "",
                          down_repr=repr(down)) + body


def write_history(root):
    """Write the three revisions into ``root``'s migrations and the matching columns into the model.

    Returns the paths of the scripts written. The migrations folder must exist (`flask db init`).
    """
    versions = Path(root) / "WEB_SERVICE" / "migrations" / "versions"
    if not versions.is_dir():
        raise LabError("no WEB_SERVICE/migrations/versions: run `flask db init` first (checkpoint 'initialized')")
    others = sorted(p.name for p in versions.glob("*.py") if p.stem not in REVISION_IDS)
    model = (Path(root) / model_edits.MODEL_FILE).read_text(encoding="utf-8")
    if others or ("    progress = " in model and FINAL_COLUMNS.splitlines()[0] not in model):
        raise LabError("the recommended history replaces the guide's steps: open the sandbox at checkpoint "
                       f"'initialized' (found {', '.join(others) or 'a progress column in the model'})")
    paths = []
    for revision in REVISION_IDS:
        path = versions / f"{revision}.py"
        path.write_text(revision_source(revision), encoding="utf-8")
        paths.append(path)
    model_edits.add_columns(root, FINAL_COLUMNS)
    return paths


def using_database(path):
    """Point the sandbox app at the SQLite file ``path`` (through ``DATABASE_URL``) for the block."""
    return app_database_url(f"sqlite:///{Path(path).resolve()}")


def flask_db_on(root, path, command, **options):
    """``flask db <command>`` in process for the project at ``root``, on the SQLite file ``path``."""
    with using_database(path):
        return flask_db(root, command, **options)


CI_TESTS_FILE = "tests/test_migrations.py"

CI_TESTS = '''\
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
'''

# The team's pytest settings. Its own root (never the lab's); quiet output that stays the same
# from run to run: a dot per test, short tracebacks, the passed tests listed, no timings, no colours.
PYTEST_INI = """\
[pytest]
addopts = -p no:cacheprovider -qq --tb=short --show-capture=no -rp --color=no
filterwarnings =
    ignore:'get_engine' is deprecated:DeprecationWarning
"""


def write_ci_tests(root):
    """Write tests/test_migrations.py and pytest.ini into the project at ``root``; returns the test file."""
    root = Path(root)
    path = root / CI_TESTS_FILE
    path.parent.mkdir(exist_ok=True)
    path.write_text(CI_TESTS, encoding="utf-8")
    (root / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
    return path
