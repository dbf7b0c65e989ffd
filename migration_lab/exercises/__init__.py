"""The exercises of notebook 13: each starts a sandbox of its own, and a checker inspects it for real.

    ex2 = exercises.start("rename", "13_exercises")   # fresh sandbox workspace/13_exercises-rename/
    print(exercises.check(ex2))                        # what holds, what is missing, a hint

Each exercise is a module of this package (its set-up, its checker); their solutions live once,
in ``solutions/``, used by notebook 14 and by the tests that prove each checker.
"""
import importlib

from ..errors import LabError
from ..workspace import open_sandbox
from . import baseline, downgrade, merge, rename, server_default
from .checks import Result

EXERCISES = {module.EXERCISE.slug: module.EXERCISE
             for module in (server_default, rename, merge, downgrade, baseline)}


def exercise(slug):
    """The Exercise called ``slug``; LabError naming the others otherwise."""
    if slug not in EXERCISES:
        raise LabError(f"no exercise {slug!r}; the exercises are: {', '.join(EXERCISES)}")
    return EXERCISES[slug]


def set_up(slug, sandbox):
    """Prepare a sandbox, already at the exercise's checkpoint, for exercise ``slug``; prints what was done."""
    prepare = exercise(slug).prepare
    for line in (prepare(sandbox) if prepare else ()):
        print(f"  set-up   : {line}")
    return sandbox


def start(slug, notebook):
    """A fresh sandbox ``workspace/<notebook>-<slug>/`` set up for one exercise; cells with ! run there."""
    return set_up(slug, open_sandbox(f"{notebook}-{slug}", exercise(slug).checkpoint))


def slug_of(sandbox):
    """The exercise a sandbox was started for, read from its name (``13_exercises-rename``)."""
    slug = sandbox.name.rsplit("-", 1)[-1]
    if "-" not in sandbox.name or slug not in EXERCISES:
        raise LabError(f"{sandbox.name} is not an exercise's sandbox: start it with exercises.start(...)")
    return slug


def check(sandbox):
    """Check the exercise ``sandbox`` was started for; returns the Result (print it)."""
    return exercise(slug_of(sandbox)).check(sandbox)


def solution(slug):
    """The module of ``solutions/`` that solves exercise ``slug`` (read it, or call its steps)."""
    exercise(slug)
    return importlib.import_module(f"{__name__}.solutions.{slug}")


__all__ = ["EXERCISES", "Result", "check", "exercise", "set_up", "slug_of", "solution", "start"]
