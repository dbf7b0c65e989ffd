"""What a migration writes to a SQLite file, counted, never timed; and who gets in while a rebuild runs.

Time is a poor witness on a shared machine: a disk busy with other work doubles a figure. What a
migration *does* is the same on every run: the statements it sends and the rows each one wrote
(SQLAlchemy's ``after_cursor_execute`` event, ``cursor.rowcount``), the pages of the file whose bytes
changed (the file compared page by page, ``PRAGMA page_size`` bytes each), where the table's b-tree
starts (``sqlite_master.rootpage``: a rebuilt table starts somewhere new). Notebook 12 checks these.

The lock probe stops the raw rebuild just before its COMMIT and asks a second connection, which
does not wait (``timeout=0``), to read and to write: SQLite's answer depends on the journal mode
(https://www.sqlite.org/lockingv3.html, https://www.sqlite.org/wal.html), and is the same every time.
It also reports the disk the file and its journal take then, and after the COMMIT.
"""
import contextlib
import hashlib
import re
import shutil
import sqlite3
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import recommended
from .database import SQLiteFile
from .scale import RAW_SQL, TABLE
from .sources import lab_file

WRITES = ("CREATE", "INSERT", "UPDATE", "DELETE", "DROP", "ALTER")  # first words of the SQL that writes


