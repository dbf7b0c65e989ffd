"""Migrations on big tables: seed many rows fast, then time Flask-Migrate against the raw SQL it runs.

A database per size lives in the project's ``instance/`` folder (``jobs_1m.db`` ...), at revision
``0001_baseline`` of the recommended history (:mod:`migration_lab.recommended`), so
``DATABASE_URL=sqlite:///jobs_1m.db`` points the app at it. Every measured operation runs on a fresh
copy; the seeded files stay untouched. The raw SQL compared with Flask-Migrate is in the lab's
files ``sources/sql/add_columns.sql`` and ``rebuild.sql``.

:func:`time_migrations` gives figures for a plot, which a busy machine blurs, so nothing checks them;
what the tests check is what each migration writes, counted by :mod:`migration_lab.writes`.
"""
import csv
import itertools
import os
import shutil
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import recommended
from .database import SQLiteFile
from .paths import DATA_CSV
from .schema import schema_diff
from .sources import lab_file

SIZES = (10_000, 100_000, 1_000_000)
TABLE = "conversion_jobs"
COLUMNS = ("id", "filename", "source_format", "target_format", "status", "size_bytes", "created_at",
           "finished_at")

RAW_SQL = {"add": "sql/add_columns.sql", "rebuild": "sql/rebuild.sql"}


def label(rows):
    """10_000 -> '10k', 1_000_000 -> '1m': short names for files and tables."""
    for unit, size in (("m", 1_000_000), ("k", 1_000)):
        if rows >= size and rows % size == 0:
            return f"{rows // size}{unit}"
    return str(rows)


def database_path(root, rows):
    """Where the database of ``rows`` rows lives in a sandbox: ``instance/jobs_1m.db`` ..."""
    return Path(root) / "instance" / f"jobs_{label(rows)}.db"


def template_rows(csv_path=DATA_CSV):
    """The CSV's rows without their id, stored as SQLAlchemy stores them in SQLite."""
    def stored(column, raw):
        if raw == "":
            return None
        if column == "size_bytes":
            return int(raw)
        if column.endswith("_at"):
            return datetime.fromisoformat(raw).isoformat(sep=" ", timespec="microseconds")
        return raw

    with open(csv_path, newline="", encoding="utf-8") as handle:
        return [tuple(stored(c, record[c]) for c in COLUMNS[1:]) for record in csv.DictReader(handle)]


def generate_rows(count, templates=None, first_id=1):
    """``count`` rows, row n being the CSV's row (n - 1) mod 400 with id n: the same on every run."""
    templates = templates or template_rows()
    cycle = itertools.cycle(templates)
    return ((row_id, *next(cycle)) for row_id in range(first_id, first_id + count))


def _batches(rows, size):
    while batch := list(itertools.islice(rows, size)):
        yield batch


