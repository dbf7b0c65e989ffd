"""Exact comparisons for the checkers: two databases' schemas, a model and its database, every value with its type.

The schemas are compared by Alembic's own autogenerate (``alembic.autogenerate.compare_metadata``) with
``compare_type`` and ``compare_server_default`` on: Flask-Migrate turns on the first only
(``flask_migrate.Migrate.__init__``), Alembic leaves the second off (``EnvironmentContext.configure``), so
``flask db check`` would miss a model whose server default differs from the database's. On SQLite
autogenerate does not compare UNIQUE and CHECK constraints, primary keys or column order: they are
read here with SQLAlchemy's inspector. Values are compared with SQLite's ``quote()``, which keeps the
storage class: the integer 12 and the text '12' differ.
"""
import sqlite3
from contextlib import closing

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect

from ..data import TABLE
from ..schema import BOOKKEEPING

OPTIONS = {"compare_type": True, "compare_server_default": True}


def _sql_default(value):
    """A server default as SQL: a string "0" renders '0', text("0") renders 0, a reflected one is already SQL."""
    arg = getattr(value, "arg", value)
    if arg is None:
        return "none"
    if isinstance(arg, str):
        return "'" + arg.replace("'", "''") + "'"
    return str(getattr(arg, "text", arg))


def _shown(kind, value):
    if kind == "nullable":
        return "NULL" if value else "NOT NULL"
    return _sql_default(value) if kind == "default" else str(value)


def _describe(diff, actual, expected):
    """One line for one autogenerate difference; ``actual`` names the connection's side, ``expected`` the other."""
    diff = diff[0] if isinstance(diff, list) else diff  # modify_* differences come wrapped in a list
    kind = diff[0]
    if kind.startswith("modify_"):
        what = kind.removeprefix("modify_")
        label = {"default": "server default", "nullable": "NULL"}.get(what, what)
        return (f"{diff[2]}.{diff[3]}: {label} {_shown(what, diff[5])} in {actual}, "
                f"{_shown(what, diff[6])} in {expected}")
    target = diff[-1]
    what = kind.split("_", 1)[1].replace("fk", "foreign key")
    name = getattr(target, "name", target)
    if kind in ("add_column", "remove_column"):
        name = f"{diff[2]}.{target.name}"
    side, other = (expected, actual) if kind.startswith("add_") else (actual, expected)
    return f"{what} {name} in {side}, not in {other}"


def _reflected(database):
    metadata = MetaData()
    with database.connect() as connection:
        metadata.reflect(connection)
    if BOOKKEEPING in metadata.tables:
        metadata.remove(metadata.tables[BOOKKEEPING])
    return metadata


def _beyond_autogenerate(database, column_order):
    """{table: {what: value}} for what autogenerate leaves out on SQLite."""
    with database.connect() as connection:
        inspector = inspect(connection)
        found = {}
        for table in inspector.get_table_names():
            if table == BOOKKEEPING:
                continue
            found[table] = {
                "primary key": tuple(inspector.get_pk_constraint(table)["constrained_columns"]),
                "CHECK constraints": tuple(sorted(" ".join(c["sqltext"].split())
                                                  for c in inspector.get_check_constraints(table))),
                "UNIQUE constraints": tuple(sorted(tuple(u["column_names"])
                                                   for u in inspector.get_unique_constraints(table))),
            }
            if column_order:
                found[table]["column order"] = tuple(c["name"] for c in inspector.get_columns(table))
    return found


def database_diff(expected, actual, column_order=True, actual_name="yours", expected_name="expected"):
    """Every difference between two databases' schemas (``alembic_version`` aside), one line each; [] if none."""
    with actual.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            **OPTIONS, "include_name": lambda name, kind, parent: name != BOOKKEEPING})
        lines = [_describe(d, actual_name, expected_name) for d in compare_metadata(context, _reflected(expected))]
    wanted, found = _beyond_autogenerate(expected, column_order), _beyond_autogenerate(actual, column_order)
    for table in sorted(set(wanted) & set(found)):
        for what, value in wanted[table].items():
            if what == "column order" and sorted(value) != sorted(found[table][what]):
                continue  # a column missing or too many is said above; its place would say it again
            if found[table][what] != value:
                lines.append(f"{table}: {what} {_listed(found[table][what])} in {actual_name}, "
                             f"{_listed(value)} in {expected_name}")
    return lines


def _listed(value):
    return "(" + ", ".join(_listed(v) if isinstance(v, tuple) else v for v in value) + ")" if value else "none"


