"""A database's schema read from the database itself: as text, as HTML, and the difference between two.

:func:`read_schema` takes an open connection (:mod:`migration_lab.database` opens them);
:func:`schema_from_models` reads what the models describe, which is what autogenerate compares.
"""
import html
from dataclasses import dataclass, field

from sqlalchemy import CheckConstraint, inspect

from .render import text_table

BOOKKEEPING = "alembic_version"  # Alembic's own table: which revision the database is at


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    default: str = None
    primary_key: bool = False

    def describe(self):
        """``INTEGER NULL default '0'``: what a reviewer checks in a column."""
        parts = [self.type, "NULL" if self.nullable else "NOT NULL"]
        if self.default is not None:
            parts.append(f"default {self.default}")
        if self.primary_key:
            parts.append("PK")
        return " ".join(parts)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple
    indexes: tuple = ()
    foreign_keys: tuple = ()
    checks: tuple = ()   # "name: SQL" of each CHECK constraint (an Enum's create_constraint=True is one)

    def column(self, name):
        return next((c for c in self.columns if c.name == name), None)

    @property
    def column_names(self):
        return [c.name for c in self.columns]


HEADERS = ("column", "type", "null", "default", "key")


def _cells(column):
    return (column.name, column.type, "yes" if column.nullable else "no",
            "" if column.default is None else column.default, "PK" if column.primary_key else "")


@dataclass(frozen=True)
class Schema:
    """Every table of a database, by name."""

    tables: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return self.tables[name]

    def __contains__(self, name):
        return name in self.tables

    def app_tables(self):
        """The same schema without Alembic's bookkeeping table ``alembic_version``."""
        return Schema({name: table for name, table in self.tables.items() if name != BOOKKEEPING})

    def text(self):
        if not self.tables:
            return "(no tables)"
        blocks = []
        for table in self.tables.values():
            lines = [f"table {table.name}", text_table([HEADERS] + [_cells(c) for c in table.columns], indent="  ")]
            lines += [f"  index {index}" for index in table.indexes]
            lines += [f"  foreign key {fk}" for fk in table.foreign_keys]
            lines += [f"  check {check}" for check in table.checks]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

    __str__ = text

    def __repr__(self):
        return self.text()

    def _repr_html_(self):
        parts = []
        for table in self.tables.values():
            head = "".join(f"<th>{h}</th>" for h in HEADERS)
            body = "".join(
                "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in _cells(c)) + "</tr>"
                for c in table.columns
            )
            extra = "".join(f"<li>index {html.escape(i)}</li>" for i in table.indexes)
            extra += "".join(f"<li>foreign key {html.escape(f)}</li>" for f in table.foreign_keys)
            extra += "".join(f"<li>check {html.escape(c)}</li>" for c in table.checks)
            parts.append(f"<p><b>table {html.escape(table.name)}</b></p>"
                         f"<table><tr>{head}</tr>{body}</table>" + (f"<ul>{extra}</ul>" if extra else ""))
        return "".join(parts) or "<p>(no tables)</p>"


def _index_text(index):
    unique = "UNIQUE " if index.get("unique") else ""
    return f"{unique}{index['name']} ({', '.join(str(c) for c in index['column_names'])})"


def _fk_text(fk):
    return (f"({', '.join(fk['constrained_columns'])}) -> "
            f"{fk['referred_table']}({', '.join(fk['referred_columns'])})")


def _type_text(type_):
    """A reflected column type as text; a PostgreSQL enum with its name and values (not the VARCHAR it compiles to)."""
    if getattr(type_, "enums", None) and getattr(type_, "name", None):
        return f"ENUM {type_.name} ({', '.join(type_.enums)})"
    return str(type_)


def _check_text(name, sql):
    return f"{name or '(unnamed)'}: {sql}"


def read_schema(connection):
    """Every table of the database behind ``connection``, as the database itself reports it."""
    inspector = inspect(connection)
    tables = {}
    for name in sorted(inspector.get_table_names()):
        primary = set(inspector.get_pk_constraint(name).get("constrained_columns") or ())
        columns = tuple(
            Column(c["name"], _type_text(c["type"]), bool(c["nullable"]),
                   None if c.get("default") is None else str(c["default"]), c["name"] in primary)
            for c in inspector.get_columns(name)
        )
        indexes = tuple(sorted(_index_text(i) for i in inspector.get_indexes(name)))
        fks = tuple(sorted(_fk_text(f) for f in inspector.get_foreign_keys(name)))
        checks = tuple(sorted(_check_text(c["name"], c["sqltext"]) for c in inspector.get_check_constraints(name)))
        tables[name] = Table(name, columns, indexes, fks, checks)
    return Schema(tables)


