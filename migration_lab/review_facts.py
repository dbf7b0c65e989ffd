"""What a revision script does, as the reviewer's rules see it, and what it has established so far.

:mod:`migration_lab.review_script` turns each ``op.*`` call into :class:`Change` records;
:mod:`migration_lab.review_rules` judges each one against the :class:`Facts` gathered before it (a
table created earlier in the function has no rows yet; a CHECK validated by an earlier revision
lets SET NOT NULL skip its scan; an enum type created before lets add_column use it; in
``autocommit_block`` every statement commits on its own) and
returns a :class:`Finding` for each rule broken.
"""
import ast
from dataclasses import dataclass, field

# What takes a lock on an existing table that queues its traffic while waiting (CONCURRENTLY excepted).
LOCKING = {"add_column", "drop_column", "alter_type", "set_not_null", "rename_column", "rename_table",
           "add_constraint", "drop_constraint", "alter", "create_index", "drop_index"}


@dataclass(frozen=True)
class Finding:
    """One rule that an operation breaks: ``message`` says what happens, the rule says why and what to do."""

    rule: str
    message: str
    accepted: bool = False  # the script says `# review: ok <rule>` on the operation's line

    safe_way: str = ""      # what to do instead
    source: str = ""        # the rule it follows in strong_migrations, squawk, Alembic


@dataclass
class Change:
    """What one call (or one SQL statement of ``op.execute``) does to the database, read from the script."""

    kind: str                   # add_column, drop_column, create_index, add_constraint, validate, ...
    table: str = None
    target: str = None          # the column, index or constraint
    settings: dict = field(default_factory=dict)  # keyword -> ast node, as written
    flags: frozenset = frozenset()  # concurrently, not_valid, check, foreign_key, unique, not_null, volatile ...
    expression: str = ""        # a CHECK's expression, a default, a new type, the SQL
    autocommit: bool = False    # inside op.get_context().autocommit_block(): its own transaction
    in_loop: bool = False       # inside a for / while loop (a batched backfill)
    line: int = 0
    enums: tuple = ()           # PostgreSQL enum types: the one add_column uses; those create_table or CREATE TYPE make


@dataclass
class Facts:
    """What the script (and, for a script in a migrations folder, the history before it) has done so far."""

    created_tables: set = field(default_factory=set)       # in this function: no rows, no traffic yet
    added_columns: dict = field(default_factory=dict)      # table -> columns added in this function
    constraints: dict = field(default_factory=dict)        # name -> (table, expression), from the history too
    validated: set = field(default_factory=set)            # constraints known to be validated
    added_in_transaction: dict = field(default_factory=dict)  # NOT VALID constraints added in the open transaction
    altered_in_transaction: dict = field(default_factory=dict)  # table -> line of an ALTER in the open transaction
    lock_timeout: bool = False                             # SET lock_timeout here, or in env.py
    lock_timeout_said: bool = False                        # the lock-timeout finding is given once a script
    enum_types: set = field(default_factory=set)           # enum types known to exist (created here or before)

    def not_null_proven(self, table, column):
        """A validated CHECK (column IS NOT NULL): PostgreSQL 12+ then sets NOT NULL without scanning."""
        wanted = f"{column} IS NOT NULL".lower()
        return any(self.constraints.get(name, (None, ""))[0] == table
                   and _normal(self.constraints[name][1]) == wanted for name in self.validated)

    def end_transaction(self):
        self.added_in_transaction.clear()
        self.altered_in_transaction.clear()

    def end_script(self):
        """What holds only inside one function: its new tables and columns, its open transaction."""
        self.created_tables.clear()
        self.added_columns.clear()
        self.end_transaction()

    def before(self, change):
        """Alembic's autocommit_block commits the open transaction first, and each statement in it commits."""
        if change.autocommit:
            self.end_transaction()

    def record(self, change, found):
        """Update the facts once ``change`` ran (``found``: the names of the rules it broke)."""
        if "lock-timeout" in found:
            self.lock_timeout_said = True
        if change.kind == "create_table":
            self.created_tables.add(change.table)
        elif change.kind == "add_column":
            self.added_columns.setdefault(change.table, []).append(change.target)
        elif change.kind == "drop_type":
            self.enum_types.difference_update(change.enums)
        elif change.kind == "set_lock_timeout":
            self.lock_timeout = True
        elif change.kind == "add_constraint" and change.target:
            self.constraints[change.target] = (change.table, change.expression)
            if "not_valid" not in change.flags:
                self.validated.add(change.target)
            elif not change.autocommit:
                self.added_in_transaction[change.target] = change.line
        elif change.kind == "validate":
            self.validated.add(change.target)
        if change.kind in ("create_table", "create_type", "add_column"):
            self.enum_types.update(change.enums)  # an add_column's type existed, or that add_column is flagged
        if change.kind in LOCKING and not change.autocommit and "concurrently" not in change.flags:
            self.altered_in_transaction.setdefault(change.table, change.line)


def existing(change, facts):
    """The table already holds rows and serves queries (it was not created earlier in this function)."""
    return change.table not in facts.created_tables


def is_(change, key, value):
    """The operation's keyword ``key`` is written as the constant ``value`` (``nullable=False``)."""
    node = change.settings.get(key)
    return isinstance(node, ast.Constant) and node.value is value


def _normal(expression):
    return " ".join(expression.replace('"', "").replace("(", " ").replace(")", " ").split()).lower()
