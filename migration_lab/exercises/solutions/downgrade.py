"""Exercise 4, solved: downgrade() undoes upgrade() in reverse order."""
from migration_lab.script_edits import replace_function_bodies


def edit_migration(box):
    """The index was created last, so it is dropped first; then the column."""
    return replace_function_bodies(box.migration_script(revision="add_worker"), downgrade='''
        with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
            batch_op.drop_index(batch_op.f('ix_conversion_jobs_finished_at'))
            batch_op.drop_column('worker')
        ''')


def solve(box):
    edit_migration(box)
    box.flask_db("downgrade")
    box.flask_db("upgrade")
