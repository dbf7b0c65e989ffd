"""Time the lab itself: each notebook, the strict nbval suite, one CLI start, and migrations at scale.

    python -m tools.benchmark                    # everything (a few minutes)
    python -m tools.benchmark --skip-suite       # parts can be skipped; --rows sets the scale test's size
    python -m tools.benchmark notebooks/11_testing_migrations.ipynb --skip-suite --skip-scale
    python -m tools.benchmark --skip-notebooks --skip-suite --skip-scale   # preflight against by hand only

Prints figures and the lab's targets met or not; a slow figure never makes it fail. It exits 1 only
when something did not run (a notebook raised, the suite failed). Notebooks run from a copy in a
temporary folder, so the committed ones are never rewritten. Python processes are counted as they
really start: a sitecustomize.py on PYTHONPATH logs each interpreter's command line.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from . import bench_preflight, navigation
from .notebook_run import run_notebook

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
if not PYTHON.exists():
    PYTHON = Path(sys.executable)

TARGETS = {"suite seconds": 60, "suite / floor": 1.5, "add columns / raw": 1.2, "seed 1M seconds": 10}

SITECUSTOMIZE = '''\
import os, sys
_log = os.environ.get("LAB_BENCH_PROCESS_LOG")
if _log:
    with open(_log, "a") as _handle:
        _handle.write("\\x1f".join(getattr(sys, "orig_argv", sys.argv)) + "\\n")
'''


def kind_of(argv):
    """What a logged Python process was: flask CLI, pytest, a Jupyter kernel, or other."""
    args = argv[1:]
    if args[:2] == ["-m", "flask"] or (args and Path(args[0]).name == "flask"):
        return "flask"
    if args[:2] == ["-m", "pytest"] or (args and Path(args[0]).name in ("pytest", "py.test")):
        return "pytest"
    if any("ipykernel" in a for a in args[:3]):
        return "kernel"
    return "other"


class ProcessCounter:
    """Counts Python processes started while it is active (via sitecustomize on PYTHONPATH)."""

    def __init__(self, folder):
        self.folder = Path(folder)
        (self.folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
        self.log = self.folder / "processes.log"
        self.saved = {k: os.environ.get(k) for k in ("PYTHONPATH", "LAB_BENCH_PROCESS_LOG")}

    def __enter__(self):
        self.log.write_text("")
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.folder), self.saved["PYTHONPATH"]]))
        os.environ["LAB_BENCH_PROCESS_LOG"] = str(self.log)
        return self

    def __exit__(self, *exc):
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def counts(self):
        lines = [line.split("\x1f") for line in self.log.read_text().splitlines() if line]
        return Counter(kind_of(argv) for argv in lines)


def execute_notebook(path, folder):
    """Execute the notebook in a fresh kernel (a copy is saved under ``folder``); (seconds, error)."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    started = time.perf_counter()
    try:
        notebook, seconds = run_notebook(path)
    except CellExecutionError as failure:
        return time.perf_counter() - started, str(failure).strip().splitlines()[-1][:100]
    nbformat.write(notebook, Path(folder) / path.name)
    return seconds, None


def bench_notebooks(paths, folder):
    rows = []
    for path in paths:
        with ProcessCounter(folder) as counter:
            seconds, error = execute_notebook(path, folder)
        rows.append((path.name, seconds, counter.counts(), error))
        print(f"  {seconds:6.1f} s  {path.name}" + (f"  FAILED: {error}" if error else ""), flush=True)
    return rows


def bench_suite(folder, workers):
    """The strict nbval suite on every notebook: (seconds, summary line, exit status, processes)."""
    command = [str(PYTHON), "-m", "pytest", "-n", str(workers), "--dist", "loadscope", "notebooks", "-q"]
    with ProcessCounter(folder) as counter:
        started = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - started
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    return seconds, (lines[-1] if lines else result.stderr.strip()[-200:]), result.returncode, counter.counts()


