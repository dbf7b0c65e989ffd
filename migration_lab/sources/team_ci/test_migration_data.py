"""This project's data tests: what its data migrations must do to the rows already there.

Unlike tests/test_migrations.py, this file holds for this history only: it names a revision and rows
of this app. It is the part a team writes for itself, one test per data migration (a backfill, a
conversion, a column split in two), with pytest-alembic's ``alembic_runner``: migrate to just before the
revision, insert rows as the table was then, run the revision, read the rows.
"""
from datetime import datetime

from sqlalchemy import select

BACKFILL = "0003_progress_default"  # this history's data migration


def test_rows_survive_the_upgrade(alembic_runner, alembic_engine):
    """0003's backfill: jobs written before it (progress NULL) get progress 100 when done, 0 otherwise,
    and every column they had comes out unchanged."""
    alembic_runner.migrate_up_before(BACKFILL)
    alembic_runner.insert_into("conversion_jobs", [
        {"id": 7, "filename": "contrat.pdf", "source_format": "pdf", "target_format": "docx", "status": "done",
         "created_at": datetime(2025, 1, 6, 8, 0)},
        {"id": 8, "filename": "devis.odt", "source_format": "odt", "target_format": "pdf", "status": "pending",
         "created_at": datetime(2025, 1, 6, 8, 5)},
    ])
    alembic_runner.migrate_up_one()
    jobs = alembic_runner.table_at_revision("conversion_jobs")
    with alembic_engine.connect() as connection:
        rows = connection.execute(select(jobs.c.id, jobs.c.filename, jobs.c.source_format, jobs.c.target_format,
                                         jobs.c.status, jobs.c.created_at, jobs.c.progress).order_by(jobs.c.id))
        assert [tuple(row) for row in rows] == [
            (7, "contrat.pdf", "pdf", "docx", "done", datetime(2025, 1, 6, 8, 0), 100),
            (8, "devis.odt", "odt", "pdf", "pending", datetime(2025, 1, 6, 8, 5), 0),
        ]
