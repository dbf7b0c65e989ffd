"""SQL given to ``op.execute``, read statement by statement into the reviewer's :class:`Change` records.

SQL is not Python, so here, and only here, the reading is done with regular expressions, on each
statement's leading keywords: CREATE/DROP INDEX, SET lock_timeout, DML, ALTER TABLE's actions, and
CREATE/DROP TYPE (an enum type that a later ``add_column`` uses; see ``enum-type-missing``).
"""
import re

from .review_facts import Change
from .review_rules import volatile_functions

NAME = r'"?([A-Za-z_][A-Za-z0-9_$]*)"?'
SQL_PATTERNS = [  # (kind, pattern on one statement, flags read from named groups)
    ("create_index", rf"CREATE\s+(?P<unique>UNIQUE\s+)?INDEX\s+(?P<concurrently>CONCURRENTLY\s+)?"
                     rf"(IF\s+NOT\s+EXISTS\s+)?(?:{NAME}\s+)?ON\s+(ONLY\s+)?{NAME}"),
    ("drop_index", rf"DROP\s+INDEX\s+(?P<concurrently>CONCURRENTLY\s+)?(IF\s+EXISTS\s+)?{NAME}"),
    ("set_lock_timeout", r"SET\s+(LOCAL\s+|SESSION\s+)?lock_timeout\b"),
    ("dml", rf"(UPDATE\s+(ONLY\s+)?{NAME}|DELETE\s+FROM\s+(ONLY\s+)?{NAME}|INSERT\s+INTO\s+{NAME})"),
]
CREATE_TYPE = re.compile(rf"\bCREATE\s+TYPE\s+(?:\w+\.)?{NAME}\s+AS\s+ENUM\b", re.I)
DROP_TYPE = re.compile(rf"DROP\s+TYPE\s+(?:IF\s+EXISTS\s+)?(?:\w+\.)?{NAME}", re.I)
ALTER_TABLE = re.compile(rf"ALTER\s+TABLE\s+(ONLY\s+)?(IF\s+EXISTS\s+)?{NAME}\s+(?P<action>.*)", re.I | re.S)


def sql_changes(sql, context):
    """The changes of each statement of ``sql`` (statements split on ``;``)."""
    changes = []
    for statement in (s.strip() for s in re.sub(r"--[^\n]*", "", sql).split(";")):
        if statement:
            changes.append(_sql_change(statement, context))
    return changes


def _sql_change(statement, context):
    def names(match):
        return [g for g in match.groups() if g and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", g)]

    if match := CREATE_TYPE.search(statement) or DROP_TYPE.match(statement):  # search: also inside a DO block
        kind = "create_type" if match.re is CREATE_TYPE else "drop_type"
        return Change(kind, target=match.group(1), enums=(match.group(1),), expression=statement, **context)

    for kind, pattern in SQL_PATTERNS:
        match = re.match(pattern, statement, re.I | re.S)
        if match:
            found = names(match)
            flags = {k for k in ("unique", "concurrently") if match.groupdict().get(k)}
            table = found[-1] if kind in ("create_index", "dml") and found else None
            target = found[0] if kind in ("create_index", "drop_index") and len(found) > (kind == "create_index") else None
            return Change(kind, table, target, flags=frozenset(flags), expression=statement, **context)
    match = ALTER_TABLE.match(statement)
    if match:
        return _alter_table(match.group(3), match.group("action"), statement, context)
    return Change("sql", expression=statement, **context)


def _alter_table(table, action, statement, context):
    """One ALTER TABLE action: ADD CONSTRAINT, VALIDATE, SET NOT NULL, TYPE, ADD/DROP/RENAME COLUMN."""
    def search(pattern):  # an action starts the text after the table name
        return re.match(pattern, action, re.I | re.S)

    if match := search(rf"ADD\s+CONSTRAINT\s+{NAME}\s+(CHECK|FOREIGN\s+KEY|UNIQUE|PRIMARY\s+KEY)\s*(.*)"):
        kind = match.group(2).split()[0].lower().replace("primary", "primary_key").replace("foreign", "foreign_key")
        flags = {kind} | ({"not_valid"} if re.search(r"\bNOT\s+VALID\b", action, re.I) else set()) \
            | ({"using_index"} if re.search(r"\bUSING\s+INDEX\b", action, re.I) else set())
        expression = re.sub(r"\s+NOT\s+VALID\s*$", "", match.group(3), flags=re.I).strip()
        if kind == "check":
            expression = expression[1:-1] if expression.startswith("(") and expression.endswith(")") else expression
        return Change("add_constraint", table, match.group(1), flags=frozenset(flags), expression=expression, **context)
    if match := search(rf"VALIDATE\s+CONSTRAINT\s+{NAME}"):
        return Change("validate", table, match.group(1), expression=statement, **context)
    if match := search(rf"ALTER\s+(COLUMN\s+)?{NAME}\s+SET\s+NOT\s+NULL"):
        return Change("set_not_null", table, match.group(2), expression=statement, **context)
    if match := search(rf"ALTER\s+(COLUMN\s+)?{NAME}\s+(SET\s+DATA\s+)?TYPE\s+(.*)"):
        return Change("alter_type", table, match.group(2), expression=match.group(4).strip(), **context)
    if match := search(rf"ADD\s+(COLUMN\s+)?(IF\s+NOT\s+EXISTS\s+)?{NAME}\s+(.*)"):
        default = re.search(r"\bDEFAULT\s+(.*)", action, re.I | re.S)
        volatile = default and volatile_functions(default.group(1))
        return Change("add_column", table, match.group(3), flags=frozenset({"volatile"} if volatile else ()),
                      expression=default.group(1).strip() if default else "", **context)
    if match := search(rf"DROP\s+(COLUMN\s+)?(IF\s+EXISTS\s+)?{NAME}"):
        if match.group(3).upper() != "CONSTRAINT":
            return Change("drop_column", table, match.group(3), expression=statement, **context)
        return Change("drop_constraint", table, expression=statement, **context)
    if match := search(rf"RENAME\s+(COLUMN\s+)?{NAME}\s+TO\s+{NAME}"):
        if match.group(2).upper() != "CONSTRAINT":
            return Change("rename_column", table, match.group(2), expression=match.group(3), **context)
    if search(r"^RENAME\s+TO\b"):
        return Change("rename_table", table, expression=statement, **context)
    return Change("alter", table, expression=statement, **context)
