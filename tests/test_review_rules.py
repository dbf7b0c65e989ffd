"""Every rule of the reviewer: a script that breaks it, and a near miss that must not be flagged.

Scripts are text, as ``review_migration`` reads them; ``rules_of`` gives the rules each operation
broke, in script order. The PostgreSQL claims the lock rules rest on are checked on the real server
at the end of the file.
"""
import textwrap

import pytest

from migration_lab import review_migration
from migration_lab.review_rules import RULES


def rules_of(body, engine="postgresql", function="upgrade"):
    """[(operation, [rules it broke])] of ``upgrade()`` with ``body`` (a lock_timeout set first, so that
    rule stays quiet unless the test is about it)."""
    source = f"def {function}():\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"
    review = review_migration(source, function, engine)
    return [(op.name, [f.rule for f in op.findings if not f.accepted]) for op in review.operations]


TIMEOUT = 'op.execute("SET lock_timeout = \'5s\'")\n'


def broken(body, engine="postgresql"):
    """The rules broken by the operations of ``body``, lock_timeout set first."""
    return [rule for _, rules in rules_of(TIMEOUT + textwrap.dedent(body), engine)[1:] for rule in rules]


CASES = {  # rule: (a body that breaks it, a near miss that does not)
    "drop-table": ("op.drop_table('legacy_jobs')", "op.drop_table_comment('conversion_jobs')"),
    "drop-column": ("op.drop_column('conversion_jobs', 'message')",
                    "op.drop_column('conversion_jobs', 'message')  # review: ok drop-column"),
    "add-required-column": (
        "op.add_column('conversion_jobs', sa.Column('owner', sa.String(50), nullable=False))",
        "op.add_column('conversion_jobs', sa.Column('owner', sa.String(50), nullable=False, server_default='x'))"),
    "not-null-existing-rows": (
        "op.alter_column('conversion_jobs', 'status', existing_type=sa.String(20), nullable=False)",
        "op.alter_column('conversion_jobs', 'status', nullable=False, existing_nullable=False, server_default='x')"),
    "rename-column": ("op.alter_column('conversion_jobs', 'size_bytes', new_column_name='file_size')",
                      "op.alter_column('conversion_jobs', 'size_bytes', server_default='0')"),
    "type-change": (
        "op.alter_column('conversion_jobs', 'status', existing_type=sa.VARCHAR(length=20), type_=sa.Integer())",
        "op.alter_column('conversion_jobs', 'status', existing_type=sa.VARCHAR(length=20), type_=sa.String(40))"),
    "rename-table": ("op.rename_table('conversion_jobs', 'jobs')",
                     "op.create_table('jobs', sa.Column('id', sa.Integer(), primary_key=True))"),
    "raw-sql": ("op.execute(\"DELETE FROM conversion_jobs WHERE status = 'failed'\")",
                "op.execute('ALTER TABLE conversion_jobs VALIDATE CONSTRAINT ck_priority')"),
    "index-not-concurrent": (
        "op.create_index('ix_created', 'conversion_jobs', ['created_at'])",
        """
        with op.get_context().autocommit_block():
            op.create_index('ix_created', 'conversion_jobs', ['created_at'], postgresql_concurrently=True)
        """),
    "concurrently-in-transaction": (
        "op.create_index('ix_created', 'conversion_jobs', ['created_at'], postgresql_concurrently=True)",
        """
        with op.get_context().autocommit_block():
            op.execute('CREATE INDEX CONCURRENTLY ix_created ON conversion_jobs (created_at)')
        """),
    "drop-index-not-concurrent": (
        "op.drop_index('ix_created', table_name='conversion_jobs')",
        """
        with op.get_context().autocommit_block():
            op.drop_index('ix_created', table_name='conversion_jobs', postgresql_concurrently=True)
        """),
    "constraint-not-valid": (
        "op.create_check_constraint('ck_priority', 'conversion_jobs', 'priority IS NOT NULL')",
        "op.create_check_constraint('ck_priority', 'conversion_jobs', 'priority IS NOT NULL', "
        "postgresql_not_valid=True)"),
    "validate-in-same-transaction": (
        """
        op.execute('ALTER TABLE conversion_jobs ADD CONSTRAINT ck_p CHECK (priority IS NOT NULL) NOT VALID')
        op.execute('ALTER TABLE conversion_jobs VALIDATE CONSTRAINT ck_p')
        """,
        """
        op.execute('ALTER TABLE conversion_jobs ADD CONSTRAINT ck_p CHECK (priority IS NOT NULL) NOT VALID')
        with op.get_context().autocommit_block():
            op.execute('ALTER TABLE conversion_jobs VALIDATE CONSTRAINT ck_p')
        """),
    "set-not-null-scan": (
        "op.alter_column('conversion_jobs', 'priority', existing_type=sa.Integer(), nullable=False)",
        """
        op.create_check_constraint('ck_p', 'conversion_jobs', 'priority IS NOT NULL', postgresql_not_valid=True)
        with op.get_context().autocommit_block():
            op.execute('ALTER TABLE conversion_jobs VALIDATE CONSTRAINT ck_p')
        op.alter_column('conversion_jobs', 'priority', existing_type=sa.Integer(), nullable=False)
        """),
    "volatile-default": (
        "op.add_column('conversion_jobs', sa.Column('token', sa.Uuid(), server_default=sa.text('gen_random_uuid()')))",
        "op.add_column('conversion_jobs', sa.Column('seen_at', sa.DateTime(), server_default=sa.text('now()')))"),
    "type-rewrite": (
        "op.alter_column('conversion_jobs', 'size_bytes', existing_type=sa.Integer(), type_=sa.BigInteger())",
        "op.alter_column('conversion_jobs', 'filename', existing_type=sa.String(255), type_=sa.Text())"),
    "unique-constraint": (
        "op.create_unique_constraint('uq_filename', 'conversion_jobs', ['filename'])",
        "op.execute('ALTER TABLE conversion_jobs ADD CONSTRAINT uq_filename UNIQUE USING INDEX ix_filename')"),
    "backfill-in-transaction": (
        "op.execute('UPDATE conversion_jobs SET priority = 0 WHERE priority IS NULL')",
        """
        with op.get_context().autocommit_block():
            for start in range(0, 1000, 100):
                op.execute(f'UPDATE conversion_jobs SET priority = 0 WHERE id >= {start} AND id < {start + 100}')
        """),
    "enum-type-missing": (  # more cases and near misses in test_review_enums.py
        "op.add_column('conversion_jobs', sa.Column('priority', sa.Enum('low', 'high', name='priority'), nullable=True))",
        """
        sa.Enum('low', 'high', name='priority').create(op.get_bind())
        op.add_column('conversion_jobs', sa.Column('priority', sa.Enum('low', 'high', name='priority'), nullable=True))
        """),
}


