"""This project's data tests: what its data migrations must do to the rows already there.

Unlike tests/test_migrations.py, this file holds for this history only: it names a revision and rows
of this app. It is the part a team writes for itself, one test per data migration (a backfill, a
conversion, a column split in two).
"""
import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from WEB_SERVICE.app import create_app
from WEB_SERVICE.extensions import db

MIGRATIONS = "WEB_SERVICE/migrations"
ROWS_WRITTEN_AT = "0001_baseline"  # this history's revision whose table the INSERT below fits


@pytest.fixture
def app(tmp_path):
    """The app on an empty SQLite file of its own: never the real database."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'ci.db'}"})
    with app.app_context():
        yield app
        db.engine.dispose()


def test_rows_survive_the_upgrade(app):
    """0003's backfill: jobs written before the tracking columns existed get progress 100 when done,
    0 otherwise, and every column they had comes out unchanged."""
    upgrade(directory=MIGRATIONS, revision=ROWS_WRITTEN_AT)
    db.session.execute(text(
        "INSERT INTO conversion_jobs (id, filename, source_format, target_format, status, created_at) VALUES "
        "(7, 'contrat.pdf', 'pdf', 'docx', 'done', '2025-01-06 08:00:00'), "
        "(8, 'devis.odt', 'odt', 'pdf', 'pending', '2025-01-06 08:05:00')"))
    db.session.commit()
    upgrade(directory=MIGRATIONS, revision="heads")
    rows = db.session.execute(text(
        "SELECT id, filename, source_format, target_format, status, created_at, progress "
        "FROM conversion_jobs ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [
        (7, "contrat.pdf", "pdf", "docx", "done", "2025-01-06 08:00:00", 100),
        (8, "devis.odt", "odt", "pdf", "pending", "2025-01-06 08:05:00", 0),
    ]