@contextlib.contextmanager
def _statements_that_write():
    """Each statement SQLAlchemy runs during the block that writes: (SQL, rows it wrote, from cursor.rowcount)."""
    seen = []

    def record(connection, cursor, statement, parameters, context, executemany):
        if statement.split(None, 1)[0].upper() in WRITES:
            seen.append((" ".join(statement.split()), max(cursor.rowcount, 0)))  # DDL reports -1

    event.listen(Engine, "after_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "after_cursor_execute", record)


def sql_run_by_upgrade(project, path, revision):
    """The SQL that changes ``path`` (no reads, no PRAGMAs) when Flask-Migrate upgrades it to ``revision``."""
    with _statements_that_write() as seen:
        project.flask_db("upgrade", database=path, revision=revision)
    return [statement for statement, _ in seen]


def _page_digests(path):
    """One digest per page of the SQLite file ``path``: comparing two lists shows which pages changed."""
    size = SQLiteFile(path).query("SELECT page_size FROM pragma_page_size()")[0][0]
    with open(path, "rb") as handle:
        return [hashlib.blake2b(page, digest_size=16).digest() for page in iter(lambda: handle.read(size), b"")]


def _table_state(path):
    """(the table's first page, from sqlite_master.rootpage; free pages in the file, PRAGMA freelist_count)."""
    return SQLiteFile(path).query(f"SELECT (SELECT rootpage FROM sqlite_master WHERE type = 'table' AND "
                                  f"name = '{TABLE}'), freelist_count FROM pragma_freelist_count()")[0]


@dataclass
class Writes:
    """What one migration wrote to a SQLite file, counted, never timed: the same on every run and machine."""

    rows: int            # rows written to the app's tables (cursor.rowcount, or total_changes for raw SQL)
    pages_before: int    # pages in the file before
    pages_changed: int   # of those, how many hold different bytes after
    pages_after: int     # pages in the file after
    root_pages: tuple    # the table's first page (sqlite_master.rootpage), before and after
    free_after: int      # pages of the file that hold nothing after (PRAGMA freelist_count)
    statements: list = field(default_factory=list)  # (SQL, rows it wrote); Flask-Migrate's only

    @property
    def pages_added(self):
        return self.pages_after - self.pages_before

    def words(self):
        """(pages changed, pages appended, where the table starts) in words that hold at every size."""
        changed = ("none" if not self.pages_changed else
                   "every page" if self.pages_changed == self.pages_before else f"{self.pages_changed} pages")
        added = ("none" if not self.pages_added else
                 "about as many again" if 0.9 <= self.pages_added / self.pages_before <= 1.2 else
                 f"{self.pages_added} pages")
        return changed, added, "moved" if self.root_pages[0] != self.root_pages[1] else "same"


def _count_steps(source, work, steps):
    """Copy ``source`` to ``work`` once, then run each step on it in turn (a step returns the statements and
    the rows it wrote); each step's Writes compares the file with what the step before left."""
    shutil.copyfile(source, work)
    digests, (root, _) = _page_digests(work), _table_state(work)
    counted = []
    for run in steps:
        statements, rows = run(work)
        after, (root_after, free_after) = _page_digests(work), _table_state(work)
        changed = sum(1 for old, new in zip(digests, after) if old != new)
        counted.append(Writes(rows, len(digests), changed, len(after), (root, root_after), free_after, statements))
        digests, root = after, root_after
    return counted


def _upgrade_to(project, revision):
    def run(path):
        with _statements_that_write() as seen:
            project.flask_db("upgrade", database=path, revision=revision)
        return seen, sum(rows for statement, rows in seen if "alembic_version" not in statement)
    return run


def _sql_file(name):
    def run(path):
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.executescript(lab_file(name).read_text(encoding="utf-8"))
            return [], connection.total_changes  # rows inserted, updated or deleted by the script
        finally:
            connection.close()
    return run


def count_migration_writes(project, seeded):
    """What 0002 (add columns) then 0003 (backfill + rebuild) write, by Flask-Migrate and as raw SQL, each on
    a copy of each seeded database. Returns {rows: {"add_flask": Writes, "rebuild_flask", "add_raw", "rebuild_raw"}}."""
    result = {}
    for rows, database in seeded.items():
        work = database.database_path.with_name(f"{database.database_path.stem}_counted.db")
        try:
            flask = _count_steps(database.database_path, work, [_upgrade_to(project, recommended.TRACKING),
                                                                _upgrade_to(project, recommended.PROGRESS_DEFAULT)])
            raw = _count_steps(database.database_path, work, [_sql_file(RAW_SQL["add"]), _sql_file(RAW_SQL["rebuild"])])
        finally:
            work.unlink(missing_ok=True)
        result[rows] = dict(zip(("add_flask", "rebuild_flask", "add_raw", "rebuild_raw"), flask + raw))
    return result


def _statements_of(name):
    """The statements of a lab SQL file, comments left out."""
    script = re.sub(r"--[^\n]*", "", lab_file(name).read_text(encoding="utf-8"))
    return [statement.strip() for statement in script.split(";") if statement.strip()]


def _sizes(path, before):
    """The database file and its journal (``-journal`` or ``-wal``), in multiples of ``before`` bytes."""
    journal = next((p for p in (path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal"))
                    if p.exists()), None)
    return path.stat().st_size / before, (journal.stat().st_size if journal else 0) / before


def probe_during_rebuild(database, journal_mode):
    """On a copy of ``database``: the raw rebuild runs up to its COMMIT, then a second connection tries a read
    and a write, without waiting (timeout 0); then the COMMIT. Returns {"read": "ok" or SQLite's error,
    "write": ..., "disk": {"before COMMIT": (file, journal), "after COMMIT": ...}}, sizes in multiples of the
    file's size before the rebuild."""
    path = database.database_path.with_name("probe.db")
    shutil.copyfile(database.database_path, path)
    migration = sqlite3.connect(path, isolation_level=None)
    answers = {"disk": {}}
    try:
        migration.execute(f"PRAGMA journal_mode = {journal_mode}")
        migration.executescript(lab_file(RAW_SQL["add"]).read_text(encoding="utf-8"))
        before = path.stat().st_size
        statements = _statements_of(RAW_SQL["rebuild"])
        assert statements[-1].upper() == "COMMIT"
        for statement in statements[:-1]:
            migration.execute(statement)
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        for what, sql in (("read", f"SELECT COUNT(*) FROM {TABLE}"), ("write", f"DELETE FROM {TABLE} WHERE id = 1")):
            try:
                other.execute(sql).fetchall()
                answers[what] = "ok"
            except sqlite3.OperationalError as error:
                answers[what] = str(error)
        other.close()
        answers["disk"]["before COMMIT"] = _sizes(path, before)
        migration.execute("COMMIT")
        answers["disk"]["after COMMIT"] = _sizes(path, before)
    finally:
        migration.close()
        for suffix in ("", "-journal", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    return answers
