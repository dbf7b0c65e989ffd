"""What an upgrade did to the rows: for every table and column that existed before, values kept or lost.

The before and the after are compared column by column, each row matched by its primary key, so a
column renamed by ``alter_column`` keeps its values (they are found under the new name), while a
rename written as drop + add loses them (the new column holds NULLs): the values, not the names, decide.

- SQLite: the untouched snapshot is attached to the upgraded copy, and one query per table counts,
  for each column, the values that differ (``IS NOT``, SQLite's own comparison) in the rows matched by
  primary key (by rowid when there is none). Everything runs inside SQLite: a million rows take
  about half a second, where hashing every value in Python takes seconds.
- PostgreSQL (a scratch server, no snapshot beside the copy): per-column fingerprints, computed by the
  server before and after: the md5 of every value as text, in primary-key order (sorted values when
  there is no key). Equal fingerprints mean the same values in the same rows; different ones say
  *that* values changed, not how many. Rows a migration appends (a higher key) are left out. A column
  whose type changed prints its values differently (``5`` becomes ``5.00`` as ``numeric(14,2)``): its
  values are then cast back to the old type, and each counts as kept only if that cast loses nothing.
"""
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from .database import connect
from .sqlite_pages import same_pages


@dataclass(frozen=True)
class ColumnRows:
    """One column that existed before: its non-NULL values then, and what became of them."""

    name: str
    values: int            # non-NULL values before; None for a column that kept them all (not counted)
    status: str            # kept, renamed, changed, dropped
    changed: int = None    # values that differ (None: the fingerprint differs, the count is unknown)
    renamed_to: str = None

    @property
    def lost(self):
        return self.status == "changed" or (self.status == "dropped" and self.values > 0)

    def text(self):
        if self.status == "renamed":
            return f"renamed to {self.renamed_to}, {self.values} values kept"
        if self.status == "changed":
            return f"{self.changed} of {self.values} values changed" if self.changed is not None \
                else "values changed (its fingerprint differs)"
        if self.status == "dropped":
            return f"dropped with its {self.values} values" if self.values else "dropped (it held no values)"
        return "kept"


@dataclass(frozen=True)
class TableRows:
    """One table that existed before: rows before and after (None: dropped), and each column."""

    name: str
    rows_before: int
    rows_after: int = None
    rows_lost: int = 0
    columns: tuple = ()
    renamed_to: str = None

    @property
    def dropped(self):
        return self.rows_after is None

    @property
    def lost(self):
        return (self.dropped and self.rows_before > 0) or self.rows_lost > 0


def _q(name):
    return '"' + name.replace('"', '""') + '"'


def _keys(before, after):
    """The primary-key columns that match rows: those of the table before that the table after still has."""
    return [c.name for c in before.columns if c.primary_key and after.column(c.name) is not None]


# --- SQLite: the upgraded copy against its snapshot, in SQLite ---------------------------------------------
def _sqlite_compare(snapshot, copy_url, before, after, before_name, after_name, pages):
    """TableRows for table ``before_name`` (snapshot) against ``after_name`` (copy).

    One join answers the common case: rows unmatched, rows whose kept columns differ, and for each
    dropped column its values and whether an added column holds them all (a rename). Only when some
    row differs does a second join count the changed values column by column.
    """
    old, new = before[before_name], after[after_name]
    with _attached(copy_url, snapshot) as connection:
        if len(new.columns) >= len(old.columns) and same_pages(connection, before_name, after_name, pages):
            return _by_position(connection, old, new, after_name)
    added = [c.name for c in new.columns if old.column(c.name) is None]
    common = [c.name for c in old.columns if new.column(c.name) is not None]
    dropped = [c.name for c in old.columns if new.column(c.name) is None]
    keys = _keys(old, new)
    on = " AND ".join(f"a.{_q(k)} = b.{_q(k)}" for k in keys) or "a.rowid = b.rowid"
    matched = f"a.{_q(keys[0])} IS NOT NULL" if keys else "a.rowid IS NOT NULL"
    join = f"FROM before.{_q(before_name)} b LEFT JOIN main.{_q(after_name)} a ON {on}"
    same = " AND ".join(f"a.{_q(c)} IS b.{_q(c)}" for c in common) or "1"
    parts = ["count(*)", f"sum(NOT ({matched}))", f"sum({matched} AND NOT ({same}))"]
    for name in dropped:
        parts.append(f"count(b.{_q(name)})")
        parts += [f"sum({matched} AND a.{_q(y)} IS NOT b.{_q(name)})" for y in added]
    with _attached(copy_url, snapshot) as connection:
        row = [value or 0 for value in connection.execute(f"SELECT {', '.join(parts)} {join}").fetchone()]
        rows_after = connection.execute(f"SELECT count(*) FROM main.{_q(after_name)}").fetchone()[0]
        changed = {}
        if row[2]:  # some kept column differs somewhere: count, column by column
            counts = ", ".join(f"count(b.{_q(c)}), sum({matched} AND a.{_q(c)} IS NOT b.{_q(c)})" for c in common)
            found = connection.execute(f"SELECT {counts} {join}").fetchone()
            changed = {c: (found[2 * i] or 0, found[2 * i + 1] or 0) for i, c in enumerate(common)}
    columns, position = {}, 3
    for name in dropped:
        values, differ = row[position], row[position + 1:position + 1 + len(added)]
        position += 1 + len(added)
        twin = next((y for y, count in zip(added, differ) if values and count == 0), None)
        columns[name] = (ColumnRows(name, values, "renamed", renamed_to=twin) if twin
                         else ColumnRows(name, values, "dropped"))
    for name in common:
        values, count = changed.get(name, (None, 0))
        columns[name] = ColumnRows(name, values, "changed", count) if count else ColumnRows(name, values, "kept")
    return TableRows(before_name, row[0], rows_after, row[1],
                     tuple(columns[c.name] for c in old.columns))


