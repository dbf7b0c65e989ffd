"""The rows: seed them from data/, and fingerprint them to prove they survived a migration.

Every function here takes an open SQLAlchemy connection; :mod:`migration_lab.database` opens them.
"""
import csv
import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, Integer, inspect, insert, text

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


def fingerprint(connection, table=TABLE, renamed=None, columns=None):
    """Fingerprint the original columns of ``table``; a dropped column counts as all NULL.

    ``renamed`` ({old: new}) reads a renamed column under its new name, so a rename that kept
    every value gives the same fingerprint as before.
    """
    renamed = renamed or {}
    wanted = [renamed.get(c, c) for c in (columns or original_columns())]
    present = set(column_names(connection, table))
    selected = ", ".join(f'"{c}"' if c in present else "NULL" for c in wanted)
    digest, rows = hashlib.sha256(), 0
    for row in connection.execute(text(f'SELECT {selected} FROM "{table}" ORDER BY id')):
        digest.update("\x1f".join("\\N" if v is None else str(v) for v in row).encode())
        digest.update(b"\x1e")
        rows += 1
    return Fingerprint(rows, digest.hexdigest()[:16], tuple(c for c in wanted if c not in present))


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
