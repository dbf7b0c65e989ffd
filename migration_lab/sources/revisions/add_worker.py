"""worker that ran the job, indexed

Exercise 4's set-up: a colleague's hand-written migration whose downgrade() nobody wrote.
The index is on the new column itself, so what downgrade() drops first matters.
"""
from alembic import op
import sqlalchemy as sa


def upgrade():
    op.add_column('conversion_jobs', sa.Column('worker', sa.String(length=50), nullable=True))
    op.create_index(op.f('ix_conversion_jobs_worker'), 'conversion_jobs', ['worker'], unique=False)


def downgrade():
    # TODO: nobody wrote this ("we never go back")
    pass
