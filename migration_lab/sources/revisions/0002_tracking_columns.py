"""Ajout des colonnes de suivi pour les jobs

The guide's migration (section 3's four columns), as Flask-Migrate 4 renders it: batch operations.
"""
from alembic import op
import sqlalchemy as sa


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
