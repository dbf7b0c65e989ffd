"""Exercise 4, solved: downgrade() undoes upgrade() in reverse order."""
from migration_lab.script_edits import replace_function_bodies


def edit_migration(box):
    """The index was created last, on the new column: it is dropped first, then the column."""
    return replace_function_bodies(box.migration_script(revision="add_worker"), downgrade='''
        op.drop_index(op.f('ix_conversion_jobs_worker'), table_name='conversion_jobs')
        op.drop_column('conversion_jobs', 'worker')
        ''')


def solve(box):
    edit_migration(box)
    box.flask_db("downgrade")
    box.flask_db("upgrade")