def _by_position(connection, old, new, after_name):
    """TableRows for a table whose pages did not change: column i then holds what column i held."""
    rows = connection.execute(f"SELECT count(*) FROM main.{_q(after_name)}").fetchone()[0]
    columns = []
    for position, column in enumerate(old.columns):
        now = new.columns[position].name
        if now == column.name:
            columns.append(ColumnRows(column.name, None, "kept"))
        else:  # renamed in place (ALTER TABLE ... RENAME COLUMN rewrites no row)
            values = connection.execute(f"SELECT count({_q(now)}) FROM main.{_q(after_name)}").fetchone()[0]
            columns.append(ColumnRows(column.name, values, "renamed", renamed_to=now))
    return TableRows(old.name, rows, rows, 0, tuple(columns))


class _attached:
    """The copy (read-only) with the snapshot attached as ``before``."""

    def __init__(self, copy_url, snapshot):
        self.copy, self.snapshot = Path(make_url(copy_url).database), Path(snapshot)

    def __enter__(self):
        self.connection = sqlite3.connect(self.copy.resolve().as_uri() + "?mode=ro", uri=True)
        self.connection.execute("ATTACH DATABASE ? AS before", (self.snapshot.resolve().as_uri() + "?mode=ro",))
        return self.connection

    def __exit__(self, *exc):
        self.connection.close()


def _sqlite_dropped(snapshot, table):
    counts = ", ".join(["count(*)"] + [f"count({_q(c.name)})" for c in table.columns])
    with closing(sqlite3.connect(Path(snapshot).resolve().as_uri() + "?mode=ro", uri=True)) as connection:
        row = connection.execute(f"SELECT {counts} FROM {_q(table.name)}").fetchone()
    columns = tuple(ColumnRows(c.name, value, "dropped") for c, value in zip(table.columns, row[1:]))
    return TableRows(table.name, row[0], None, row[0], columns)


# --- PostgreSQL: fingerprints computed by the server ------------------------------------------------------
def _pg_fingerprints(url, table, columns, keys, limit=None, expressions=None):
    """(rows, {column: (non-NULL values, md5 of the values in key order)}) for ``columns`` of ``table``.

    ``expressions`` gives, for some columns, the SQL (over ``s``) whose text is fingerprinted instead.
    """
    expressions = expressions or {}
    order = ", ".join(_q(k) for k in keys)
    source = f"(SELECT * FROM {_q(table)} ORDER BY {order} LIMIT {int(limit)}) s" if keys and limit is not None \
        else f"{_q(table)} s"
    parts = ["count(*)"]
    for column in columns:
        value = expressions.get(column, f"quote_nullable(s.{_q(column)})")
        within = f"ORDER BY {', '.join('s.' + _q(k) for k in keys)}" if keys else f"ORDER BY {value}"
        parts += [f"count(s.{_q(column)})", f"md5(coalesce(string_agg({value}, ',' {within}), ''))"]
    with connect(url) as connection:
        row = connection.execute(text(f"SELECT {', '.join(parts)} FROM {source}")).one()
    return row[0], {column: (row[1 + 2 * i], row[2 + 2 * i]) for i, column in enumerate(columns)}


