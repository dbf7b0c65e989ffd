"""The reviewer's rules: which operation of a revision script hurts, why, and the safe way.

Each rule is a function over one :class:`Change` (what one ``op.*`` call, or one SQL statement of
``op.execute``, does) and the :class:`Facts` the script established before it. Its docstring says
why the operation hurts; ``safe`` says what to do instead; ``source`` names the rule it follows in
strong_migrations (README, "Checks") or squawk (squawkhq.com/docs/<rule>), so a team can read the
original. Data rules hold on every engine. Lock rules hold on PostgreSQL only; they assume
PostgreSQL 11 or later (pgserver runs 16), where adding a column with a *non-volatile* default is
metadata-only. ``now()`` is STABLE, not volatile (``pg_proc.provolatile = 's'``): it is computed
once per statement, so ``DEFAULT now()`` does not rewrite the table.
"""
import ast
import re
from dataclasses import dataclass

from .review_facts import LOCKING, Finding, existing, is_

ANY, POSTGRESQL = "any", "postgresql"
ENGINES = (ANY, POSTGRESQL)

# Functions PostgreSQL marks VOLATILE (pg_proc.provolatile = 'v'): a default calling one is computed per row.
VOLATILE = {"random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
            "clock_timestamp", "timeofday", "nextval", "setseed"}
TEXT_TYPES = {"String", "VARCHAR", "Unicode", "NVARCHAR", "Text", "TEXT", "UnicodeText"}
UNBOUNDED_TEXT = {"Text", "TEXT", "UnicodeText"}


@dataclass(frozen=True)
class Rule:
    name: str
    engine: str
    source: str
    safe: str
    check: object


RULES = {}


def rule(name, engine, source, safe):
    """Register a check function as the rule ``name``; it returns the message (or (message, safe way)), or None."""
    def register(check):
        RULES[name] = Rule(name, engine, source, " ".join(safe.split()), check)
        return check
    return register


def findings(change, facts, engine):
    """The Findings of ``change`` on ``engine`` (None: the rules of every engine), in rule order."""
    engines = (ANY,) if engine in (None, ANY) else (ANY, engine)
    found = []
    for name, r in RULES.items():
        said = r.check(change, facts) if r.engine in engines else None
        if said:
            message, safe = said if isinstance(said, tuple) else (said, r.safe)
            found.append(Finding(name, message, safe_way=safe, source=r.source))
    return found


# --- data: every engine ---------------------------------------------------------------------------
@rule("drop-table", ANY, 'squawk "ban-drop-table"',
      "keep the table until no release reads or writes it, back it up, then drop it in a later release")
def drop_table(change, facts):
    """Every row goes with the table, and any release that still queries it fails."""
    if change.kind == "drop_table":
        return f"drops table {change.table}: every row in it is deleted"


@rule("drop-column", ANY, 'squawk "ban-drop-column"; strong_migrations "Removing a column"',
      "remove the column from the model first and deploy that release (no running code reads it), back up, "
      "then drop it in a later migration")
def drop_column(change, facts):
    """The values are gone, and the release still running selects the column by name: its queries fail.

    Autogenerate cannot see a rename: it writes it as add_column + drop_column (Alembic's documentation,
    "What does Autogenerate Detect"). With a column added to the same table, the safe way says so.
    """
    if change.kind == "drop_column":
        message = f"drops column {change.table}.{change.target}: every value in it is deleted"
        added = facts.added_columns.get(change.table)
        if added:
            return message, (f"if {' or '.join(added)} replaces {change.target}, this is a rename written as drop + "
                             f"add (autogenerate cannot see renames): write alter_column('{change.target}', "
                             f"new_column_name='{added[-1]}') by hand, or expand and contract on a live database; "
                             "otherwise: " + RULES["drop-column"].safe)
        return message


@rule("add-required-column", ANY, 'squawk "adding-required-field"',
      "give it a server_default (on PostgreSQL 11+ a constant default costs no rewrite), or add it nullable, "
      "backfill, then make it NOT NULL")