def _server_default(column):
    """A model's server default as the database will report it: a string is a quoted SQL literal."""
    if column.server_default is None:
        return None
    arg = column.server_default.arg
    return "'" + arg.replace("'", "''") + "'" if isinstance(arg, str) else str(getattr(arg, "text", arg))


def schema_from_models(metadata, dialect):
    """The schema that SQLAlchemy models describe (what autogenerate compares the database with)."""
    sql = dialect.ddl_compiler(dialect, None).sql_compiler  # CHECK text as CREATE TABLE writes it
    tables = {}
    for name in sorted(metadata.tables):
        table = metadata.tables[name]
        columns = tuple(
            Column(c.name, c.type.compile(dialect=dialect), bool(c.nullable), _server_default(c), c.primary_key)
            for c in table.columns
        )
        indexes = tuple(sorted(
            f"{'UNIQUE ' if i.unique else ''}{i.name} ({', '.join(c.name for c in i.columns)})"
            for i in table.indexes
        ))
        checks = tuple(sorted(
            _check_text(c.name, sql.process(c.sqltext, include_table=False, literal_binds=True))
            for c in table.constraints if isinstance(c, CheckConstraint)
        ))
        tables[name] = Table(name, columns, indexes, checks=checks)
    return Schema(tables)


@dataclass(frozen=True)
class SchemaDiff:
    """What changed between two snapshots; empty when nothing did."""

    added_tables: tuple = ()
    removed_tables: tuple = ()
    added_columns: tuple = ()      # (table, Column)
    removed_columns: tuple = ()    # (table, Column)
    changed_columns: tuple = ()    # (table, column name, before text, after text)
    added_indexes: tuple = ()      # (table, index text)
    removed_indexes: tuple = ()
    added_checks: tuple = ()       # (table, "name: SQL")
    removed_checks: tuple = ()

    def __bool__(self):
        return any((self.added_tables, self.removed_tables, self.added_columns, self.removed_columns,
                    self.changed_columns, self.added_indexes, self.removed_indexes, self.added_checks,
                    self.removed_checks))

    def lines(self):
        out = [f"+ table {t}" for t in self.added_tables]
        out += [f"- table {t}" for t in self.removed_tables]
        out += [f"+ {t}.{c.name}  {c.describe()}" for t, c in self.added_columns]
        out += [f"- {t}.{c.name}  {c.describe()}" for t, c in self.removed_columns]
        out += [f"~ {t}.{name}  {old}  ->  {new}" for t, name, old, new in self.changed_columns]
        out += [f"+ {t} index {i}" for t, i in self.added_indexes]
        out += [f"- {t} index {i}" for t, i in self.removed_indexes]
        out += [f"+ {t} check {c}" for t, c in self.added_checks]
        out += [f"- {t} check {c}" for t, c in self.removed_checks]
        return out

    def text(self):
        return "\n".join(self.lines()) if self else "(no schema change)"

    __str__ = text

    def __repr__(self):
        return self.text()


def schema_diff(before, after):
    """Tables, columns, indexes and CHECK constraints added (+), removed (-), changed (~) from ``before`` to ``after``."""
    added_tables = tuple(t for t in after.tables if t not in before.tables)
    removed_tables = tuple(t for t in before.tables if t not in after.tables)
    added, removed, changed, added_ix, removed_ix, added_ck, removed_ck = [], [], [], [], [], [], []
    for name in (t for t in before.tables if t in after.tables):
        old, new = before[name], after[name]
        for column in new.columns:
            previous = old.column(column.name)
            if previous is None:
                added.append((name, column))
            elif previous.describe() != column.describe():
                changed.append((name, column.name, previous.describe(), column.describe()))
        removed += [(name, c) for c in old.columns if new.column(c.name) is None]
        added_ix += [(name, i) for i in new.indexes if i not in old.indexes]
        removed_ix += [(name, i) for i in old.indexes if i not in new.indexes]
        added_ck += [(name, c) for c in new.checks if c not in old.checks]
        removed_ck += [(name, c) for c in old.checks if c not in new.checks]
    return SchemaDiff(added_tables, removed_tables, tuple(added), tuple(removed), tuple(changed),
                      tuple(added_ix), tuple(removed_ix), tuple(added_ck), tuple(removed_ck))
