"""Preflight against the upgrade by hand, on a large SQLite database: the figures `make bench` prints.

By hand is what a careful team does without preflight: copy the file (``cp``), then
``DATABASE_URL=sqlite:///copy.db python -m flask db upgrade <target>`` on the copy. Preflight is
``python -m migration_lab preflight <target> --database <file>``: it also copies (a file copy under
SQLite's shared lock, then the working copy from that snapshot), compares every value, reviews the scripts and runs
``flask db check``. Both are timed as processes, from start to exit, on the same seeded database at
``0001_baseline`` of the recommended history, for two targets: ``0002`` (four columns added: milliseconds
of SQL, so fixed costs dominate) and ``head`` (``0003`` backfills and rebuilds the table). The target is
preflight within 1.5 times by hand; figures are printed, never judged by a test.
"""
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

TARGET_RATIO = 1.5
TARGETS = (("0002_tracking_columns", "add 4 columns (0002)"), ("head", "backfill + rebuild (0002, 0003)"))


def _environment():
    env = {**os.environ, "FLASK_APP": "WEB_SERVICE.app", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DATABASE_URL", None)
    return env


def by_hand(python, root, source, target):
    """Seconds to copy ``source`` with cp and run `flask db upgrade <target>` on the copy, as processes."""
    copy = source.with_name("by_hand.db")
    started = time.perf_counter()
    subprocess.run(["cp", str(source), str(copy)], check=True)
    subprocess.run([str(python), "-m", "flask", "db", "upgrade", target, "--directory", "WEB_SERVICE/migrations"],
                   cwd=root, env={**_environment(), "DATABASE_URL": f"sqlite:///{copy.name}"}, check=True,
                   capture_output=True)
    seconds = time.perf_counter() - started
    copy.unlink()
    return seconds


def preflight(python, root, source, target):
    """Seconds for `python -m migration_lab preflight <target> --database <source>`, start to exit."""
    started = time.perf_counter()
    result = subprocess.run([str(python), "-m", "migration_lab", "preflight", target, "--directory",
                             "WEB_SERVICE/migrations", "--database", str(source.relative_to(root))],
                            cwd=root, env=_environment(), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"preflight exited {result.returncode}: {(result.stderr or result.stdout).strip()[-300:]}")
    return seconds


def seeded_project(folder, rows):
    """The recommended history in a project under ``folder``, and its database of ``rows`` rows at 0001_baseline."""
    from migration_lab import checkpoints, scale
    from migration_lab.project import create_sample_project
    from migration_lab.recommended import write_recommended_history

    project = create_sample_project(Path(folder) / "preflight_project")
    checkpoints.replay(project, "initialized")
    write_recommended_history(project)
    return project, scale.seed_large_databases(project, [rows], progress=False)[rows]


def bench(python, folder, rows, repeats=3):
    """Print preflight next to by hand for each target (median of ``repeats`` runs each); returns the ratios."""
    project, seeded = seeded_project(folder, rows)
    root, source = project.root.resolve(), seeded.database_path
    print(f"  database: {rows:,} rows, {source.stat().st_size / 1e6:.1f} MB, at 0001_baseline", flush=True)
    print(f"  {'upgrade to':34} {'by hand (cp + flask db upgrade)':>32} {'preflight':>10} {'ratio':>6}")
    ratios = {}
    for target, label in TARGETS:
        hand, checked = [], []
        for _ in range(repeats):  # alternate, so that a busy moment of the machine hits both alike
            hand.append(by_hand(python, root, source, target))
            checked.append(preflight(python, root, source, target))
        ratios[target] = statistics.median(checked) / statistics.median(hand)
        print(f"  {label:34} {statistics.median(hand):30.2f} s {statistics.median(checked):8.2f} s "
              f"{ratios[target]:5.2f}x", flush=True)
    shutil.rmtree(project.root, ignore_errors=True)
    for target, label in TARGETS:
        verdict = "met" if ratios[target] <= TARGET_RATIO else "NOT met"
        print(f"  target: preflight within {TARGET_RATIO}x of by hand, {label}: {verdict}")
    return ratios
