"""The one exception the lab raises, and how any error reads in one line."""


class LabError(Exception):
    """Something the learner can fix; the message says what to do."""


def one_line(error, hide=None):
    """What went wrong, in one line a learner can read.

    A LabError that wraps a command's output ends with the command's own last line (the error it
    printed); any other exception reads ``Type: first line``. ``hide`` (a folder) is replaced by
    ``<copy>``, so a throwaway copy's path never reaches an output.
    """
    if isinstance(error, LabError):
        lines = [line for line in str(error).splitlines()[1:] if line.strip()] or [str(error)]
        message = lines[-1].strip()
    else:
        first = str(error).splitlines()[0] if str(error) else ""
        message = f"{type(error).__name__}: {first}".rstrip(": ")
    return message.replace(str(hide), "<copy>") if hide else message
