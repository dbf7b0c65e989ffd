"""Exercise 1, solved: attempts, NOT NULL with a server default, and a backfill run by the migration."""
from migration_lab.script_edits import replace_function_bodies

MESSAGE = "attempts: how many times a worker picked up the job"


def edit_model(box):
    """The column as the database must hold it: existing rows get 0 from the server default."""
    return box.add_model_columns('attempts = db.Column(db.Integer, nullable=False, server_default="0")')


def edit_migration(box):
    """Autogenerate wrote the column; the backfill is data, so we add it to upgrade() by hand."""
    return replace_function_bodies(box.newest_migration(), upgrade='''
        with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
            batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))

        # Data, not schema: every job that is not pending has been picked up once.
        op.execute("UPDATE conversion_jobs SET attempts = 1 WHERE status != 'pending'")
        ''')


def solve(box):
    edit_model(box)
    box.flask_db("migrate", message=MESSAGE)
    edit_migration(box)
    box.flask_db("upgrade")