def test_every_rule_has_a_case_and_cites_its_source():
    assert set(CASES) | {"lock-timeout"} == set(RULES)
    for rule in RULES.values():
        # neither squawk nor strong_migrations checks enum types: that rule cites Alembic's code and issue
        cited = ("squawk", "strong_migrations") if rule.name != "enum-type-missing" else ("DefaultImpl.add_column",)
        assert rule.safe and any(source in rule.source for source in cited), rule.name
        assert rule.check.__doc__, f"{rule.name} says why it hurts"


@pytest.mark.parametrize("rule", sorted(CASES))
def test_the_rule_flags_its_case(rule):
    assert rule in broken(CASES[rule][0])


@pytest.mark.parametrize("rule", sorted(CASES))
def test_the_rule_leaves_its_near_miss_alone(rule):
    assert rule not in broken(CASES[rule][1])


def test_lock_timeout_is_flagged_once_at_the_first_lock_unless_set_first():
    body = """
    op.add_column('conversion_jobs', sa.Column('priority', sa.Integer(), server_default='0'))
    op.add_column('conversion_jobs', sa.Column('worker', sa.String(50)))
    """
    assert rules_of(body) == [("add_column", ["lock-timeout"]), ("add_column", [])]
    assert rules_of(TIMEOUT + textwrap.dedent(body)) == [("execute", []), ("add_column", []), ("add_column", [])]


def test_a_new_table_needs_no_concurrently_not_valid_nor_lock_timeout():
    body = """
    op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('email', sa.String(120)))
    op.create_index('ix_users_email', 'users', ['email'])
    op.create_check_constraint('ck_email', 'users', "email LIKE '%@%'")
    """
    assert rules_of(body) == [("create_table", []), ("create_index", []), ("create_check_constraint", [])]


def test_lock_rules_hold_on_postgresql_only():
    body = "op.create_index('ix_created', 'conversion_jobs', ['created_at'])"
    assert rules_of(body, engine=None) == [("create_index", [])]
    assert rules_of(body) == [("create_index", ["lock-timeout", "index-not-concurrent"])]


def test_a_rule_can_be_accepted_on_the_line_and_stays_in_the_text():
    source = ("def upgrade():\n    op.drop_column('conversion_jobs', 'message')  # review: ok drop-column, lock-timeout\n"
              "    op.drop_table('audit_entries')  # review: ok\n")
    review = review_migration(source, engine="postgresql")
    assert review.flagged == ()
    assert "~ accepted (drop-column): drops column conversion_jobs.message" in review.text()
    assert "~ accepted (drop-table): drops table audit_entries" in review.text()


def test_sql_in_op_execute_is_read_statement_by_statement():
    body = '''
    op.execute("""
        ALTER TABLE conversion_jobs ADD CONSTRAINT ck_size CHECK (size_bytes >= 0);
        CREATE INDEX ix_size ON conversion_jobs (size_bytes);
        ALTER TABLE conversion_jobs ALTER COLUMN status TYPE integer USING status::integer;
        ALTER TABLE conversion_jobs ADD COLUMN token uuid DEFAULT gen_random_uuid();
    """)
    '''
    assert broken(body) == ["constraint-not-valid", "index-not-concurrent", "type-change", "type-rewrite",
                            "volatile-default"]


