"""Read a revision script as text (never imported, never run): its ``op.*`` calls in order, and what each does.

:mod:`migration_lab.review` shows the calls; :mod:`migration_lab.review_rules` judges what they do.
Where a call sits matters as much as what it is: inside ``op.get_context().autocommit_block()`` each
statement commits on its own, inside a loop it is one batch of many, inside ``batch_alter_table``
its table is the block's. SQL given to ``op.execute`` is read by :mod:`migration_lab.review_sql`; an enum
type's ``.create(op.get_bind())`` / ``.drop(...)`` is a call of its own (``create_type``, ``drop_type``).
"""
import ast
from dataclasses import dataclass, field

from .review_enums import assigned_enums, column_type, enum_type, type_call
from .review_facts import Change
from .review_rules import VOLATILE, volatile_functions
from .review_sql import sql_changes

# Calls on op / batch_op that are not operations: a context, a name marker, helpers.
NOT_OPERATIONS = {"batch_alter_table", "f", "get_bind", "get_context", "inline_literal", "implementation_for"}

# Operations whose first positional argument is the table (op.*), or that batch_op.* applies to its table.
TABLE_FIRST = {"add_column", "drop_column", "alter_column", "create_table", "drop_table", "rename_table",
               "create_table_comment", "drop_table_comment"}
# op.<name>(constraint_name, table, ...): the table is the second argument (batch_op.* has no table argument).
TABLE_SECOND = {"create_index", "create_check_constraint", "create_foreign_key", "create_unique_constraint",
                "create_primary_key", "drop_constraint"}
CONSTRAINTS = {"create_check_constraint": "check", "create_foreign_key": "foreign_key",
               "create_unique_constraint": "unique", "create_primary_key": "primary_key"}
TARGET_KEYWORDS = ("column_name", "index_name", "constraint_name")  # the target, when named by keyword


@dataclass
class Call:
    """One ``op.*`` / ``batch_op.*`` call as written, and the changes it makes."""

    line: int
    end_line: int
    name: str
    table: str = None
    target: str = None
    details: str = ""
    changes: list = field(default_factory=list)


@dataclass
class Place:
    """Where a statement sits: the batch_op aliases in scope, an autocommit block, a loop; the enum types named."""

    batch_tables: dict = field(default_factory=dict)
    autocommit: bool = False
    in_loop: bool = False
    enums: dict = field(default_factory=dict)  # local name -> enum type expression, for the whole function

    def context(self, line):
        """What every Change of a call made here carries: where it runs, and its line."""
        return dict(autocommit=self.autocommit, in_loop=self.in_loop, line=line)


def read_calls(function):
    """Every operation call of ``function`` (an ast.FunctionDef), in the order the script makes them."""
    return list(_calls(function.body, Place()))


def _calls(statements, place):
    for statement in statements:
        if isinstance(statement, ast.With):
            inner = Place(dict(place.batch_tables), place.autocommit, place.in_loop, place.enums)
            for item in statement.items:
                call = item.context_expr
                if _is_batch(call) and isinstance(item.optional_vars, ast.Name):
                    inner.batch_tables[item.optional_vars.id] = (_text(call.args[0]) if call.args
                                                                 else _keyword(call, "table_name"))
                elif isinstance(call, ast.Call) and getattr(call.func, "attr", None) == "autocommit_block":
                    inner.autocommit = True
            yield from _calls(statement.body, inner)
        elif isinstance(statement, (ast.For, ast.While)):
            yield from _calls(statement.body, Place(place.batch_tables, place.autocommit, True, place.enums))
            yield from _calls(statement.orelse, place)
        elif isinstance(statement, (ast.If, ast.Try)):
            for block in ("body", "orelse", "finalbody"):
                yield from _calls(getattr(statement, block, []), place)
            for handler in getattr(statement, "handlers", []):
                yield from _calls(handler.body, place)
        else:
            for node in ast.walk(statement):
                name = _op_name(node, place.batch_tables)
                if name:
                    yield _describe(node, name, place)
                elif typed := type_call(node, place.enums):
                    kind, name = typed
                    yield Call(node.lineno, node.end_lineno, kind, target=name,
                               changes=[Change(kind, target=name, enums=(name,), **place.context(node.lineno))])
            assigned_enums(statement, place.enums)


