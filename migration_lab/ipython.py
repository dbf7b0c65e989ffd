"""How the lab plugs into IPython: errors as messages, ``!`` commands through a pipe.

Both hooks change nothing outside IPython (a script, a test, the CLI): :func:`current_shell` is None there.
"""
from .errors import LabError
from .shell import run


def current_shell():
    """The running IPython shell, or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def show_lab_errors_as_messages(shell=None):
    """Print a LabError as one clear paragraph instead of a traceback: it says what to do."""
    shell = shell or current_shell()
    if shell is None:
        return

    def handler(shell, etype, value, tb, tb_offset=None):
        print(f"LabError: {value}")

    shell.set_custom_exc((LabError,), handler)


def use_pipes_for_bang_commands(shell=None):
    """Make ``!command`` run through :func:`migration_lab.shell.run` (``$name`` and ``{expr}`` still expand).

    Its exit status lands in ``_exit_code``, as IPython's own ``!`` does.
    """
    shell = shell or current_shell()
    if shell is None:
        return

    def system(command):
        shell.user_ns["_exit_code"] = run(shell.var_expand(command, depth=1))

    shell.system = system
