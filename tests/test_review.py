"""The reviewer: every operation of a revision script, and the risky ones flagged, read as text."""
import re

import pytest

from migration_lab import LabError, review_migration
from migration_lab.model_edits import GUIDE_COLUMNS

GUIDE_NAMES = [line.split(" = ")[0] for line in GUIDE_COLUMNS.splitlines()]

RISKY = '''
def upgrade():
    op.drop_table('legacy_jobs')
    op.add_column('conversion_jobs', sa.Column('owner', sa.String(50), nullable=False))
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.drop_column('message')
        batch_op.alter_column('size_bytes', new_column_name='size', existing_type=sa.INTEGER())
        batch_op.alter_column('status', existing_type=sa.VARCHAR(length=20), type_=sa.Integer())
        batch_op.alter_column('finished_at', existing_type=sa.DATETIME(), nullable=False)
    op.rename_table('jobs', 'old_jobs')
    op.execute("DELETE FROM conversion_jobs WHERE status = 'failed'")
'''

SAFE = '''
def upgrade():
    op.create_table('users', sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('email', sa.String(120), nullable=False))
    op.add_column('conversion_jobs', sa.Column('priority', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversion_jobs_priority'), ['priority'], unique=False)
        batch_op.alter_column('progress', existing_type=sa.INTEGER(), server_default='0', existing_nullable=True)
        batch_op.alter_column('status', existing_type=sa.VARCHAR(length=20), nullable=False, existing_nullable=False)
    op.drop_index('ix_old', table_name='conversion_jobs')
'''


def test_the_guides_migration_adds_four_nullable_columns_and_flags_nothing(project_at):
    upgrade = review_migration(project_at("generated").newest_migration())
    assert [(op.name, op.where) for op in upgrade.operations] == [
        ("add_column", f"conversion_jobs.{column}") for column in GUIDE_NAMES]
    assert all("nullable=True" in op.details for op in upgrade.operations)
    assert upgrade.flagged == ()
    assert "4 operation(s), 0 flagged" in upgrade.text()


def test_its_downgrade_drops_the_four_columns(project_at):
    downgrade = review_migration(project_at("generated").newest_migration(), "downgrade")
    assert [op.name for op in downgrade.flagged] == ["drop_column"] * 4
    assert "drops column conversion_jobs.message: every value in it is deleted" in downgrade.text()


def test_autogenerate_drops_a_column_removed_from_the_model(project_at):
    project = project_at("upgraded")
    project.replace_model_line("message = db.Column(db.Text)", "")
    project.flask_db("migrate", message="remove message")
    flagged = review_migration(project.newest_migration()).flagged
    assert [(op.name, op.where) for op in flagged] == [("drop_column", "conversion_jobs.message")]


def test_every_kind_of_risk_is_flagged_once():
    result = review_migration(RISKY)
    risks = [(op.name, op.where, risk.split(":")[0]) for op in result.operations for risk in op.risks]
    assert risks == [
        ("drop_table", "legacy_jobs", "drops table legacy_jobs"),
        ("add_column", "conversion_jobs.owner", "NOT NULL without server_default"),
        ("drop_column", "conversion_jobs.message", "drops column conversion_jobs.message"),
        ("alter_column", "conversion_jobs.size_bytes", "renames conversion_jobs.size_bytes to size"),
        ("alter_column", "conversion_jobs.status", "changes type sa.VARCHAR(length=20) -> sa.Integer()"),
        ("alter_column", "conversion_jobs.finished_at", "becomes NOT NULL"),
        ("rename_table", "jobs", "renames table jobs"),
        ("execute", "-", "hand-written SQL"),
    ]
    assert result.operations[-1].details == "DELETE FROM conversion_jobs WHERE status = 'failed'"


def test_safe_operations_are_listed_but_not_flagged():
    result = review_migration(SAFE)
    assert [op.name for op in result.operations] == [
        "create_table", "add_column", "create_index", "alter_column", "alter_column", "drop_index"]
    assert result.flagged == ()
    assert result.operations[0].details == "columns: id, email"
    assert result.operations[2].where == "conversion_jobs.ix_conversion_jobs_priority"
    assert result.operations[5].where == "conversion_jobs.ix_old"


def test_lines_point_into_the_script():
    lines = RISKY.splitlines()
    for op in review_migration(RISKY).operations:
        assert op.name in lines[op.line - 1]


def test_text_lists_each_operation_with_its_risks_under_it():
    text = review_migration(RISKY).text().splitlines()
    assert text[0] == "upgrade() of <script>: 8 operation(s), 8 flagged"
    assert text[1].startswith("line 3    drop_table    legacy_jobs")
    assert text[2].strip().startswith("! drops table legacy_jobs")


@pytest.mark.parametrize("source, message", [
    ("def upgrade(:\n", "is not valid Python (line 1"),
    ("def other():\n    pass\n", "has no upgrade() function"),
])
def test_a_broken_script_is_a_clear_error(source, message):
    with pytest.raises(LabError, match=re.escape(message)):
        review_migration(source)


def test_a_missing_script_says_how_to_make_one(tmp_path):
    with pytest.raises(LabError, match="no migration script at nothing.py: generate one first with `flask db migrate`"):
        review_migration(tmp_path / "nothing.py")


def test_a_script_is_read_from_a_path_an_alembic_script_or_its_text(project_at):
    project = project_at("generated")
    [script] = project.migration_scripts()
    by_path, by_script = review_migration(project.newest_migration()), review_migration(script)
    by_text = review_migration(project.newest_migration().read_text())
    assert by_path == by_script and by_path.script == project.newest_migration().name
    assert by_text.operations == by_path.operations and by_text.script == "<script>"
