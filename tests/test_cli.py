"""``python -m migration_lab``: what a trainer types; every mistake gives one line of message, never a traceback."""
import subprocess
import sys

import pytest

from migration_lab.cli import GUIDE_PACKAGES, main
from migration_lab.doctor import pinned_requirements
from migration_lab.paths import PROJECT_ROOT, WORKSPACE


def run(*args):
    """The real command, as a trainer runs it from the lab's folder."""
    return subprocess.run([sys.executable, "-m", "migration_lab", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True)


def test_doctor_exits_0_on_a_ready_machine():
    result = run("doctor")
    assert result.returncode == 0, result.stdout
    assert "READY:" in result.stdout and "Flask-Migrate" in result.stdout


@pytest.mark.parametrize("args", [[], ["reset"], ["frobnicate"], ["reset", "x", "--all"], ["new"]])
def test_bad_arguments_exit_2_with_usage(args):
    result = run(*args)
    assert result.returncode == 2, args
    assert "usage:" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def file_in_the_way(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    return tmp_path / "notes.txt"


@pytest.mark.parametrize("args, message", [
    (["new", "/proc/x"], "error: cannot create /proc/x: No such file or directory; choose a folder you can write to"),
    (["new", "{tmp}/notes.txt/x"],
     "error: cannot create {tmp}/notes.txt/x: Not a directory; choose a folder you can write to"),
    (["new", "{tmp}"], "error: {tmp} exists and is not an empty folder: choose a new folder"),
    (["new", "{tmp}/notes.txt"], "error: {tmp}/notes.txt exists and is not an empty folder: choose a new folder"),
    (["reset", "no_such_notebook"], "error: no sandbox named 'no_such_notebook'; existing: "),
    (["reset", "not a name!"],
     "error: 'not a name!' is not a sandbox name: use the notebook's name, e.g. '04_generate'"),
])
def test_a_mistake_is_one_line_on_stderr_and_exit_2(file_in_the_way, args, message):
    tmp = file_in_the_way.parent
    result = run(*[arg.format(tmp=tmp) for arg in args])
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(message.format(tmp=tmp))
    assert "Traceback" not in result.stderr
    assert file_in_the_way.read_text() == "mine"


def test_new_makes_the_guides_starting_point(tmp_path, capsys, row_count):
    target = tmp_path / "my-service"
    assert main(["new", str(target)]) == 0
    assert (target / "WEB_SERVICE" / "app.py").exists() and (target / "instance" / "jobs.db").exists()
    pins = pinned_requirements()
    assert (target / "requirements.txt").read_text().splitlines() == [
        f"{name}=={pins[name]}" for name in GUIDE_PACKAGES]
    out = capsys.readouterr().out
    assert f"instance/jobs.db ({row_count} rows)" in out
    assert "python -m flask db init --directory=WEB_SERVICE/migrations" in out


def test_new_accepts_an_empty_folder(tmp_path):
    assert main(["new", str(tmp_path)]) == 0
    assert (tmp_path / "WEB_SERVICE").is_dir()


def test_status_lists_each_sandbox_with_its_checkpoint_revision_and_rows(make_sandbox, capsys, row_count):
    sandbox = make_sandbox("upgraded")
    broken = make_sandbox("created", suffix="_broken")
    broken.database_path.write_bytes(b"not a database")
    capsys.readouterr()
    assert main(["status"]) == 0
    lines = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()}
    assert lines["sandbox"] == ["checkpoint", "alembic", "revision", "rows"]
    assert lines[sandbox.name] == ["upgraded", sandbox.current_revision(), str(row_count)]
    assert lines[broken.name] == ["created", "unreadable", "(DatabaseError)", "-"]


def test_reset_deletes_one_sandbox_named_like_its_notebook(make_sandbox):
    sandbox = make_sandbox("created")
    result = run("reset", f"{sandbox.name}.ipynb")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"removed workspace/{sandbox.name}/ (the notebook's first cell rebuilds it)\n"
    assert not sandbox.root.exists() and WORKSPACE.is_dir()