def model_diff(project):
    """What `flask db check` finds between the models and the database, server defaults compared too."""
    with project.flask_app() as app, app.app_context():
        db = app.extensions["migrate"].db
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=OPTIONS)
            return [_describe(d, "the database", "the model") for d in compare_metadata(context, db.metadata)
                    if not _same_default(d)]


def _same_default(diff):
    """A server default Alembic reports as changed although both sides are the same SQL.

    ``SQLiteImpl.compare_server_default`` strips one pair of quotes from each side, but it gets the
    model's string raw and the database's as SQL: the string "'0'" (SQL text '''0''') never
    matches itself there.
    """
    diff = diff[0] if isinstance(diff, list) else diff
    return diff[0] == "modify_default" and _sql_default(diff[5]) == _sql_default(diff[6])


def create_statement_diff(expected, actual, actual_name="yours", expected_name="expected"):
    """Every table and index whose CREATE statement, as SQLite keeps it, differs; one line each; [] if none.

    For two databases whose tables were all created fresh (``create_all()`` and a baseline upgraded
    from empty), the statements are the same text: this also sees what reflection does not report on
    SQLite, a column's COLLATE and a table's AUTOINCREMENT (which adds the table ``sqlite_sequence``).
    """
    found, wanted = _create_statements(actual), _create_statements(expected)
    lines = [f"{kind} {name} in {side}, not in {other}"
             for (kind, name), side, other in [(key, actual_name, expected_name) for key in found if key not in wanted]
             + [(key, expected_name, actual_name) for key in wanted if key not in found]]
    for key in sorted(set(found) & set(wanted)):
        if found[key] != wanted[key]:
            yours, theirs = _parts(found[key]), _parts(wanted[key])
            lines.append(f"{key[0]} {key[1]}: " + "; ".join(
                [f"`{part}` in {actual_name}" for part in yours if part not in theirs]
                + [f"`{part}` in {expected_name}" for part in theirs if part not in yours]))
    return lines


def _create_statements(database):
    with closing(sqlite3.connect(f"file:{database.database_path}?mode=ro", uri=True)) as connection:
        return {(kind, name): " ".join(sql.split()) for kind, name, sql in connection.execute(
            "SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND tbl_name != ?", (BOOKKEEPING,))}


def _parts(statement):
    """A CREATE statement's column and constraint definitions (what is between its outer parentheses)."""
    inside = statement[statement.find("(") + 1:statement.rfind(")")]
    return [part.strip() for part in inside.split(", ")] if inside else [statement]


def value_diff(expected, actual, actual_name="yours", expected_name="expected", table=TABLE):
    """Rows and values of ``table`` that differ (rows matched by id, values with their storage class)."""
    with closing(sqlite3.connect(f"file:{actual.database_path}?mode=ro", uri=True)) as connection:
        connection.execute("ATTACH DATABASE ? AS expected", (f"file:{expected.database_path}?mode=ro",))

        def columns(schema):
            return [row[1] for row in connection.execute(f'PRAGMA {schema}.table_info("{table}")')]

        lines = []
        for label, first, second in ((f"rows in {expected_name}, not in {actual_name}", "expected", "main"),
                                     (f"rows in {actual_name}, not in {expected_name}", "main", "expected")):
            count = connection.execute(f'SELECT COUNT(*) FROM {first}."{table}" WHERE id NOT IN '
                                       f'(SELECT id FROM {second}."{table}")').fetchone()[0]
            if count:
                lines.append(f"{label}: {count}")
        expected_columns = set(columns("expected"))
        for column in [c for c in columns("main") if c in expected_columns]:
            count, row_id, yours, wanted = connection.execute(
                f'SELECT COUNT(*), MIN(a.id), quote(a."{column}"), quote(b."{column}") FROM main."{table}" a '
                f'JOIN expected."{table}" b ON a.id = b.id WHERE quote(a."{column}") IS NOT quote(b."{column}")'
            ).fetchone()
            if count:
                lines.append(f"{column} differs in {count} row(s) (id {row_id}: {yours} in {actual_name}, "
                             f"{wanted} in {expected_name})")
    return lines


def plain_insert(database, values, read):
    """Insert one row with plain SQL (no model involved) and read ``read`` back with its SQLite type."""
    names = ", ".join(values)
    with database.connect() as connection:
        connection.exec_driver_sql(f"INSERT INTO {TABLE} ({names}) VALUES ({', '.join('?' * len(values))})",
                                   tuple(values.values()))
        row = connection.exec_driver_sql(f"SELECT {read}, typeof({read}) FROM {TABLE} "
                                         f"WHERE id = (SELECT MAX(id) FROM {TABLE})").one()
        connection.commit()
    return tuple(row)
