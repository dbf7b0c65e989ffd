"""Exercise 2, solved: a rename that keeps every value, both ways, instead of a drop and an add."""
from migration_lab.script_edits import replace_function_bodies

MESSAGE = "rename size_bytes to file_size"


def edit_model(box):
    return box.replace_model_line("size_bytes = db.Column(db.Integer)", "file_size = db.Column(db.Integer)")


def edit_migration(box):
    """Autogenerate saw a new column and a removed one; a reviewer turns them into one rename."""
    return replace_function_bodies(box.newest_migration(), upgrade='''
        with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
            batch_op.alter_column('size_bytes', new_column_name='file_size',
                                  existing_type=sa.Integer(), existing_nullable=True)
        ''', downgrade='''
        with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
            batch_op.alter_column('file_size', new_column_name='size_bytes',
                                  existing_type=sa.Integer(), existing_nullable=True)
        ''')


def solve(box):
    edit_model(box)
    box.flask_db("migrate", message=MESSAGE)
    edit_migration(box)
    box.flask_db("upgrade")
