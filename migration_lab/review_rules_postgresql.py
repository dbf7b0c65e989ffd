"""The PostgreSQL rules: locks that stall traffic, and an enum type PostgreSQL needs that SQLite does not.

They assume PostgreSQL 11 or later (pgserver runs 16), where adding a column with a *non-volatile*
default is metadata-only. ``now()`` is STABLE, not volatile (``pg_proc.provolatile = 's'``): it is
computed once per statement, so ``DEFAULT now()`` does not rewrite the table.
"""
import re

from .review_facts import LOCKING, existing
from .review_registry import POSTGRESQL, RULES, rule
from .review_rules_data import widening

# Functions PostgreSQL marks VOLATILE (pg_proc.provolatile = 'v'): a default calling one is computed per row.
VOLATILE = {"random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
            "clock_timestamp", "timeofday", "nextval", "setseed"}


# --- locks: PostgreSQL ----------------------------------------------------------------------------
@rule("lock-timeout", POSTGRESQL, 'squawk "require-timeout-settings"; strong_migrations "Migration Timeouts"',
      "SET lock_timeout (a few seconds) in env.py for every migration, or SET LOCAL lock_timeout in this one; "
      "when it gives up, traffic flows again and the upgrade is retried")
def lock_timeout(change, facts):
    """Behind one long transaction the ALTER waits for its lock, and every query on the table queues behind it."""
    if (change.kind in LOCKING and change.table and existing(change, facts) and not facts.lock_timeout
            and not facts.lock_timeout_said and "concurrently" not in change.flags):
        return (f"waits for a lock on {change.table} with no lock_timeout: behind a long transaction, "
                f"every query on {change.table} queues behind this migration")


@rule("index-not-concurrent", POSTGRESQL,
      'squawk "require-concurrent-index-creation"; strong_migrations "Adding an index non-concurrently"',
      "postgresql_concurrently=True, inside `with op.get_context().autocommit_block():`")
def index_not_concurrent(change, facts):
    """CREATE INDEX holds a SHARE lock for the whole build: reads pass, every write waits."""
    if change.kind == "create_index" and existing(change, facts) and "concurrently" not in change.flags:
        return f"CREATE INDEX without CONCURRENTLY: writes to {change.table} wait for the whole index build"


@rule("concurrently-in-transaction", POSTGRESQL,
      'squawk "ban-concurrent-index-creation-in-transaction"; Alembic: MigrationContext.autocommit_block',
      "put the call inside `with op.get_context().autocommit_block():` (and set transaction_per_migration=True)")
def concurrently_in_transaction(change, facts):
    """PostgreSQL refuses CONCURRENTLY in a transaction block: it commits between its own phases."""
    if change.kind in ("create_index", "drop_index") and "concurrently" in change.flags and not change.autocommit:
        verb = "CREATE" if change.kind == "create_index" else "DROP"
        return f"{verb} INDEX CONCURRENTLY inside the migration's transaction: PostgreSQL refuses it, the upgrade fails"


@rule("drop-index-not-concurrent", POSTGRESQL,
      'squawk "require-concurrent-index-deletion" (an opt-in check in strong_migrations)',
      "postgresql_concurrently=True, inside `with op.get_context().autocommit_block():`")
def drop_index_not_concurrent(change, facts):
    """DROP INDEX takes ACCESS EXCLUSIVE on the table: quick, but it queues every query while it waits."""
    if change.kind == "drop_index" and existing(change, facts) and "concurrently" not in change.flags \
            and change.table is not None:
        return f"DROP INDEX without CONCURRENTLY: takes ACCESS EXCLUSIVE on {change.table}"


@rule("constraint-not-valid", POSTGRESQL,
      'squawk "constraint-missing-not-valid", "adding-foreign-key-constraint"; strong_migrations '
      '"Adding a check constraint", "Adding a foreign key"',
      "add it with postgresql_not_valid=True (NOT VALID: new rows are checked, old ones are not read), then "
      "VALIDATE CONSTRAINT in a later revision: it reads the table under SHARE UPDATE EXCLUSIVE, which lets "
      "reads and writes through")
def constraint_not_valid(change, facts):
    """Checking every existing row happens under the ALTER's lock: writes wait for the whole scan."""
    if (change.kind == "add_constraint" and existing(change, facts) and "not_valid" not in change.flags
            and {"check", "foreign_key"} & change.flags):
        what = "CHECK" if "check" in change.flags else "FOREIGN KEY"
        lock = "ACCESS EXCLUSIVE" if what == "CHECK" else "SHARE ROW EXCLUSIVE"
        return (f"adds {what} {change.target or ''} without NOT VALID: every row of {change.table} is "
                f"checked under {lock}").replace("  ", " ")


@rule("validate-in-same-transaction", POSTGRESQL,
      'squawk "constraint-missing-not-valid" (VALIDATE in a later transaction)',
      "validate in a revision of its own, with transaction_per_migration=True (or inside autocommit_block)")
