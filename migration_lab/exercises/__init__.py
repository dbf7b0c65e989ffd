"""The exercises of notebook 15: each starts a sandbox of its own, and a checker inspects it for real.

    ex2 = exercises.start("rename", "15_exercises")   # a fresh sandbox workspace/15_exercises-rename/
    print(exercises.check(ex2))                        # what holds, what is missing
    exercises.hint(ex2)                                # one hint, the next one at the next call
    ex2 = exercises.resume("rename", "15_exercises")  # back to it later, as you left it
    exercises.reset_database(ex2)                      # the start database back, your files kept

Each exercise is a module of this package (its set-up, its checker); their solutions live once,
in ``solutions/``, used by notebook 16, by the tests that prove each checker, and by the checkers
themselves: "right" is the database a solution gives on a fresh copy, compared exactly.
"""
import importlib
import json
import shutil
import textwrap
from pathlib import Path

from ..errors import LabError
from ..ipython import show_lab_errors_as_messages, use_pipes_for_bang_commands
from ..paths import relative_to_project
from ..workspace import MARKER, Sandbox, open_sandbox
from . import baseline, downgrade, merge, rename, server_default
from .checks import START_DATABASE, Result, start_database

EXERCISES = {module.EXERCISE.slug: module.EXERCISE
             for module in (server_default, rename, merge, downgrade, baseline)}


def exercise(slug):
    """The Exercise called ``slug``; LabError naming the others otherwise."""
    if slug not in EXERCISES:
        raise LabError(f"no exercise {slug!r}; the exercises are: {', '.join(EXERCISES)}")
    return EXERCISES[slug]


def set_up(slug, sandbox):
    """Prepare a sandbox, already at the exercise's checkpoint, for exercise ``slug``; prints what was done.

    The database as set up is kept beside it (``.lab-start.db``): the checker and ``reset_database`` use it.
    """
    prepare = exercise(slug).prepare
    for line in (prepare(sandbox) if prepare else ()):
        print(f"  set-up   : {line}")
    shutil.copyfile(sandbox.database_path, Path(sandbox.root) / START_DATABASE)
    return sandbox


def start(slug, notebook):
    """A fresh sandbox ``workspace/<notebook>-<slug>/`` set up for one exercise; cells with ! run there.

    Running it again starts the exercise over (``resume`` keeps your work).
    """
    return set_up(slug, open_sandbox(f"{notebook}-{slug}", exercise(slug).checkpoint))


def resume(slug, notebook):
    """Back to the sandbox of exercise ``slug`` as you left it (nothing rebuilt); cells with ! run there again.

    Builds it with ``start`` when it does not exist yet.
    """
    exercise(slug)
    sandbox = Sandbox(f"{notebook}-{slug}")
    if not (sandbox.root / MARKER).is_file():
        print(f"No sandbox {relative_to_project(sandbox.root)}/ yet: building it.")
        return start(slug, notebook)
    show_lab_errors_as_messages()
    use_pipes_for_bang_commands()
    sandbox.enter()
    print(f"Back in {relative_to_project(sandbox.root)}/ as you left it (nothing rebuilt): "
          "cells starting with ! run there.")
    return sandbox


def slug_of(sandbox):
    """The exercise a sandbox was started for, read from its name (``15_exercises-rename``)."""
    slug = sandbox.name.rsplit("-", 1)[-1]
    if "-" not in sandbox.name or slug not in EXERCISES:
        raise LabError(f"{sandbox.name} is not an exercise's sandbox: start it with exercises.start(...)")
    return slug


def check(sandbox):
    """Check the exercise ``sandbox`` was started for; returns the Result (print it)."""
    slug = slug_of(sandbox)
    result = exercise(slug).check(sandbox.require())
    if Path.cwd().resolve() != Path(sandbox.root).resolve():
        notebook, here = sandbox.name.rsplit("-", 1)[0], relative_to_project(Path.cwd())
        return Result(result.exercise, result.right, result.missing, result.notes + (
            f"cells starting with ! run in {'the lab folder' if here == '.' else here + '/'}, not in this sandbox: "
            f"{exercise(slug).variable} = exercises.resume(\"{slug}\", \"{notebook}\") goes back to it",), result.ask)
    return result


def _hints_shown(sandbox, shown=None):
    """How many hints of its exercise the sandbox has shown (kept in its marker, so it survives a restart)."""
    marker = Path(sandbox.root) / MARKER
    state = json.loads(marker.read_text()) if marker.is_file() else {}
    if shown is not None:
        marker.write_text(json.dumps({**state, "hints_shown": shown}))
    return state.get("hints_shown", 0)


def next_hint(sandbox):
    """(level, how many, text) of the next hint for the exercise of ``sandbox``; the last one repeats."""
    hints = exercise(slug_of(sandbox)).hints
    level = min(_hints_shown(sandbox) + 1, len(hints))
    _hints_shown(sandbox.require(), level)
    return level, len(hints), hints[level - 1]


def hint(sandbox):
    """Print the next hint for the exercise of ``sandbox``: the idea first, then where, then the code."""
    level, total, text = next_hint(sandbox)
    then = ("run it again for the next one" if level < total
            else "that was the last one; notebook 16 has the solution, step by step")
    print(textwrap.fill(f"Hint {level} of {total}: {text}", width=110, subsequent_indent="  ") + f"\n({then})")


def reset_database(sandbox):
    """Put back the database the exercise's start cell made; the model and the migration scripts stay as they are."""
    start_db = start_database(sandbox.require())
    if start_db is None:
        raise LabError(f"{sandbox.name} keeps no start database: re-run the exercise's start cell")
    shutil.copyfile(start_db.database_path, sandbox.database_path)
    print(f"The database of {sandbox.name} is back as the start cell made it (at "
          f"{', '.join(sandbox.current_heads()) or 'no revision'}); your model and scripts are unchanged.")


def solution(slug):
    """The module of ``solutions/`` that solves exercise ``slug`` (read it, or call its steps)."""
    exercise(slug)
    return importlib.import_module(f"{__name__}.solutions.{slug}")


__all__ = ["EXERCISES", "Result", "check", "exercise", "hint", "reset_database", "resume", "set_up", "slug_of",
           "solution", "start"]
