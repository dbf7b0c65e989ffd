"""Is a table untouched by an upgrade? Its pages, byte for byte, in a SQLite snapshot and in the upgraded copy.

Preflight attaches the snapshot (``before``) to the upgraded copy (``main``). Comparing pages is several
times faster than comparing rows, and answers for most tables of most upgrades: those the migration
did not rewrite. SQLite's ``dbstat`` virtual table says which pages hold a table.
"""
import contextlib
import mmap
import sqlite3
from pathlib import Path


def _files(connection):
    """The two files: the copy (``main``) and the snapshot (``before``)."""
    return [Path(row[2]) for row in connection.execute("PRAGMA database_list") if row[1] in ("main", "before")]


@contextlib.contextmanager
def _mapped(files):
    """Both files mapped in memory, read-only."""
    with open(files[0], "rb") as first, open(files[1], "rb") as second, \
            mmap.mmap(first.fileno(), 0, access=mmap.ACCESS_READ) as a, \
            mmap.mmap(second.fileno(), 0, access=mmap.ACCESS_READ) as b:
        yield a, b


def same_pages(connection, before_name, after_name, memo):
    """Is the table the same pages, byte for byte, in the snapshot (``before``) and the copy (``main``)?

    ``ALTER TABLE ... ADD COLUMN`` and ``CREATE INDEX`` leave a table's pages as they were (old rows
    are not rewritten; SQLite reads a missing trailing column as its default): then nothing in the
    table can have changed. ``memo`` (a dict, one per pair of files) keeps what every table shares.
    """
    roots = [connection.execute(f"SELECT rootpage FROM {schema}.sqlite_schema WHERE name = ?", (name,)).fetchone()
             for schema, name in (("before", before_name), ("main", after_name))]
    if roots[0] != roots[1]:  # a table rebuilt (batch mode, VACUUM): its pages, root included, are others
        return False
    if "only_schema" not in memo:  # one pass over both files answers for every table: made once
        memo["only_schema"] = _only_the_schema_differs(connection)
    if memo["only_schema"]:
        return True
    try:
        pages = [connection.execute(f"SELECT pageno FROM dbstat({schema!r}) WHERE name = ? ORDER BY pageno",
                                    (name,)).fetchall() for schema, name in (("before", before_name), ("main", after_name))]
    except sqlite3.OperationalError:  # a SQLite built without dbstat: compare rows
        return False
    if pages[0] != pages[1] or not pages[0]:
        return False
    size = connection.execute("PRAGMA main.page_size").fetchone()[0]
    with _mapped(_files(connection)) as (a, b):
        return all(a[(page - 1) * size:page * size] == b[(page - 1) * size:page * size] for (page,) in pages[0])


def _only_the_schema_differs(connection, chunk_pages=1024):
    """Same size, same bytes outside page 1, sqlite_schema and alembic_version? Then no other b-tree changed
    (ADD COLUMN changes only the schema): one pass over both files, where dbstat walks every page of a table."""
    files = _files(connection)
    size = connection.execute("PRAGMA main.page_size").fetchone()[0]
    if files[0].stat().st_size != files[1].stat().st_size or size != connection.execute(
            "PRAGMA before.page_size").fetchone()[0]:
        return False
    allowed = {1}
    try:
        for schema in ("main", "before"):
            names = ["sqlite_schema"] + [name for (name,) in connection.execute(
                f"SELECT name FROM {schema}.sqlite_schema WHERE tbl_name = 'alembic_version'")]
            for name in names:  # dbstat walks only the b-tree named (all of them tiny)
                allowed |= {page for (page,) in connection.execute(
                    f"SELECT pageno FROM dbstat({schema!r}) WHERE name = ?", (name,))}
    except sqlite3.OperationalError:  # a SQLite built without dbstat
        return False
    return all(page in allowed for page in _differing_pages(files, size, chunk_pages))


def _differing_pages(files, size, chunk_pages):
    """The numbers of the pages whose bytes differ between two files of the same size, read in chunks."""
    with open(files[0], "rb", buffering=0) as first, open(files[1], "rb", buffering=0) as second:
        start = 0
        while a := first.read(size * chunk_pages):
            b = second.read(len(a))
            if a != b:
                yield from (start // size + offset // size + 1 for offset in range(0, len(a), size)
                            if a[offset:offset + size] != b[offset:offset + size])
            start += len(a)
