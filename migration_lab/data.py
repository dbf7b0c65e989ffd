"""The rows: seed them from data/, count them, and fingerprint them to prove they survived."""
import csv
import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, Integer, inspect, insert, text

from .database import connect
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
    """Insert every row of the CSV into ``table``; returns how many."""
    rows = list(read_rows(table, csv_path))
    connection.execute(insert(table), rows)
    return len(rows)


def count_rows(target, table=TABLE):
    """How many rows ``table`` holds in a sandbox, SQLite file or database URL."""
    with connect(target) as connection:
        return connection.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one()


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


def fingerprint(target, table=TABLE, columns=None):
    """Fingerprint the original columns of ``table``; a dropped column counts as all NULL."""
    columns = list(columns or original_columns())
    with connect(target) as connection:
        present = {c["name"] for c in inspect(connection).get_columns(table)}
        selected = ", ".join(f'"{c}"' if c in present else "NULL" for c in columns)
        result = connection.execute(text(f'SELECT {selected} FROM "{table}" ORDER BY id'))
        digest = hashlib.sha256()
        rows = 0
        for row in result:
            digest.update("\x1f".join("\\N" if v is None else str(v) for v in row).encode())
            digest.update(b"\x1e")
            rows += 1
    missing = tuple(c for c in columns if c not in present)
    return Fingerprint(rows, digest.hexdigest()[:16], missing)


def compare(before, after):
    """One line a learner can read: did the rows survive between two fingerprints?"""
    if before.same_as(after):
        return f"rows kept: {after.rows} before, {after.rows} after, original columns identical"
    lines = [f"rows CHANGED: {before.rows} before, {after.rows} after"]
    if after.missing_columns:
        lines.append(f"data lost in: {', '.join(after.missing_columns)}")
    elif before.rows == after.rows:
        lines.append("same number of rows, but values in the original columns differ")
    return "; ".join(lines)
