"""A progress bar for long command-line steps: on standard error, and only when it is a terminal.

A CI log or a pipe gets nothing (tqdm's ``disable=None`` turns the bar off when the stream is not a
TTY), so what preflight writes to standard output, and its JSON, never mix with a bar.
"""
import contextlib
import sys

from tqdm import tqdm


class Bar:
    """Advance by one (``advance``) or to a count (``advance_to(done, total)``); nothing when shown=False."""

    def __init__(self, bar):
        self._bar = bar

    @property
    def shown(self):
        """Whether a bar is drawn: a step that only feeds the bar can be skipped when it is not."""
        return self._bar is not None

    def advance(self, steps=1):
        if self._bar is not None:
            self._bar.update(steps)

    def advance_to(self, done, total):
        if self._bar is not None:
            if self._bar.total != total:
                self._bar.total = total
            self._bar.update(done - self._bar.n)


@contextlib.contextmanager
def progress_bar(description, unit, show=True, total=None, stream=None):
    """A Bar on ``stream`` (default standard error) if it is a terminal and ``show``; closed after the block."""
    stream = stream or sys.stderr
    bar = tqdm(total=total, desc=description, unit=f" {unit}", file=stream, leave=False, disable=None,
               dynamic_ncols=True) if show else None
    if bar is not None and bar.disable:
        bar = None
    try:
        yield Bar(bar)
    finally:
        if bar is not None:
            bar.close()
