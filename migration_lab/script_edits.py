"""Hand edits to revision scripts, shown as a diff: the second migration of notebook 06.

``flask db migrate`` cannot write that migration: autogenerate does not compare server defaults
(``compare_server_default`` is False) and never writes data changes. So ``flask db revision``
makes an empty script and we fill in its ``upgrade()`` and ``downgrade()``.
"""
from pathlib import Path

from .errors import LabError
from .model_edits import unified_diff

# What `flask db revision` writes in an empty script (Flask-Migrate's script.py.mako).
EMPTY = "():\n    pass\n"

# The model line of guide section 3, and the same line with a default the database applies itself.
PROGRESS_LINE = "progress = db.Column(db.Integer, default=0)"
PROGRESS_WITH_SERVER_DEFAULT = 'progress = db.Column(db.Integer, default=0, server_default="0")'

PROGRESS_UPGRADE = """\
with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
    batch_op.alter_column('progress',
           existing_type=sa.Integer(),
           server_default='0',
           existing_nullable=True)

# Data, not schema (autogenerate never writes this): rows older than this migration hold NULL.
# A finished job is 100 % done; any other job has reported no progress yet.
op.execute("UPDATE conversion_jobs SET progress = CASE WHEN status = 'done' THEN 100 ELSE 0 END "
           "WHERE progress IS NULL")
"""

PROGRESS_DOWNGRADE = """\
# The backfilled values stay: nothing records which rows were NULL before.
with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
    batch_op.alter_column('progress',
           existing_type=sa.Integer(),
           server_default=None,
           existing_nullable=True)
"""


def fill_empty_revision(path, upgrade, downgrade, root=None):
    """Write ``upgrade`` and ``downgrade`` bodies into an empty revision script; returns the diff.

    ``root`` (the sandbox root) only shortens the file name shown in the diff.
    """
    path = Path(path)
    if not path.is_file():
        raise LabError(f"no script {path.name} (the sandbox was reset?): re-run the notebook from its first code cell")
    before = path.read_text(encoding="utf-8")
    after = before
    for name, body in (("upgrade", upgrade), ("downgrade", downgrade)):
        empty = f"def {name}{EMPTY}"
        if empty not in after:
            raise LabError(f"{path.name} is not the empty script `flask db revision` makes ({name}() is not "
                           "just `pass`): run the `flask db revision` cell first, or re-run the notebook "
                           "from its first code cell")
        indented = "".join(f"    {line}" if line.strip() else line for line in body.splitlines(keepends=True))
        after = after.replace(empty, f"def {name}():\n{indented}", 1)
    path.write_text(after, encoding="utf-8")
    shown = path.relative_to(root).as_posix() if root else path.name
    return unified_diff(before, after, shown)


def write_progress_backfill(path, root=None):
    """Fill the empty script with notebook 06's migration: server default '0' plus the backfill."""
    return fill_empty_revision(path, PROGRESS_UPGRADE, PROGRESS_DOWNGRADE, root)
