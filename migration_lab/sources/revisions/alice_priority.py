"""priority for urgent jobs

Exercise 3's set-up: Alice's branch adds a priority column.
"""
from alembic import op
import sqlalchemy as sa


def upgrade():
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.String(length=10), server_default='normal', nullable=False))


def downgrade():
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.drop_column('priority')
