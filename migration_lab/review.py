"""Read a revision script as a reviewer does: every operation it runs, and the ones that can hurt.

The script is parsed as text (never imported or run): ``review_migration(path)`` lists the ``op.*`` and
``batch_op.*`` calls of ``upgrade()`` (or ``downgrade()``) in order, each with its table, its
target and its settings as written, and flags what can lose data or fail on a table with rows.
"""
import ast
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import LabError

# Calls on op / batch_op that are not operations: a context, a name marker, helpers.
NOT_OPERATIONS = {"batch_alter_table", "f", "get_bind", "get_context", "inline_literal", "implementation_for"}

# Operations whose first positional argument is the table (op.*), or that batch_op.* applies to its table.
TABLE_FIRST = {"add_column", "drop_column", "alter_column", "create_table", "drop_table", "rename_table",
               "create_table_comment", "drop_table_comment"}


@dataclass(frozen=True)
class Operation:
    """One call in the script: ``batch_op.add_column(sa.Column('progress', ...))`` and what it risks."""

    line: int
    name: str           # add_column, drop_table, execute, ...
    table: str = None
    target: str = None  # the column, index or constraint it acts on
    details: str = ""   # the rest, as written in the script
    risks: tuple = ()

    @property
    def where(self):
        return ".".join(p for p in (self.table, self.target) if p) or "-"

    def text(self, width=0):
        lines = [f"line {self.line:<4} {self.name:<13} {self.where:<{width}}  {self.details}".rstrip()]
        lines += [f"          ! {risk}" for risk in self.risks]
        return "\n".join(lines)


@dataclass(frozen=True)
class Review:
    """The operations of one function of a revision script."""

    script: str
    function: str
    operations: tuple

    @property
    def flagged(self):
        return tuple(op for op in self.operations if op.risks)

    def text(self):
        head = (f"{self.function}() of {self.script}: {len(self.operations)} operation(s), "
                f"{len(self.flagged)} flagged")
        width = max((len(op.where) for op in self.operations), default=0)
        return "\n".join([head] + [op.text(width) for op in self.operations])

    __str__ = text

    def __repr__(self):
        return self.text()


def review_migration(script, function="upgrade"):
    """Review ``upgrade()`` (or ``downgrade()``) of a revision script.

    ``script`` is a path, an Alembic Script, or the text of a script (text has line breaks; a path has none).
    """
    if isinstance(script, str) and "\n" in script:
        return _review_source(script, function, "<script>")
    path = Path(getattr(script, "path", script))
    if not path.is_file():
        raise LabError(f"no migration script at {path.name}: generate one first with `flask db migrate` (notebook 04)")
    return _review_source(path.read_text(encoding="utf-8"), function, path.name)


def _review_source(source, function, name):
    try:
        module = ast.parse(source)
    except SyntaxError as error:
        raise LabError(f"{name} is not valid Python (line {error.lineno}: {error.msg}): "
                       "fix the edit, or regenerate the script") from None
    body = next((node for node in module.body
                 if isinstance(node, ast.FunctionDef) and node.name == function), None)
    if body is None:
        raise LabError(f"{name} has no {function}() function: is it a revision script?")
    return Review(name, function, tuple(_operations(body.body, {})))


def _operations(statements, batch_tables):
    """The op.* / batch_op.* calls of ``statements``, in order; ``batch_tables`` maps alias -> table."""
    for statement in statements:
        if isinstance(statement, ast.With):
            aliases = dict(batch_tables)
            for item in statement.items:
                call = item.context_expr
                if _is_batch(call) and isinstance(item.optional_vars, ast.Name):
                    aliases[item.optional_vars.id] = _text(call.args[0]) if call.args else _keyword(call, "table_name")
            yield from _operations(statement.body, aliases)
            continue
        for node in ast.walk(statement):
            name = _op_name(node, batch_tables)
            if name:
                yield _describe(node, name, batch_tables.get(node.func.value.id))


def _op_name(node, batch_tables):
    """``add_column`` for ``op.add_column(...)`` or ``batch_op.add_column(...)``, else None."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id == "op" or node.func.value.id in batch_tables)):
        return node.func.attr if node.func.attr not in NOT_OPERATIONS else None
    return None


def _describe(call, name, batch_table):
    """The Operation for one call: table, target and settings read from its arguments."""
    args = list(call.args)
    table = batch_table
    if table is None and name in TABLE_FIRST and args:
        table = _text(args.pop(0))
    table = table or _keyword(call, "table_name")
    settings = {k.arg: k.value for k in call.keywords if k.arg and k.arg != "table_name"}
    target, details = None, [_text(a) for a in args]
    if name == "create_table":
        details = ["columns: " + ", ".join(_text(c.args[0]) for c in args if _is_column(c) and c.args)]
    elif name == "rename_table":
        details = [f"-> {d}" for d in details]
    elif args and _is_column(args[0]):  # add_column(sa.Column('progress', sa.Integer(), nullable=True))
        column = args[0]
        target = _text(column.args[0]) if column.args else None
        settings = {k.arg: k.value for k in column.keywords if k.arg}
        details = [ast.unparse(a) for a in column.args[1:]]
    elif args and name != "execute":
        target = details.pop(0)
    details += [f"{key}={ast.unparse(value)}" for key, value in settings.items()]
    operation = Operation(call.lineno, name, table, target, ", ".join(details))
    return replace(operation, risks=tuple(_risks(operation, settings)))


def _risks(operation, settings):
    """What a reviewer must stop at: lost data, a NOT NULL that existing rows cannot meet, a rename."""
    name, table, where = operation.name, operation.table, operation.where

    def is_(key, value):
        node = settings.get(key)
        return isinstance(node, ast.Constant) and node.value is value

    if name == "drop_column":
        yield f"drops column {where}: every value in it is deleted"
    if name == "drop_table":
        yield f"drops table {table}: every row in it is deleted"
    if name == "add_column" and is_("nullable", False) and ("server_default" not in settings
                                                           or is_("server_default", None)):
        yield "NOT NULL without server_default: fails on a table that already has rows"
    if name == "alter_column":
        if is_("nullable", False) and not is_("existing_nullable", False):
            yield "becomes NOT NULL: fails if an existing row holds NULL (backfill those rows first)"
        if "new_column_name" in settings:
            yield (f"renames {where} to {_text(settings['new_column_name'])}: "
                   "code and queries using the old name break")
        if "type_" in settings:
            old = ast.unparse(settings["existing_type"]) if "existing_type" in settings else "?"
            yield (f"changes type {old} -> {ast.unparse(settings['type_'])}: on SQLite the batch copy CASTs every "
                   "value without an error; PostgreSQL converts each value or refuses the ALTER")
    if name == "rename_table":
        yield f"renames table {table}: code and queries using the old name break"
    if name == "execute":
        yield "hand-written SQL: read what it does to existing rows"


def _is_batch(node):
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "batch_alter_table" and _dotted(node.func.value) == "op")


def _is_column(node):
    return isinstance(node, ast.Call) and _dotted(node.func) in ("sa.Column", "Column", "sqlalchemy.Column")


def _dotted(node):
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _keyword(call, name):
    value = next((k.value for k in call.keywords if k.arg == name), None)
    return None if value is None else _text(value)


def _text(node):
    """A name as its value (``op.f('ix_a')`` as ``ix_a``), anything else as written."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "f" and node.args:
        node = node.args[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ast.unparse(node)
