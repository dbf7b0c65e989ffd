"""index on created_at for the daily report

Exercise 3's set-up: Bruno's branch, written at the same time as Alice's, adds an index.
"""
from alembic import op


def upgrade():
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversion_jobs_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversion_jobs_created_at'))
