"""The workshop plan (a day, then half a day for teams), each block's minutes derived from the notebooks, not guessed.

    python -m tools.workshop_plan                     # runs every notebook once to measure it (2-3 min)
    python -m tools.workshop_plan --no-run            # reading time only (run time counted as 0)
    python -m tools.workshop_plan --words-per-minute 120 --start 9:30

A notebook's minutes = its prose at a stated reading speed (markdown words / words per minute)
+ a stated time per code cell (read the code, run it, read the output) + the machine's own run
time, measured by executing the notebook once + a stated time of hands-on work per exercise
(headings "## Exercise N" in notebook 15). Notebooks run in a temporary copy of the lab, so this can
run beside `make test` or a learner. Blocks group notebooks in the order the day teaches
them; breaks are fixed. The figures are the assumptions, printed with the plan: change them, re-run.
"""
import argparse
import math
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

# (label, notebook numbers or None for a break, minutes of a break, goal); NEXT_DAY starts the clock again
NEXT_DAY = ("Day 2 (for teams: troubleshooting, CI, production on PostgreSQL)", None, None)
DAY = [
    ("Start", ["00", "01"], "every machine ready; the \"before\" database"),
    ("The guide's path", ["02", "03", "04"], "init, edit the model, generate the migration"),
    ("The guide's path", ["05", "06"], "review the script like a reviewer; upgrade"),
    ("Break", None, 15),
    ("Does it drop data?", ["07"], "the guide's \"never drops data\" tested, and disproved"),
    ("Other commands", ["09"], "current, history, downgrade, stamp, merge"),
    ("Lunch", None, 60),
    ("Production", ["08"], "baseline, backups, offline SQL, PostgreSQL rollback, preflight"),
    ("Break", None, 15),
    ("Exercises", ["15", "16"], "five exercises with checkers, then the solutions together"),
    NEXT_DAY,
    ("Troubleshooting", ["10"], "the `flask db` errors users report most: symptom, cause, fix, check"),
    ("Break", None, 15),
    ("CI, large tables, PostgreSQL under load", ["11", "12", "13"],
     "migration tests in CI; a migration at a million rows; zero-downtime migrations"),
    ("Lunch", None, 60),
    ("Troubleshooting on PostgreSQL", ["14"], "enum types; replicas racing on `flask db upgrade`"),
]


@dataclass(frozen=True)
class Assumptions:
    words_per_minute: float = 150  # prose in a second language, with a terminal open beside it
    minutes_per_code_cell: float = 0.5  # read the code, run it, read what it printed
    minutes_per_exercise: float = 8  # hands-on work: edit, generate, check (the checker's cell included)


@dataclass(frozen=True)
class Measure:
    name: str
    words: int
    code_cells: int
    exercises: int
    run_seconds: float

    def minutes(self, a):
        return (self.words / a.words_per_minute + self.code_cells * a.minutes_per_code_cell
                + self.exercises * a.minutes_per_exercise + self.run_seconds / 60)


def count(notebook):
    """(markdown words, code cells, exercises) of a notebook (navigation bars are not prose)."""
    words = sum(len(re.findall(r"\w+", cell.source)) for cell in notebook.cells
                if cell.cell_type == "markdown" and "lab-nav" not in cell.source)
    code = sum(1 for cell in notebook.cells if cell.cell_type == "code")
    exercises = sum(len(re.findall(r"^## Exercise \d", cell.source, re.MULTILINE)) for cell in notebook.cells
                    if cell.cell_type == "markdown")
    return words, code, exercises


