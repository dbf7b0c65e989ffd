"""The trainers' tools: the workshop plan's arithmetic, the load test's refusal of bad input."""
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools import load_test, workshop_plan
from workshop.errors import WorkshopError

ROOT = Path(__file__).resolve().parent.parent


def test_minutes_come_from_words_cells_exercises_and_run_time():
    a = workshop_plan.Assumptions(words_per_minute=100, minutes_per_code_cell=0.5, minutes_per_exercise=10)
    assert workshop_plan.Measure("x", words=1000, code_cells=4, exercises=1, run_seconds=120).minutes(a) == 24


def test_counting_skips_navigation_and_finds_exercises():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title with four words"),
        nbformat.v4.new_markdown_cell("<!-- lab-nav: generated --> [next](x.ipynb)"),
        nbformat.v4.new_markdown_cell("## Exercise 1 · Do it\n## Exercise 2 · Again"),
        nbformat.v4.new_code_cell("print(1)")])
    words, code, exercises = workshop_plan.count(notebook)
    assert (code, exercises) == (1, 2) and words == 4 + 7  # "·" is not a word


def test_the_day_schedules_every_numbered_notebook_with_labelled_breaks():
    scheduled = [n for _, books, _ in workshop_plan.DAY if books for n in books]
    numbered = sorted(p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(scheduled) == numbered
    measures = {n: workshop_plan.Measure(n, 150, 2, 0, 0) for n in scheduled}
    rows = workshop_plan.plan(measures, workshop_plan.Assumptions(), start_minutes=9 * 60)
    labels = [row[1] for row in rows]
    assert labels.count("Break") == 3 and labels.count("Lunch") == 2 and labels[-1] == "End"
    assert all(row[3] % 5 == 0 for row in rows)
    assert rows[0][0] == "9:00" and rows[1][0] == "9:05"  # 00 and 01: 2 x (1 + 1) min = 4, rounded up to 5
    second_day = labels.index(f"**{workshop_plan.NEXT_DAY[0]}**")
    assert labels[second_day - 1] == "End of day 1" and rows[second_day + 1][0] == "9:00"


def test_the_plan_command_refuses_a_bad_start_time():
    result = subprocess.run([sys.executable, "-m", "tools.workshop_plan", "--no-run", "--start", "25:00"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "H:MM" in result.stderr


@pytest.mark.parametrize("text", ["", "0", "-1,2", "two", "1,500"])
def test_the_load_test_refuses_bad_learner_counts(text):
    with pytest.raises(WorkshopError, match="--learners"):
        load_test.parse_counts(text)


def test_the_load_test_names_notebooks_by_number():
    assert load_test.parse_counts("8,1,2,2") == [1, 2, 8]
    assert load_test.notebook_paths("02,08") == ["notebooks/02_init.ipynb", "notebooks/08_production.ipynb"]
    with pytest.raises(WorkshopError, match="no notebook numbered '99'"):
        load_test.notebook_paths("02,99")


@pytest.mark.parametrize("args, message", [(["--learners", "abc"], "error: --learners"),
                                           (["--p95", "0"], "error: --p95"), (["--notebooks", "77"], "error: --notebooks")])
def test_the_load_test_exits_2_with_one_line_on_bad_input(args, message):
    result = subprocess.run([sys.executable, "-m", "tools.load_test", *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and result.stderr.startswith(message) and "Traceback" not in result.stderr


def test_percentiles_and_capacity():
    assert load_test.percentile([1, 2, 3, 4, 100], 0.5) == 3
    memory = {"server": 100, "kernel": 100, "postgres": 20, "other": 36}
    rounds = [{"N": n, "joined": n, "failures": [], "p95": p95, "memory": memory}
              for n, p95 in ((1, 1.0), (4, 1.5), (8, 3.0))]
    text = load_test.capacity(rounds, 2.0, cores=2)
    assert "4 learners (N=8 did not) on 2 cores = 2.0 learners per core" in text and "4.0 learners per GiB" in text
    assert "8 learners on 2 cores" in load_test.capacity(rounds, 3.0, cores=2)
    assert "no round met" in load_test.capacity(rounds, 0.5, cores=2)
