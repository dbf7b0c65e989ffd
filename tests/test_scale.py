"""migration_lab.scale on small sizes: deterministic rows, flat memory, a stable progress bar, and
operations that leave Flask-Migrate's and the raw SQL's databases alike. No timing is asserted."""
import csv
import sqlite3
import tracemalloc

import pytest

from migration_lab import diff, snapshot
from migration_lab.history import BASELINE, write_history
from migration_lab.paths import DATA_CSV
from migration_lab.scale import (OPERATIONS, database_path, generate_rows, label, measure, seed_database,
                                 seed_many)


@pytest.fixture
def project(make_sandbox):
    sandbox = make_sandbox("initialized")
    write_history(sandbox.root)
    return sandbox


def rows_of(path, sql="SELECT * FROM conversion_jobs ORDER BY id"):
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def test_labels_and_paths(tmp_path):
    assert [label(n) for n in (10_000, 100_000, 1_000_000, 2_500)] == ["10k", "100k", "1m", "2500"]
    assert database_path(tmp_path, 1_000_000) == tmp_path / "instance" / "jobs_1m.db"


def test_generated_rows_repeat_the_csv_with_new_ids():
    with open(DATA_CSV, newline="", encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    rows = list(generate_rows(801))
    assert [r[0] for r in rows] == list(range(1, 802))
    assert rows[0][1:] == rows[400][1:] == rows[800][1:]
    assert rows[0][1] == first["filename"] and rows[0][6] == first["created_at"] + ".000000"
    assert list(generate_rows(801)) == rows


def test_seed_database_builds_the_baseline_and_seeds(project):
    seeded = seed_database(project.root, 2_000)
    assert seeded.path == database_path(project.root, 2_000) and seeded.rows == 2_000
    assert rows_of(seeded.path, "SELECT version_num FROM alembic_version") == [(BASELINE,)]
    assert rows_of(seeded.path, "SELECT COUNT(*), MIN(id), MAX(id) FROM conversion_jobs") == [(2_000, 1, 2_000)]
    assert diff(snapshot(project.database_path), snapshot(seeded.path)).lines() == ["+ table alembic_version"]
    seed_many(seeded.path, 500)  # appends after the last id
    assert rows_of(seeded.path, "SELECT COUNT(*), MAX(id) FROM conversion_jobs") == [(2_500, 2_500)]


def test_seeded_rows_read_back_like_the_apps_own(project):
    seeded = seed_database(project.root, 400)
    assert rows_of(seeded.path) == rows_of(project.database_path)


def test_memory_stays_flat_as_rows_grow(project):
    seeded = seed_database(project.root, 0)

    def peak(count):
        tracemalloc.start()
        seed_many(seeded.path, count, batch_size=500)
        peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak_bytes

    peak(500)  # warm up: first imports and caches
    assert peak(20_000) < 1.5 * peak(2_000)


def test_progress_bar_prints_the_same_text_every_time(project, capsys):
    seeded = seed_database(project.root, 0)
    seed_many(seeded.path, 1_000, batch_size=100, progress=True)
    first = capsys.readouterr().out
    seed_many(seeded.path, 1_000, batch_size=100, progress=True)
    assert capsys.readouterr().out == first
    assert first.split("\r")[-1] == "jobs_0.db: 100%|████████████████████| 1,000/1,000 rows\n"
    assert "it/s" not in first and "<" not in first


def test_measure_leaves_alike_databases_and_the_seeded_file_untouched(project):
    seeded = seed_database(project.root, 3_000)
    before = rows_of(seeded.path)
    result = measure(project.root, seeded, repeats=2)
    assert set(result.seconds) == set(OPERATIONS) and all(len(v) for v in result.samples.values())
    assert len(result.samples["add_raw"]) == 2 and len(result.samples["rebuild_raw"]) == 1
    assert result.same_schema
    assert result.counts == {"flask": (3_000, 3_000), "raw": (3_000, 3_000)}
    assert result.pages["after"] > result.pages["before"] and result.pages["free after"] > 0
    assert rows_of(seeded.path) == before
    assert sorted(p.name for p in seeded.path.parent.iterdir()) == ["jobs.db", "jobs_3k.db"]