def add_required_column(change, facts):
    """Existing rows have no value for the new column, so NOT NULL fails as soon as the table has rows."""
    if (change.kind == "add_column" and existing(change, facts) and is_(change, "nullable", False)
            and ("server_default" not in change.settings or is_(change, "server_default", None))):
        return "NOT NULL without server_default: fails on a table that already has rows"


@rule("not-null-existing-rows", ANY,
      'squawk "adding-not-nullable-field"; strong_migrations "Setting NOT NULL on an existing column"',
      "backfill the rows that hold NULL first (in batches), then set NOT NULL")
def not_null_existing_rows(change, facts):
    """One NULL in an existing row and the ALTER fails (and on SQLite the batch copy fails half-way)."""
    if (change.kind == "set_not_null" and not is_(change, "existing_nullable", False)
            and not facts.not_null_proven(change.table, change.target)):
        return "becomes NOT NULL: fails if an existing row holds NULL (backfill those rows first)"


@rule("rename-column", ANY, 'squawk "renaming-column"; strong_migrations "Renaming a column"',
      "expand and contract: add the new column, write both, backfill, move reads to it, stop writing the old "
      "one, drop it in a later release")
def rename_column(change, facts):
    """The release still running asks for the old name the moment the migration commits."""
    if change.kind == "rename_column":
        return (f"renames {change.table}.{change.target} to {change.expression}: "
                "code and queries using the old name break")


@rule("type-change", ANY, 'squawk "changing-column-type"; strong_migrations "Changing the type of a column"',
      "test on a copy of production's rows; to change it without downtime, expand and contract (a new "
      "column, backfill, switch, drop the old one)")
def type_change(change, facts):
    """Every value is converted: SQLite's batch copy CASTs silently, PostgreSQL refuses the first bad one."""
    if change.kind == "alter_type" and not _widening(change):
        old = ast.unparse(change.settings["existing_type"]) if "existing_type" in change.settings else "?"
        return (f"changes type {old} -> {change.expression}: on SQLite the batch copy CASTs every value "
                "without an error; PostgreSQL converts each value or refuses the ALTER")


@rule("rename-table", ANY, 'squawk "renaming-table"; strong_migrations "Renaming a table"',
      "create the new table, write both, backfill, move reads, stop writing the old one, drop it later")
def rename_table(change, facts):
    """Every query of the running release names the old table."""
    if change.kind == "rename_table":
        return f"renames table {change.table}: code and queries using the old name break"


@rule("raw-sql", ANY, 'strong_migrations "Executing SQL directly"',
      "read it as a reviewer: which rows it touches, how many, and whether it can run twice")
def raw_sql(change, facts):
    """A reviewer cannot tell from the operation's name what hand-written SQL does to the rows."""
    if change.kind in ("dml", "sql"):
        return "hand-written SQL: read what it does to existing rows"


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
    if change.kind == "alter_type" and existing(change, facts) and not _widening(change):
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


def _widening(change):
    """varchar(n) -> varchar(m >= n), or -> text: PostgreSQL changes the catalog only, no value changes."""
    old, new = _type(change.settings.get("existing_type")), _type(change.settings.get("type_"))
    if not old or not new or old[0] not in TEXT_TYPES or new[0] not in TEXT_TYPES:
        return False
    return new[0] in UNBOUNDED_TEXT or new[1] is None or (old[1] is not None and new[1] >= old[1])


def _type(node):
    """(name, length) of ``sa.String(length=20)``, ``sa.VARCHAR(20)``, ``sa.Text()``; None when unreadable."""
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        length = next((k.value for k in node.keywords if k.arg == "length"), node.args[0] if node.args else None)
        return name, length.value if isinstance(length, ast.Constant) and isinstance(length.value, int) else None
    return None


def volatile_functions(sql):
    """The VOLATILE functions an SQL expression calls (``random()`` in ``1 + random()``)."""
    return sorted({name.lower() for name in re.findall(r"([A-Za-z_][A-Za-z_0-9]*)\s*\(", sql)} & VOLATILE)
