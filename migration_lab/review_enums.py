"""Which PostgreSQL enum type a column's type, as written in a script, needs: read from the text, never run.

On PostgreSQL, ``sa.Enum`` and ``postgresql.ENUM`` are a type of their own, made by ``CREATE TYPE``;
``native_enum=False`` makes a VARCHAR instead (SQLAlchemy's ``Enum``, ``native_enum``). The type's
name is ``name=``, or, for ``sa.Enum(SomePythonEnum)``, the class name lowercased
(``Enum._enum_init`` in ``sqlalchemy/sql/sqltypes.py``). A type is also found through a local name
(``quality = sa.Enum(...)``), and ``.create(...)`` / ``.drop(...)`` on one is a type created or dropped.
"""
import ast


def enum_type(node, names=None):
    """(type name, created with a table) of a native enum type expression, or None.

    ``names`` maps local names to the expressions assigned to them. The second value is False for
    ``postgresql.ENUM(..., create_type=False)``, which ``create_table`` does not create.
    """
    if isinstance(node, ast.Name) and names and node.id in names:
        return enum_type(names[node.id])
    if not (isinstance(node, ast.Call) and _is_enum(_dotted(node.func))):
        return None
    keywords = {k.arg: k.value for k in node.keywords if k.arg}
    if _constant(keywords.get("native_enum")) is False:
        return None
    name = _constant(keywords.get("name"))
    if name is None and node.args and isinstance(node.args[0], (ast.Name, ast.Attribute)):
        name = _dotted(node.args[0]).split(".")[-1].lower()  # sa.Enum(Priority): the class name, lowercased
    if not isinstance(name, str):
        return None  # no name: PostgreSQL cannot have this type at all (SQLAlchemy refuses to compile it)
    return name, _constant(keywords.get("create_type")) is not False


def type_call(node, names):
    """("create_type" or "drop_type", type name) for ``<enum>.create(bind, ...)`` / ``<enum>.drop(...)``, else None."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("create", "drop")):
        found = enum_type(node.func.value, names)
        if found:
            return f"{node.func.attr}_type", found[0]
    return None


def column_type(column):
    """The type argument of ``sa.Column('name', <type>, ...)`` (or its ``type_=``), or None."""
    if len(column.args) > 1:
        return column.args[1]
    return next((k.value for k in column.keywords if k.arg == "type_"), None)


def assigned_enums(statement, names):
    """Remember ``x = sa.Enum(...)`` in ``names`` (a later ``x.create(...)`` or ``sa.Column('c', x)`` reads it)."""
    if isinstance(statement, ast.Assign):
        for target in statement.targets:
            if isinstance(target, ast.Name):
                if enum_type(statement.value, names):
                    names[target.id] = names.get(statement.value.id) if isinstance(statement.value, ast.Name) \
                        else statement.value
                else:
                    names.pop(target.id, None)


def _is_enum(dotted):
    """sa.Enum, sqlalchemy.Enum, Enum, db.Enum; postgresql.ENUM (MySQL's ENUM is inline, no type of its own)."""
    parts = dotted.split(".")
    return parts[-1] == "Enum" or (parts[-1] == "ENUM" and (len(parts) == 1 or parts[-2] == "postgresql"))


def _dotted(node):
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _constant(node):
    return node.value if isinstance(node, ast.Constant) else None