def test_a_backfill_after_an_alter_says_which_lock_it_holds():
    body = """
    op.add_column('conversion_jobs', sa.Column('duration_s', sa.Integer()))
    op.execute('UPDATE conversion_jobs SET duration_s = 0')
    """
    review = review_migration("def upgrade():\n" + textwrap.indent(TIMEOUT + textwrap.dedent(body).lstrip("\n"), "    "),
                              engine="postgresql")
    [message] = [f.message for f in review.operations[-1].findings if f.rule == "backfill-in-transaction"]
    assert message == ("rows change in one long transaction, while the lock taken at line 3 is held: "
                       "writes to those rows wait to the end")


def write_script(folder, revision, down, body):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{revision}.py").write_text(
        f"revision = {revision!r}\ndown_revision = {down!r}\nfrom alembic import op\nimport sqlalchemy as sa\n\n\n"
        f"def upgrade():\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n\n\ndef downgrade():\n    pass\n")
    return folder / f"{revision}.py"


def test_a_check_validated_by_an_earlier_revision_lets_set_not_null_pass(tmp_path):
    versions = tmp_path / "migrations" / "versions"
    write_script(versions, "r1", None, "op.create_check_constraint('ck_p', 'conversion_jobs', 'priority IS NOT NULL', "
                                       "postgresql_not_valid=True)")
    write_script(versions, "r2", "r1", "op.execute('ALTER TABLE conversion_jobs VALIDATE CONSTRAINT ck_p')")
    set_not_null = write_script(versions, "r3", "r2",
                                "op.alter_column('conversion_jobs', 'priority', existing_type=sa.Integer(), nullable=False)")
    rules = [f.rule for op in review_migration(set_not_null, engine="postgresql").operations for f in op.findings]
    assert rules == ["lock-timeout"]
    (versions / "r2.py").unlink()  # not validated any more: the scan is back
    rules = [f.rule for op in review_migration(set_not_null, engine="postgresql").operations for f in op.findings]
    assert rules == ["not-null-existing-rows", "lock-timeout", "set-not-null-scan"]


def test_a_lock_timeout_in_env_py_holds_for_every_script(tmp_path):
    script = write_script(tmp_path / "migrations" / "versions", "r1", None,
                          "op.add_column('conversion_jobs', sa.Column('worker', sa.String(50)))")
    assert [f.rule for f in review_migration(script, engine="postgresql").operations[0].findings] == ["lock-timeout"]
    (tmp_path / "migrations" / "env.py").write_text('connection.exec_driver_sql("SET lock_timeout = \'5s\'")\n')
    assert review_migration(script, engine="postgresql").flagged == ()
    (tmp_path / "migrations" / "env.py").write_text('# SET lock_timeout one day\n')  # a comment is not a setting
    assert review_migration(script, engine="postgresql").flagged != ()


def test_a_drop_next_to_an_add_on_the_same_table_says_it_may_be_a_rename():
    body = """
    with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completed_at', sa.DateTime(), nullable=True))
        batch_op.drop_column('finished_at')
    op.drop_column('audit_entries', 'note')
    """
    drops = [op.findings[0] for op in review_migration("def upgrade():\n" + textwrap.indent(textwrap.dedent(body), "    "))
             .operations if op.name == "drop_column"]
    assert drops[0].message == "drops column conversion_jobs.finished_at: every value in it is deleted"
    assert drops[0].safe_way.startswith("if completed_at replaces finished_at, this is a rename written as drop + add")
    assert "alter_column('finished_at', new_column_name='completed_at')" in drops[0].safe_way
    assert drops[1].safe_way == RULES["drop-column"].safe


def test_a_stable_function_as_default_is_not_volatile():
    """txid_current() and now() are STABLE in PostgreSQL 16 (pg_proc.provolatile = 's'): no rewrite, no finding."""
    for function in ("now()", "txid_current()", "current_timestamp"):
        body = f"op.add_column('conversion_jobs', sa.Column('x', sa.BigInteger(), server_default=sa.text('{function}')))"
        assert "volatile-default" not in broken(body), function


def test_a_target_named_by_keyword_is_read_like_a_positional_one():
    from migration_lab import review_migration

    script = textwrap.dedent("""
    def upgrade():
        with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
            batch_op.drop_column(column_name='worker')
            batch_op.drop_index(index_name='ix_conversion_jobs_worker')
        op.drop_column('conversion_jobs', column_name='message')
    """)
    targets = [op.where for op in review_migration(script).operations]
    assert targets == ["conversion_jobs.worker", "conversion_jobs.ix_conversion_jobs_worker", "conversion_jobs.message"]
