"""progress: backfill, server default '0', NOT NULL

The last revision of the recommended history: progress made safe for every row, old and new.
"""
from alembic import op
import sqlalchemy as sa


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
