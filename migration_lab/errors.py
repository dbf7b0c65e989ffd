"""The one exception the lab raises, shown in notebooks as a message rather than a traceback."""
from .ipython import current_shell


class LabError(Exception):
    """Something the learner can fix; the message says what to do."""


def show_lab_errors_as_messages():
    """In IPython, print a LabError as one clear paragraph instead of a traceback."""
    shell = current_shell()
    if shell is None:
        return

    def handler(shell, etype, value, tb, tb_offset=None):
        print(f"LabError: {value}")
        return None

    shell.set_custom_exc((LabError,), handler)