def _op_name(node, batch_tables):
    """``add_column`` for ``op.add_column(...)`` or ``batch_op.add_column(...)``, else None."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id == "op" or node.func.value.id in batch_tables)):
        return node.func.attr if node.func.attr not in NOT_OPERATIONS else None
    return None


def _describe(call, name, place):
    """The Call: table, target and settings read from the arguments, and the changes it makes."""
    args = list(call.args)
    batch_table = place.batch_tables.get(call.func.value.id)
    table = batch_table
    if table is None and name in TABLE_FIRST and args:
        table = _text(args.pop(0))
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
        if table is None and name in TABLE_SECOND and details:
            table = details.pop(0)
    keyword = next((k for k in TARGET_KEYWORDS if k in settings), None) if target is None else None
    target = _text(settings.pop(keyword)) if keyword else target
    table = table or _keyword(call, "table_name")
    details += [f"{key}={ast.unparse(value)}" for key, value in settings.items()]
    described = Call(call.lineno, call.end_lineno, name, table, target, ", ".join(details))
    described.changes = _changes(call, described, settings, place.context(call.lineno), place.enums)
    return described


def _changes(call, described, settings, context, enums):
    """What the call does to the database, as Change records for the rules (``enums``: local enum names)."""
    name, table, target = described.name, described.table, described.target
    flags = {"concurrently"} if _true(settings.get("postgresql_concurrently")) else set()

    def change(kind, **more):
        return Change(kind, table, target, settings, frozenset(flags | more.pop("flags", set())), **more, **context)

    if name == "execute":
        sql = _sql_text(call.args[0]) if call.args else None
        return sql_changes(sql, context) if sql is not None else [change("sql")]
    if name == "alter_column":
        changes = []
        if _constant(settings.get("nullable")) is False:
            changes.append(change("set_not_null"))
        if "new_column_name" in settings:
            changes.append(change("rename_column", expression=_text(settings["new_column_name"])))
        if "type_" in settings:
            changes.append(change("alter_type", expression=ast.unparse(settings["type_"])))
        return changes or [change("alter")]
    if name == "add_column":
        default = settings.get("server_default")
        volatile = _volatile(default)
        column = next((a for a in call.args if _is_column(a)), None)
        used = enum_type(column_type(column), enums) if column is not None else None
        return [change("add_column", flags={"volatile"} if volatile else set(),
                       expression=ast.unparse(default) if default is not None else "", enums=used[:1] if used else ())]
    if name == "create_table":  # the table's events CREATE TYPE for its enum columns (create_type=False excepted)
        made = [enum_type(column_type(c), enums) for c in call.args if _is_column(c)]
        return [change("create_table", enums=tuple(m[0] for m in made if m and m[1]))]
    if name in CONSTRAINTS:
        kind = CONSTRAINTS[name]
        not_valid = {"not_valid"} if _true(settings.get("postgresql_not_valid")) else set()
        expression = _text(call.args[-1]) if kind == "check" and call.args else ""
        return [change("add_constraint", flags={kind} | not_valid, expression=expression)]
    simple = {"drop_table": "drop_table", "drop_column": "drop_column",
              "rename_table": "rename_table", "create_index": "create_index", "drop_index": "drop_index",
              "drop_constraint": "drop_constraint", "bulk_insert": "dml"}
    return [change(simple.get(name, "other"))]


def function_node(module, name):
    """The top-level function ``name`` of a parsed module (None: no module, or no such function)."""
    if module is None:
        return None
    return next((n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == name), None)


# --- reading values as written -----------------------------------------------------------------------------
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


def _constant(node):
    return node.value if isinstance(node, ast.Constant) else None


def _true(node):
    return _constant(node) is True


def _sql_text(node):
    """The SQL of ``"..."``, ``sa.text("...")``, ``sa.text(...).bindparams(...)`` or an f-string; else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "?" for v in node.values)
    if isinstance(node, ast.Call):
        if _dotted(node.func) in ("sa.text", "text", "sqlalchemy.text") and node.args:
            return _sql_text(node.args[0])
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call):
            return _sql_text(node.func.value)  # sa.text(...).bindparams(...)
    return None


def _volatile(default):
    """Whether a server_default calls a VOLATILE function: ``sa.text("random()")``, ``sa.func.random()``."""
    if isinstance(default, ast.Call) and _dotted(default.func).split(".")[-2:-1] == ["func"]:
        return default.func.attr.lower() in VOLATILE
    sql = _sql_text(default) if isinstance(default, ast.Call) else None
    return bool(sql and volatile_functions(sql))
