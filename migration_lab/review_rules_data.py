"""The data rules: what loses rows or values, or breaks the running release, on every engine.

Each rule is registered with :func:`migration_lab.review_registry.rule`; :mod:`migration_lab.review_rules`
says what a rule is made of.
"""
import ast

from .review_facts import existing, is_
from .review_registry import ANY, RULES, rule

TEXT_TYPES = {"String", "VARCHAR", "Unicode", "NVARCHAR", "Text", "TEXT", "UnicodeText"}
UNBOUNDED_TEXT = {"Text", "TEXT", "UnicodeText"}


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
    if change.kind == "alter_type" and not widening(change):
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


def widening(change):
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
