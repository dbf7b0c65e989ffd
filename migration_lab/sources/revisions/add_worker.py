"""worker that ran the job; index on finished_at

Exercise 4's set-up: a migration whose downgrade() nobody wrote.
"""
from alembic import op
import sqlalchemy as sa


def upgrade():
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker', sa.String(length=50), nullable=True))
        batch_op.create_index(batch_op.f('ix_conversion_jobs_finished_at'), ['finished_at'], unique=False)


def downgrade():
    # TODO: nobody wrote this ("we never go back")
    pass
