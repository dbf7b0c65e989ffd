"""migration_lab.scale and migration_lab.writes on small sizes: deterministic rows, flat memory, a stable
progress bar, what each migration writes (counted the same on every run), the lock probe, and operations
that leave Flask-Migrate's and the raw SQL's databases alike. No timing is asserted."""
import sqlite3
import tracemalloc
from contextlib import closing

import matplotlib
import pytest

from migration_lab import (count_migration_writes, probe_during_rebuild, schema_diff, seed_large_databases,
                           sql_run_by_upgrade, time_migrations, write_recommended_history)
from migration_lab.checkpoints import replay
from migration_lab.recommended import BASELINE, TRACKING
from migration_lab.scale import OPERATIONS, Timings, database_path, generate_rows, label, measure, seed_many

matplotlib.use("Agg")


@pytest.fixture
def history(project):
    """A project holding the recommended history (the big databases start at its baseline)."""
    replay(project, "initialized")
    write_recommended_history(project)
    return project


def seed_one(project, rows):
    return seed_large_databases(project, sizes=(rows,), progress=False)[rows]


def rows_of(path, sql="SELECT * FROM conversion_jobs ORDER BY id"):
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql).fetchall()


def test_labels_and_paths(tmp_path):
    assert [label(n) for n in (10_000, 100_000, 1_000_000, 2_500)] == ["10k", "100k", "1m", "2500"]
    assert database_path(tmp_path, 1_000_000) == tmp_path / "instance" / "jobs_1m.db"


def test_generated_rows_repeat_the_csv_with_new_ids(csv_rows, row_count):
    rows = list(generate_rows(2 * row_count + 1))
    assert [r[0] for r in rows] == list(range(1, 2 * row_count + 2))
    assert rows[0][1:] == rows[row_count][1:] == rows[2 * row_count][1:]
    assert rows[0][1] == csv_rows[0]["filename"] and rows[0][6] == csv_rows[0]["created_at"] + ".000000"
    assert list(generate_rows(2 * row_count + 1)) == rows


def test_a_large_database_starts_at_the_baseline_then_gets_its_rows(history):
    seeded = seed_one(history, 2_000)
    assert seeded.database_path == database_path(history.root, 2_000) and seeded.rows == 2_000
    assert seeded.current_revision() == BASELINE
    assert rows_of(seeded.database_path, "SELECT COUNT(*), MIN(id), MAX(id) FROM conversion_jobs") == [
        (2_000, 1, 2_000)]
    assert schema_diff(history.schema(), seeded.schema()).lines() == ["+ table alembic_version"]
    seed_many(seeded.database_path, 500)  # appends after the last id
    assert rows_of(seeded.database_path, "SELECT COUNT(*), MAX(id) FROM conversion_jobs") == [(2_500, 2_500)]


def test_seeded_rows_read_back_like_the_apps_own(history, row_count):
    seeded = seed_one(history, row_count)
    assert rows_of(seeded.database_path) == rows_of(history.database_path)


def test_memory_stays_flat_as_rows_grow(history):
    seeded = seed_one(history, 0)

    def peak(count):
        tracemalloc.start()
        seed_many(seeded.database_path, count, batch_size=500)
        peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak_bytes

    peak(500)  # warm up: first imports and caches
    assert peak(20_000) < 1.5 * peak(2_000)


def test_progress_bar_prints_the_same_text_every_time(history, capsys):
    seeded = seed_one(history, 0)
    seed_many(seeded.database_path, 1_000, batch_size=100, progress=True)
    first = capsys.readouterr().out
    seed_many(seeded.database_path, 1_000, batch_size=100, progress=True)
    assert capsys.readouterr().out == first
    assert first.split("\r")[-1] == "jobs_0.db: 100%|████████████████████| 1,000/1,000 rows\n"
    assert "it/s" not in first and "<" not in first


def test_the_sql_an_upgrade_runs_is_what_changes_the_database(history):
    seeded = seed_one(history, 100)
    assert sql_run_by_upgrade(history, seeded.database_path, TRACKING) == [
        "ALTER TABLE conversion_jobs ADD COLUMN progress INTEGER",
        "ALTER TABLE conversion_jobs ADD COLUMN page_done INTEGER",
        "ALTER TABLE conversion_jobs ADD COLUMN total_pages INTEGER",
        "ALTER TABLE conversion_jobs ADD COLUMN message TEXT",
        f"UPDATE alembic_version SET version_num='{TRACKING}' WHERE alembic_version.version_num = '{BASELINE}'",
    ]
    assert seeded.current_revision() == TRACKING


