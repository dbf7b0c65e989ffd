"""baseline: conversion_jobs as create_all() shipped it

The first revision of the recommended history: it creates the table exactly as the app's
``db.create_all()`` made it before migrations existed, so an empty database (CI, a new colleague)
can be built from history alone. The production database, which already has the table, is
marked as being here with ``flask db stamp 0001_baseline`` instead of running it.
"""
from alembic import op
import sqlalchemy as sa


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
