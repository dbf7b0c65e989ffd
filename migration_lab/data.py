"""The rows: seed them from data/, and fingerprint them to prove they survived a migration.

Every function here takes an open SQLAlchemy connection; :mod:`migration_lab.database` opens them.
"""
import csv
import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Date, DateTime, Integer, String, inspect, insert, text

from .paths import DATA_CSV

TABLE = "conversion_jobs"


def original_columns(csv_path=DATA_CSV):
    """The columns the data set ships with: the ones a migration must never lose."""
    with open(csv_path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def read_rows(table, csv_path=DATA_CSV):
    """The CSV rows as dicts, each value converted to the Python type its column expects."""
    def convert(column, raw):
        if raw == "":
            return None
        if isinstance(column.type, Integer):
            return int(raw)
        if isinstance(column.type, DateTime):
            return datetime.fromisoformat(raw)
        return raw

    with open(csv_path, newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            yield {name: convert(table.c[name], raw) for name, raw in record.items()}


def seed(connection, table, csv_path=DATA_CSV):
    """Insert every row of the CSV into ``table`` (a SQLAlchemy Table); returns how many."""
    rows = list(read_rows(table, csv_path))
    connection.execute(insert(table), rows)
    return len(rows)


def column_names(connection, table=TABLE):
    return [c["name"] for c in inspect(connection).get_columns(table)]


@dataclass(frozen=True)
class Fingerprint:
    """Row count plus a hash of the original columns, row by row in id order."""

    rows: int
    digest: str
    missing_columns: tuple = ()

    def __str__(self):
        text_ = f"{self.rows} rows, original columns sha256 {self.digest}"
        if self.missing_columns:
            text_ += f" (columns gone: {', '.join(self.missing_columns)})"
        return text_

    def same_as(self, other):
        return self.rows == other.rows and self.digest == other.digest


def fingerprint(connection, table=TABLE, renamed=None, columns=None, in_database=None):
    """Fingerprint the original columns of ``table``; a dropped column counts as all NULL.

    ``renamed`` ({old: new}) reads a renamed column under its new name, so a rename that kept
    every value gives the same fingerprint as before. On PostgreSQL the digest is computed by the
    server (``in_database``, by default when the column types allow it): the same digest, faster.
    """
    renamed = renamed or {}
    wanted = [renamed.get(c, c) for c in (columns or original_columns())]
    types = {c["name"]: c["type"] for c in inspect(connection).get_columns(table)}
    missing = tuple(c for c in wanted if c not in types)
    if in_database is None:
        in_database = connection.dialect.name == "postgresql" and all(
            _as_python_text(c, types[c]) for c in types if c in wanted)
    if in_database:
        return _fingerprint_in_postgres(connection, table, wanted, types, missing)
    selected = ", ".join(f'"{c}"' if c in types else "NULL" for c in wanted)
    digest, rows = hashlib.sha256(), 0
    for row in connection.execute(text(f'SELECT {selected} FROM "{table}" ORDER BY id')):
        digest.update("\x1f".join("\\N" if v is None else str(v) for v in row).encode())
        digest.update(b"\x1e")
        rows += 1
    return Fingerprint(rows, digest.hexdigest()[:16], missing)


def _as_python_text(column, type_):
    """SQL that writes a value as Python's ``str()`` does, for the types the lab's tables use (else None)."""
    quoted = f'"{column}"'
    if isinstance(type_, DateTime):  # str(datetime): microseconds only when there are some
        return (f"to_char({quoted}, 'YYYY-MM-DD HH24\\:MI\\:SS') || CASE WHEN extract(microseconds FROM {quoted})"
                f"::bigint % 1000000 <> 0 THEN to_char({quoted}, '.US') ELSE '' END")
    if isinstance(type_, Boolean):
        return f"CASE WHEN {quoted} THEN 'True' ELSE 'False' END"
    if isinstance(type_, (Integer, String, Date)):
        return f"{quoted}::text"
    return None


def _fingerprint_in_postgres(connection, table, wanted, types, missing):
    """The same digest as the Python loop, computed by PostgreSQL: a million rows in a second, not ten."""
    values = [f"coalesce({_as_python_text(c, types[c])}, '\\N')" if c in types else "'\\N'" for c in wanted]
    row = f"concat_ws(E'\\x1f', {', '.join(values)}) || E'\\x1e'"
    connection.execute(text("SET LOCAL work_mem = '256MB'"))  # sort the rows by id in memory, not on disk
    rows, digest = connection.execute(text(
        f"SELECT count(*), encode(sha256(convert_to(coalesce(string_agg({row}, '' ORDER BY id), ''), 'UTF8')), 'hex') "
        f'FROM "{table}"')).one()
    return Fingerprint(rows, digest[:16], missing)


def compare_rows(before, after):
    """One line a learner can read: did the rows survive between two fingerprints?"""
    if before.same_as(after):
        return f"rows kept: {after.rows} before, {after.rows} after, original columns identical"
    lines = [f"rows CHANGED: {before.rows} before, {after.rows} after"]
    if after.missing_columns:
        lines.append(f"data lost in: {', '.join(after.missing_columns)}")
    elif before.rows == after.rows:
        lines.append("same number of rows, but values in the original columns differ")
    return "; ".join(lines)


def count_non_null(connection, columns, table=TABLE):
    """For each column, how many rows hold a value; ``'column missing'`` when the column is gone."""
    present = set(column_names(connection, table))
    return {column: connection.execute(text(f'SELECT COUNT("{column}") FROM "{table}"')).scalar_one()
            if column in present else "column missing" for column in columns}