def test_measure_leaves_alike_databases_and_the_seeded_file_untouched(history):
    seeded = seed_one(history, 3_000)
    before = rows_of(seeded.database_path)
    result = measure(history, seeded, repeats=2)
    assert set(result.seconds) == set(OPERATIONS) and all(len(v) for v in result.samples.values())
    assert len(result.samples["add_raw"]) == 2 and len(result.samples["rebuild_raw"]) == 1
    assert result.same_schema
    assert result.counts == {"flask": (3_000, 3_000), "raw": (3_000, 3_000)}
    assert rows_of(seeded.database_path) == before
    assert sorted(p.name for p in seeded.database_path.parent.iterdir()) == ["jobs.db", "jobs_3k.db"]


def test_timings_show_as_a_table_and_a_plot(history):
    seeded = seed_large_databases(history, sizes=(1_000, 2_000), progress=False)
    timings = time_migrations(history, seeded, repeats=1)
    assert isinstance(timings, Timings) and list(timings) == [1_000, 2_000]
    lines = timings.table().splitlines()
    assert lines[0].split() == ["operation", "1k", "2k"]
    assert [line[:52].rstrip() for line in lines[1:]] == list(OPERATIONS.values())
    assert all(line.endswith("ms") for line in lines[1:])
    figure = timings.plot()
    assert [text.get_text() for text in figure.axes[0].get_legend().get_texts()] == list(OPERATIONS.values())


def test_what_each_migration_writes_is_counted_the_same_every_time(history):
    seeded = seed_large_databases(history, sizes=(5_000, 20_000), progress=False)
    counted = count_migration_writes(history, seeded)
    assert count_migration_writes(history, seeded) == counted  # no clock: the same on every run
    for rows, writes in counted.items():
        add, rebuild = writes["add_flask"], writes["rebuild_flask"]
        assert (add.rows, add.pages_changed, add.pages_added, add.words()) == (0, 3, 0, ("3 pages", "none", "same"))
        assert rebuild.rows == 2 * rows  # the backfill, then the copy
        assert rebuild.words() == ("every page", "about as many again", "moved")
        assert [rows_written for _, rows_written in rebuild.statements] == [rows, 0, rows, 0, 0, 0, 1]
        assert rebuild.free_after >= 0.45 * rebuild.pages_after
        for step in ("add", "rebuild"):  # the raw SQL writes the same rows and leaves a file as big
            flask, raw = writes[f"{step}_flask"], writes[f"{step}_raw"]
            assert (raw.rows, raw.pages_after, raw.root_pages) == (flask.rows, flask.pages_after, flask.root_pages)
            assert flask.pages_changed - raw.pages_changed == 2  # alembic_version and its index
    assert sorted(p.name for p in database_path(history.root, 1).parent.iterdir()) == [
        "jobs.db", "jobs_20k.db", "jobs_5k.db"]


def test_the_lock_probe_sees_the_journal_mode_the_cache_and_the_disk(history):
    def answers(database, mode):
        probed = probe_during_rebuild(database, mode)
        return probed["read"], probed["write"], {moment: tuple(round(size, 1) for size in sizes)
                                                 for moment, sizes in probed["disk"].items()}

    seeded = seed_one(history, 100_000)
    locked = "database is locked"
    assert answers(seeded, "DELETE") == (locked, locked, {"before COMMIT": (2.0, 1.0), "after COMMIT": (2.0, 0.0)})
    assert answers(seeded, "WAL") == ("ok", locked, {"before COMMIT": (1.0, 2.0), "after COMMIT": (2.0, 2.0)})
    # 400 rows: the rebuild's changes fit in SQLite's page cache, so readers are not locked out yet
    assert answers(history, "DELETE")[:2] == ("ok", locked)
    assert rows_of(seeded.database_path, "SELECT COUNT(*) FROM conversion_jobs") == [(100_000,)]
    assert sorted(p.name for p in seeded.database_path.parent.iterdir()) == ["jobs.db", "jobs_100k.db"]