def bench_cli_start(folder, runs=5):
    """Median seconds of `python -m flask db current` in a project at checkpoint 'upgraded'."""
    from migration_lab import checkpoints
    from migration_lab.project import create_sample_project

    root = Path(folder) / "cli_project"
    checkpoints.replay(create_sample_project(root), "upgraded")
    env = {**os.environ, "FLASK_APP": "WEB_SERVICE.app", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DATABASE_URL", None)
    command = [str(PYTHON), "-m", "flask", "db", "current", "--directory=WEB_SERVICE/migrations"]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=root, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_scale(folder, rows):
    """Seed ``rows`` rows and time notebook 12's operations on them: (SeededDatabase, Measurement)."""
    from migration_lab import checkpoints, scale
    from migration_lab.project import create_sample_project
    from migration_lab.recommended import write_recommended_history

    project = create_sample_project(Path(folder) / "scale_project")
    checkpoints.replay(project, "initialized")
    write_recommended_history(project)
    seeded = scale.seed_large_databases(project, [rows], progress=False)[rows]
    return seeded, scale.measure(project, seeded, repeats=5)


def verdict(ok):
    return "met" if ok else "NOT met"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every numbered notebook")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers for the suite (default 2)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows for the scale test (default 1,000,000)")
    parser.add_argument("--skip-notebooks", action="store_true")
    parser.add_argument("--skip-suite", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-preflight", action="store_true")
    args = parser.parse_args(argv)
    os.environ["PATH"] = str(PYTHON.parent) + os.pathsep + os.environ.get("PATH", "")
    paths = [p.resolve() for p in args.notebooks] or navigation.lab_notebooks()
    problems = 0
    with tempfile.TemporaryDirectory(prefix="lab-bench-") as folder:
        folder = Path(folder)
        print(f"machine: {os.cpu_count()} cores; {len(paths)} notebooks in notebooks/", flush=True)

        print("\nCLI start (python -m flask db current, median of 5):", flush=True)
        cli = bench_cli_start(folder)
        print(f"  {cli:.2f} s per process")

        notebook_rows = []
        if not args.skip_notebooks:
            print("\nNotebooks, one at a time, each in a fresh kernel:", flush=True)
            notebook_rows = bench_notebooks(paths, folder)
            problems += sum(1 for row in notebook_rows if row[3])
            print(f"\n  {'notebook':34} {'seconds':>8} {'flask CLI':>10} {'pytest':>7}")
            for name, seconds, counts, error in notebook_rows:
                print(f"  {name:34} {seconds:8.1f} {counts['flask']:10} {counts['pytest']:7}"
                      + ("  FAILED" if error else ""))
            total = sum(row[1] for row in notebook_rows)
            flask_total = sum(row[2]["flask"] for row in notebook_rows)
            print(f"  {'total':34} {total:8.1f} {flask_total:10} {sum(r[2]['pytest'] for r in notebook_rows):7}")

        if not args.skip_suite:
            print(f"\nStrict nbval suite: pytest -n {args.workers} --dist loadscope notebooks -q", flush=True)
            seconds, summary, status, counts = bench_suite(folder, args.workers)
            problems += status != 0
            floor = counts["flask"] * cli / args.workers
            print(f"  wall time {seconds:.1f} s; {summary}")
            print(f"  processes started: {counts['flask']} flask CLI, {counts['pytest']} pytest, "
                  f"{counts['kernel']} kernels, {counts['other']} other Python")
            print(f"  CLI floor: {counts['flask']} x {cli:.2f} s / {args.workers} workers = {floor:.1f} s; "
                  f"suite / floor = {seconds / floor if floor else float('inf'):.2f}")
            print(f"  target: suite <= {TARGETS['suite seconds']} s: {verdict(seconds <= TARGETS['suite seconds'])}; "
                  f"within {TARGETS['suite / floor']}x of the floor: "
                  f"{verdict(floor > 0 and seconds <= TARGETS['suite / floor'] * floor)}")

        if not args.skip_scale:
            from migration_lab import scale

            print(f"\nScale (notebook 12's operations) at {args.rows:,} rows:", flush=True)
            seeded, measured = bench_scale(folder, args.rows)
            print(f"  seeding: {seeded.seconds:.2f} s ({args.rows / seeded.seconds:,.0f} rows/s)")
            print("  " + scale.Timings({args.rows: measured}).table().replace("\n", "\n  "))
            s = measured.seconds
            ratio = s["add_flask"] / s["add_raw"]
            without_start = (s["add_flask"] - s["start_flask"]) / s["add_raw"]
            print(f"  add columns, Flask-Migrate / raw ALTER TABLE: {ratio:.2f}x "
                  f"({without_start:.2f}x without Flask-Migrate's fixed cost of {s['start_flask'] * 1000:.1f} ms)")
            print(f"  rebuild, Flask-Migrate / raw: {s['rebuild_flask'] / s['rebuild_raw']:.2f}x; "
                  f"same schema: {measured.same_schema}")
            if args.rows == 1_000_000:
                print(f"  target: add columns within {TARGETS['add columns / raw']}x of raw: "
                      f"{verdict(ratio <= TARGETS['add columns / raw'])}; "
                      f"seeding 1M rows under {TARGETS['seed 1M seconds']} s: "
                      f"{verdict(seeded.seconds < TARGETS['seed 1M seconds'])}")
        shutil.rmtree(folder / "scale_project", ignore_errors=True)

        if not args.skip_preflight:
            print(f"\nPreflight next to the upgrade by hand, on {args.rows:,} rows (median of 3 runs each):", flush=True)
            try:
                bench_preflight.bench(PYTHON, folder, args.rows)
            except (RuntimeError, subprocess.CalledProcessError) as error:
                problems += 1
                print(f"  FAILED: {error}")
    if problems:
        print(f"\n{problems} part(s) did not run cleanly (see FAILED above): figures may be off")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
