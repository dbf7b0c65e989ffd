"""Shorten what a failing command prints, so a notebook shows the error and not eighty lines of stack.

A migration that fails ends ``flask db upgrade`` with a Python traceback: dozens of stack frames
inside the installed packages, then the line that says what went wrong. Piped through this module,
the output keeps every other line as printed, each traceback keeps its first line and its error,
and paths into the installed packages (in a warning, say) read ``<site-packages>/``:

    !python -m flask db upgrade --directory=WEB_SERVICE/migrations 2>&1 | python -m migration_lab.tracebacks

Drop the ``| python -m migration_lab.tracebacks`` to see the whole traceback.
"""
import re
import sys

TRACEBACK = "Traceback (most recent call last):"
HIDDEN = "  ... (stack frames hidden)"
INSTALLED = re.compile(r"""(?:[A-Za-z]:)?[^\s"']*[/\\](?:site|dist)-packages[/\\]""")


def shorten(lines):
    """Yield ``lines`` with traceback frames folded into one line and install paths shortened."""
    in_traceback = False
    for line in lines:
        if in_traceback:
            if line.startswith((" ", "\t")) or not line.strip():
                continue
            in_traceback = False
            yield HIDDEN + "\n"
        if line.startswith(TRACEBACK):
            in_traceback = True
        yield INSTALLED.sub("<site-packages>/", line)
    if in_traceback:
        yield HIDDEN + "\n"


def main():
    for line in shorten(sys.stdin):
        sys.stdout.write(line)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
