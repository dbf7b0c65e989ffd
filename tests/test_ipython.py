"""The IPython hooks, installed on a real InteractiveShell: `!` through a pipe, a LabError as a message."""
import builtins
import sys

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from migration_lab.ipython import current_shell, show_lab_errors_as_messages, use_pipes_for_bang_commands

IS_A_TERMINAL = '!python3 -c "import sys; print(sys.stdin.isatty(), sys.stdout.isatty())"'


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """A fresh IPython shell of its own (not the global instance), history in memory; the process put back after."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])  # the shell installs its own
    builtin_names = set(vars(builtins))  # and adds display, __IPYTHON__
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell(config=config)
    yield shell
    shell.history_manager.end_session()
    for name in set(vars(builtins)) - builtin_names:
        delattr(builtins, name)


@pytest.fixture
def lab_shell(shell):
    """The shell with the lab's two hooks, as open_sandbox installs them in a notebook."""
    show_lab_errors_as_messages(shell=shell)
    use_pipes_for_bang_commands(shell=shell)
    return shell


def run(shell, cell, capsys):
    """Run one cell; what it printed."""
    shell.run_cell(cell)
    return capsys.readouterr().out


def test_a_bang_command_prints_its_output_and_keeps_its_exit_status(lab_shell, capsys):
    assert run(lab_shell, "!echo hi", capsys) == "hi\n"
    assert lab_shell.user_ns["_exit_code"] == 0
    run(lab_shell, "!echo failing >&2; exit 3", capsys)
    assert lab_shell.user_ns["_exit_code"] == 3


def test_a_bang_command_still_expands_names_and_expressions(lab_shell, capsys):
    lab_shell.user_ns["name"] = "jobs.db"
    assert run(lab_shell, "!echo $name {1 + 1}", capsys) == "jobs.db 2\n"


def test_a_bang_command_runs_in_a_pipe_not_a_terminal(shell, capsys):
    assert run(shell, IS_A_TERMINAL, capsys).split()[-1] == "True"  # IPython's own `!`: a pseudo-terminal
    use_pipes_for_bang_commands(shell=shell)
    assert run(shell, IS_A_TERMINAL, capsys) == "False False\n"


def test_a_lab_error_reads_as_one_message_without_a_traceback(lab_shell, capsys):
    out = run(lab_shell, 'from migration_lab import LabError\nraise LabError("re-run the first cell")', capsys)
    assert out == "LabError: re-run the first cell\n"


def test_any_other_error_keeps_its_traceback(lab_shell, capsys):
    out = run(lab_shell, "1 / 0", capsys)
    assert "Traceback" in out and "ZeroDivisionError" in out


def test_without_the_hook_a_lab_error_is_a_traceback(shell, capsys):
    out = run(shell, 'from migration_lab import LabError\nraise LabError("re-run the first cell")', capsys)
    assert "Traceback" in out


def test_outside_ipython_there_is_no_shell_and_the_hooks_do_nothing():
    assert current_shell() is None
    show_lab_errors_as_messages()
    use_pipes_for_bang_commands()