def _pg_types(url, table):
    """{column: its type as PostgreSQL writes it (``numeric(14,2)``)}: what a cast back to it needs."""
    with connect(url) as connection:
        return dict(connection.execute(text(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = to_regclass(quote_ident(:table)) AND attnum > 0 AND NOT attisdropped"),
            {"table": table}).all())


def _as_before(column, old_type, new_type):
    """The column's text as its old type, when casting it there and back gives the same value; else a text no
    old value prints as (``?``...): a value the old type cannot hold cannot be one it held."""
    value = f"s.{_q(column)}"
    back = f"CAST(CAST({value} AS {old_type}) AS {new_type})"
    return (f"CASE WHEN {back} IS NOT DISTINCT FROM {value} THEN quote_nullable(CAST({value} AS {old_type})) "
            f"ELSE '?' || quote_nullable({value}) END")


def _pg_retyped_kept(url, table, keys, limit, retyped, digests):
    """The columns among ``retyped`` ({column: (old type, new type)}) whose values, cast back, match ``digests``."""
    expressions = {column: _as_before(column, *types) for column, types in retyped.items()}
    try:
        _, now = _pg_fingerprints(url, table, list(retyped), keys, limit, expressions)
    except SQLAlchemyError:  # no cast between the two types, or a value the cast refuses: not kept
        return set()
    return {column for column in retyped if now[column][1] == digests[column]}


def _pg_compare(url, prints, before, after, before_name, after_name):
    old, new = before[before_name], after[after_name]
    rows_before, values, types = prints[before_name]
    keys = _keys(old, new)
    with connect(url) as connection:
        rows_after = connection.execute(text(f"SELECT count(*) FROM {_q(after_name)}")).scalar_one()
    limit = rows_before if keys else None
    _, now = _pg_fingerprints(url, after_name, new.column_names, keys, limit)
    types_now = _pg_types(url, after_name)
    retyped = {c: (types[c], types_now[c]) for c in now
               if c in values and now[c][1] != values[c][1] and types.get(c) != types_now.get(c)}
    kept_as_before = _pg_retyped_kept(url, after_name, keys, limit, retyped,
                                      {c: values[c][1] for c in retyped}) if retyped else set()
    added = [c.name for c in new.columns if old.column(c.name) is None]
    columns = []
    for column in old.columns:
        count, digest = values[column.name]
        if column.name in now:
            kept = now[column.name][1] == digest or column.name in kept_as_before
            columns.append(ColumnRows(column.name, None, "kept") if kept else ColumnRows(column.name, count, "changed"))
            continue
        twin = next((t for t in added if count and now[t][1] == digest), None)
        columns.append(ColumnRows(column.name, count, "renamed", renamed_to=twin) if twin
                       else ColumnRows(column.name, count, "dropped"))
    return TableRows(before_name, rows_before, rows_after, max(0, rows_before - rows_after), tuple(columns))


# --- both -------------------------------------------------------------------------------------------------
def take_before(copy, schema):
    """What the comparison needs from the copy before the upgrade: PostgreSQL's fingerprints (SQLite keeps a snapshot)."""
    if copy.engine == "sqlite":
        return None
    return {name: (*_pg_fingerprints(copy.url, name, table.column_names, [c.name for c in table.columns if c.primary_key]),
                   _pg_types(copy.url, name))
            for name, table in schema.app_tables().tables.items()}


def _compare(copy, prints, before, after, before_name, after_name, pages):
    if copy.engine == "sqlite":
        return _sqlite_compare(copy.snapshot, copy.url, before, after, before_name, after_name, pages)
    return _pg_compare(copy.url, prints, before, after, before_name, after_name)


def compare_rows(copy, prints, before, after):
    """TableRows for every table of ``before`` (a Schema), compared with the copy now (schema ``after``)."""
    before, after = before.app_tables(), after.app_tables()
    added = [name for name in after.tables if name not in before.tables]
    results, pages = [], {}  # pages: what sqlite_pages learnt of the two files, shared by every table
    for name, table in before.tables.items():
        if name in after.tables:
            results.append(_compare(copy, prints, before, after, name, name, pages))
            continue
        renamed = None
        for candidate in added:  # a table renamed keeps every row and value under its new name
            if all(after[candidate].column(k) is not None for k in _keys(table, table)):
                result = _compare(copy, prints, before, after, name, candidate, pages)
                if not result.rows_lost and not any(c.lost for c in result.columns):
                    renamed = TableRows(name, result.rows_before, result.rows_after, 0, result.columns, candidate)
                    break
        results.append(renamed or _dropped(copy, prints, table))
    return tuple(results)


def _dropped(copy, prints, table):
    if copy.engine == "sqlite":
        return _sqlite_dropped(copy.snapshot, table)
    rows, values, _ = prints[table.name]
    return TableRows(table.name, rows, None, rows,
                     tuple(ColumnRows(c.name, values[c.name][0], "dropped") for c in table.columns))
