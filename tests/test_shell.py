"""``!command`` cells: no terminal, stderr merged in the order written, exit status kept."""
import pytest

from migration_lab import LabError
from migration_lab.paths import WORKSPACE, remove_inside_workspace
from migration_lab.shell import run


def test_output_keeps_the_order_of_stdout_and_stderr(capsys, monkeypatch):
    monkeypatch.setenv("PYTHONUNBUFFERED", "1")
    status = run("python3 -c \"import sys; print('one'); print('two', file=sys.stderr); print('three')\"")
    assert status == 0
    assert capsys.readouterr().out == "one\ntwo\nthree\n"


def test_exit_status_is_returned(capsys):
    assert run("exit 3") == 3


def test_there_is_no_terminal_so_nothing_wraps(capsys):
    run("python3 -c \"import os, sys; print(sys.stdin.isatty(), sys.stdout.isatty())\"")
    assert capsys.readouterr().out == "False False\n"


def test_a_command_in_a_deleted_sandbox_says_what_to_rerun(make_sandbox, capsys):
    sandbox = make_sandbox("generated")
    remove_inside_workspace(WORKSPACE / sandbox.name)
    with pytest.raises(LabError, match="re-run the notebook's first code cell"):
        run("python -m  flask db upgrade --directory=WEB_SERVICE/migrations")
    assert "Traceback" not in capsys.readouterr().out