def validate_in_same_transaction(change, facts):
    """The ADD CONSTRAINT's ACCESS EXCLUSIVE lock is held until COMMIT: the VALIDATE scan runs under it."""
    if change.kind == "validate" and change.target in facts.added_in_transaction:
        return (f"validates {change.target} in the transaction that added it: the ADD's ACCESS EXCLUSIVE lock "
                f"is held for the whole scan")


@rule("set-not-null-scan", POSTGRESQL,
      'strong_migrations "Setting NOT NULL on an existing column"; squawk "adding-not-nullable-field"',
      "CHECK (column IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT in a later revision; then SET NOT NULL "
      "(PostgreSQL 12+ uses the validated check and skips the scan) and drop the check")
def set_not_null_scan(change, facts):
    """SET NOT NULL reads every row to prove there is no NULL, holding ACCESS EXCLUSIVE all along."""
    if (change.kind == "set_not_null" and existing(change, facts)
            and not facts.not_null_proven(change.table, change.target)):
        return f"SET NOT NULL reads every row of {change.table} under ACCESS EXCLUSIVE: reads and writes wait"


@rule("volatile-default", POSTGRESQL,
      'squawk "adding-field-with-default"; strong_migrations "Adding a column with a volatile default value"',
      "add the column without that default (or with a constant one), SET DEFAULT for new rows, and backfill "
      "the existing rows in batches")
def volatile_default(change, facts):
    """A volatile default is computed per row, so PostgreSQL writes a new copy of the table (any default did before 11)."""
    if change.kind == "add_column" and existing(change, facts) and "volatile" in change.flags:
        return (f"default {change.expression} is volatile: PostgreSQL rewrites {change.table} under "
                "ACCESS EXCLUSIVE to fill it row by row")


@rule("type-rewrite", POSTGRESQL, 'squawk "changing-column-type"; strong_migrations "Changing the type of a column"',
      "expand and contract: a new column of the new type, backfill in batches, switch reads, drop the old one")
def type_rewrite(change, facts):
    """ALTER COLUMN TYPE rewrites the table and rebuilds its indexes, under ACCESS EXCLUSIVE."""
    if change.kind == "alter_type" and existing(change, facts) and not widening(change):
        return f"ALTER COLUMN TYPE rewrites {change.table} and its indexes under ACCESS EXCLUSIVE"


@rule("unique-constraint", POSTGRESQL, 'squawk "disallowed-unique-constraint"; strong_migrations "Adding a unique constraint"',
      "CREATE UNIQUE INDEX CONCURRENTLY (in autocommit_block), then ADD CONSTRAINT ... UNIQUE USING INDEX")
def unique_constraint(change, facts):
    """ADD CONSTRAINT UNIQUE builds its index while holding a lock that blocks the table."""
    if change.kind == "add_constraint" and "unique" in change.flags and existing(change, facts) \
            and "using_index" not in change.flags:
        return f"adds UNIQUE {change.target or ''} by building an index under ACCESS EXCLUSIVE".replace("  ", " ")


@rule("backfill-in-transaction", POSTGRESQL, 'strong_migrations "Backfilling data"',
      "backfill in a revision of its own, in batches, each one committed: a loop inside "
      "`with op.get_context().autocommit_block():`, with transaction_per_migration=True")
def backfill_in_transaction(change, facts):
    """One long transaction: each updated row stays locked to the end, and so does any ALTER's lock before it."""
    if change.kind == "dml" and not (change.autocommit and change.in_loop):
        held = facts.altered_in_transaction.get(change.table)
        return ("rows change in one long transaction" + (f", while the lock taken at line {held} is held"
                                                         if held else "") + ": writes to those rows wait to the end")


# --- types: PostgreSQL ----------------------------------------------------------------------------
@rule("enum-type-missing", POSTGRESQL,
      "Alembic: DefaultImpl.add_column in alembic/ddl/impl.py; issue sqlalchemy/alembic#1053",
      "create the type first in upgrade(): sa.Enum(..., name='<type>').create(op.get_bind()); in downgrade(), "
      "drop the column, then the type: sa.Enum(name='<type>').drop(op.get_bind())")
def enum_type_missing(change, facts):
    """Alembic's add_column runs ALTER TABLE ... ADD COLUMN alone (``DefaultImpl.add_column``): no CREATE TYPE.

    Only create_table creates an enum type, through the table's events (``DefaultImpl.create_table``).
    So the type must exist already: created earlier in this upgrade() or by an earlier revision.
    """
    if change.kind == "add_column" and change.enums and change.enums[0] not in facts.enum_types:
        name = change.enums[0]
        safe = RULES["enum-type-missing"].safe.replace("<type>", name)
        return (f"enum type {name} is not created before this add_column, which emits no CREATE TYPE: "
                f'PostgreSQL fails with type "{name}" does not exist'), safe


def volatile_functions(sql):
    """The VOLATILE functions an SQL expression calls (``random()`` in ``1 + random()``)."""
    return sorted({name.lower() for name in re.findall(r"([A-Za-z_][A-Za-z_0-9]*)\s*\(", sql)} & VOLATILE)