def progress_bar(total, description):
    """A tqdm bar that prints the same text on every run: no rate, no times, fixed width, to stdout."""
    from tqdm import tqdm

    return tqdm(total=total, desc=description, file=sys.stdout, mininterval=0, maxinterval=float("inf"),
                miniters=max(1, total // 10), bar_format="{desc}: {percentage:3.0f}%|{bar:20}| {n:,}/{total:,} rows")


def seed_many(path, count, batch_size=50_000, progress=False):
    """Append ``count`` generated rows to the conversion_jobs table of the SQLite file ``path``.

    Rows are made and inserted one batch at a time (memory stays flat), one transaction per batch.
    Returns the seconds it took.
    """
    started = time.perf_counter()
    placeholders = ", ".join("?" * len(COLUMNS))
    insert = f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({placeholders})"
    bar = progress_bar(count, Path(path).name) if progress else None
    connection = sqlite3.connect(path)
    try:
        first_id = connection.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {TABLE}").fetchone()[0]
        for batch in _batches(generate_rows(count, first_id=first_id), batch_size):
            with connection:
                connection.executemany(insert, batch)
            if bar is not None:
                bar.update(len(batch))
    finally:
        connection.close()
        if bar is not None:
            bar.close()
    return time.perf_counter() - started


def _upgrade(project, path, revision):
    """``flask db upgrade <revision>`` in process on the SQLite file ``path``; returns the seconds."""
    started = time.perf_counter()
    project.flask_db("upgrade", database=path, revision=revision)
    return time.perf_counter() - started


def _run_sql_file(path, name):
    """Run the lab's SQL file ``name`` on the SQLite file ``path`` as written (its own BEGIN/COMMIT)."""
    script = lab_file(name).read_text(encoding="utf-8")
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        started = time.perf_counter()
        connection.executescript(script)
        return time.perf_counter() - started
    finally:
        connection.close()


class SeededDatabase(SQLiteFile):
    """A big copy of conversion_jobs at 0001_baseline: ``rows`` rows, seeded in ``seconds``."""

    def __init__(self, path, rows, seconds):
        super().__init__(path)
        self.rows, self.seconds = rows, seconds


def seed_large_databases(project, sizes=SIZES, progress=True):
    """``instance/jobs_<size>.db`` for each size: 0001_baseline built by Flask-Migrate, then the rows.

    Returns {rows: SeededDatabase}. The project's history must be the recommended one.
    """
    seeded = {}
    for rows in sizes:
        path = database_path(project.root, rows)
        path.unlink(missing_ok=True)
        _upgrade(project, path, recommended.BASELINE)
        seeded[rows] = SeededDatabase(path, rows, seed_many(path, rows, progress=progress))
    return seeded


# --- the same operations, timed ----------------------------------------------------------------------------
OPERATIONS = {
    "start_flask": "Flask-Migrate: upgrade with nothing to do",
    "add_flask": "Flask-Migrate: upgrade to 0002 (add 4 columns)",
    "add_raw": "raw SQL: 4 x ALTER TABLE ADD COLUMN",
    "rebuild_flask": "Flask-Migrate: upgrade to 0003 (backfill + rebuild)",
    "rebuild_raw": "raw SQL: backfill + manual rebuild",
}


@dataclass
class Measurement:
    """The best time of each operation on one database, and what the operations left behind."""

    rows: int
    seconds: dict = field(default_factory=dict)        # operation -> best (smallest) seconds
    samples: dict = field(default_factory=dict)        # operation -> every sample
    same_schema: bool = False                          # Flask-Migrate and raw SQL end alike
    counts: dict = field(default_factory=dict)         # "flask"/"raw" -> (rows, rows with a progress)

    def ratio(self, slower, faster):
        return self.seconds[slower] / self.seconds[faster]


def _fresh_copy(source, target):
    """Copy and flush to disk, so the timed operation does not pay for writing the copy."""
    shutil.copyfile(source, target)
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())


def measure(project, seeded, repeats=3):
    """Time the OPERATIONS on copies of ``seeded`` (a SeededDatabase); the copies are deleted afterwards.

    Adding columns takes milliseconds, and a disk busy with other work can add as much again: it runs
    ``repeats`` times, each on fresh copies, and the best time is kept (as timeit does). The rebuilds
    then run once, on the last copies.
    """
    source = seeded.database_path
    copies = {kind: source.with_name(f"{source.stem}_{kind}.db") for kind in ("flask", "raw")}
    samples = {name: [] for name in OPERATIONS}
    result = Measurement(seeded.rows, samples=samples)
    try:
        for _ in range(repeats):
            for path in copies.values():
                _fresh_copy(source, path)
            samples["start_flask"].append(_upgrade(project, copies["flask"], recommended.BASELINE))
            samples["add_flask"].append(_upgrade(project, copies["flask"], recommended.TRACKING))
            samples["add_raw"].append(_run_sql_file(copies["raw"], RAW_SQL["add"]))
        samples["rebuild_flask"].append(_upgrade(project, copies["flask"], recommended.PROGRESS_DEFAULT))
        samples["rebuild_raw"].append(_run_sql_file(copies["raw"], RAW_SQL["rebuild"]))
        result.seconds = {name: min(values) for name, values in samples.items()}
        result.same_schema = not schema_diff(SQLiteFile(copies["flask"]).schema(), SQLiteFile(copies["raw"]).schema())
        sql = f"SELECT COUNT(*), SUM(progress IS NOT NULL) FROM {TABLE}"
        result.counts = {kind: SQLiteFile(path).query(sql)[0] for kind, path in copies.items()}
    finally:
        for path in copies.values():
            path.unlink(missing_ok=True)
    return result


class Timings(dict):
    """{rows: Measurement}, shown as a text table or a plot."""

    def table(self):
        """The best time of each operation, in milliseconds, one column per size."""
        sizes = list(self)
        lines = [f"{'operation':52}" + "".join(f"{label(rows):>11}" for rows in sizes)]
        for name, description in OPERATIONS.items():
            lines.append(f"{description:52}" + "".join(f"{self[rows].seconds[name] * 1000:9.1f}ms" for rows in sizes))
        return "\n".join(lines)

    def plot(self):
        """Time against rows, log-log, one line per operation (raw SQL dashed); returns the figure."""
        import matplotlib.pyplot as plt

        colours = {"start": "tab:gray", "add": "tab:blue", "rebuild": "tab:red"}
        sizes = list(self)
        figure, axes = plt.subplots(figsize=(8, 4.5))
        for name, description in OPERATIONS.items():
            kind, way = name.split("_")
            axes.plot(sizes, [self[rows].seconds[name] for rows in sizes], marker="o", label=description,
                      color=colours[kind], linestyle="--" if way == "raw" else "-")
        axes.set(xscale="log", yscale="log", xlabel="rows in conversion_jobs", ylabel="seconds (best of the runs)",
                 title="Migration time against table size, SQLite")
        axes.legend(fontsize=8)
        return figure


def time_migrations(project, seeded, repeats=5):
    """Time Flask-Migrate and raw SQL on copies of each seeded database; returns Timings."""
    return Timings({rows: measure(project, database, repeats) for rows, database in seeded.items()})