def lab_copy(folder):
    """A copy of the lab to execute notebooks in: its sandboxes never touch this checkout's workspace/.

    (migration_lab.paths finds the project root from the kernel's folder, so the copy's notebooks build
    their sandboxes in the copy; a test run or a learner in this checkout is left alone.)
    """
    folder = Path(folder)
    for name in ("sample_app", "data", "notebooks"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__", "instance"))
    shutil.copy(ROOT / "requirements.txt", folder / "requirements.txt")
    return folder


def run_seconds(path):
    """Execute the notebook once in a fresh kernel, in its folder (nothing is saved): seconds."""
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    return time.perf_counter() - started


def measure(numbers, run=True, notebooks=NOTEBOOKS):
    found = {}
    for number in numbers:
        paths = sorted(Path(notebooks).glob(f"{number}_*.ipynb"))
        if len(paths) != 1:
            raise SystemExit(f"error: no notebook numbered {number} in notebooks/")
        words, code, exercises = count(nbformat.read(paths[0], as_version=4))
        seconds = run_seconds(paths[0]) if run else 0.0
        found[number] = Measure(paths[0].stem, words, code, exercises, seconds)
        print(f"  {paths[0].stem:28} {words:5} words {code:3} code cells {exercises} exercises "
              f"{seconds:5.1f} s run", file=sys.stderr, flush=True)
    return found


def round_up(minutes, step=5):
    return int(math.ceil(minutes / step) * step)


def plan(measures, assumptions, start_minutes=9 * 60):
    """Rows (start, label, notebooks, minutes, goal) of the day, each block rounded up to 5 minutes."""
    rows, clock = [], start_minutes
    for label, numbers, third in DAY:
        if (label, numbers, third) == NEXT_DAY:
            rows.append((f"{clock // 60}:{clock % 60:02d}", "End of day 1", "", 0, ""))
            rows.append(("", f"**{label}**", "", 0, ""))
            clock = start_minutes
            continue
        if numbers is None:
            minutes, shown, goal = third, "", ""
        else:
            minutes = round_up(sum(measures[n].minutes(assumptions) for n in numbers))
            shown, goal = ", ".join(numbers), third
        rows.append((f"{clock // 60}:{clock % 60:02d}", label, shown, minutes, goal))
        clock += minutes
    rows.append((f"{clock // 60}:{clock % 60:02d}", "End", "", 0, ""))
    return rows


def markdown(rows, measures, assumptions):
    lines = ["| When | Block | Notebooks | Minutes | Goal |", "| --- | --- | --- | ---: | --- |"]
    lines += [f"| {when} | {label} | {books} | {minutes or ''} | {goal} |" for when, label, books, minutes, goal in rows]
    lines += ["", "| Notebook | Words | Code cells | Exercises | Run s | Minutes |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {m.name} | {m.words} | {m.code_cells} | {m.exercises} | {m.run_seconds:.0f} | "
              f"{m.minutes(assumptions):.0f} |" for m in measures.values()]
    lines += ["", f"Assumptions: {assumptions.words_per_minute:g} words per minute; "
              f"{assumptions.minutes_per_code_cell:g} min per code cell; {assumptions.minutes_per_exercise:g} min "
              "of hands-on work per exercise; blocks rounded up to 5 minutes."]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.workshop_plan", description=__doc__.splitlines()[0])
    parser.add_argument("--words-per-minute", type=float, default=Assumptions.words_per_minute)
    parser.add_argument("--minutes-per-code-cell", type=float, default=Assumptions.minutes_per_code_cell)
    parser.add_argument("--minutes-per-exercise", type=float, default=Assumptions.minutes_per_exercise)
    parser.add_argument("--start", default="9:00", help="when the day starts (H:MM)")
    parser.add_argument("--no-run", action="store_true", help="do not execute the notebooks (run time 0)")
    args = parser.parse_args(argv)
    match = re.fullmatch(r"(\d{1,2}):(\d\d)", args.start)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        parser.error(f"--start {args.start!r}: give H:MM, e.g. 9:00")
    if min(args.words_per_minute, args.minutes_per_code_cell + 1, args.minutes_per_exercise + 1) <= 0:
        parser.error("the assumptions must be positive")
    assumptions = Assumptions(args.words_per_minute, args.minutes_per_code_cell, args.minutes_per_exercise)
    numbers = [n for _, books, _ in DAY if books for n in books]
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    with tempfile.TemporaryDirectory(prefix="lab-plan-") as folder:
        # PostgreSQL's data directory is named after the user and the notebook, in the temporary folder:
        # give this run its own (world-enterable, as pgserver's user needs as root) so that another
        # checkout running notebook 08 at the same moment cannot stop ours, nor ours theirs.
        Path(folder).chmod(0o755)
        private_tmp = Path(folder) / "tmp"
        private_tmp.mkdir(mode=0o1777)
        private_tmp.chmod(0o1777)
        os.environ["TMPDIR"] = str(private_tmp)
        measures = measure(numbers, run=not args.no_run, notebooks=lab_copy(folder) / "notebooks")
    print(markdown(plan(measures, assumptions, int(match[1]) * 60 + int(match[2])), measures, assumptions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
