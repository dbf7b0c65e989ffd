"""Run the sandbox's Flask app and Flask-Migrate's own functions inside this Python process.

One ``python -m flask db ...`` process spends most of its second importing; calling the same
Flask-Migrate function here takes milliseconds. Notebooks use this to replay the steps that
come before them, and keep the real CLI for what the learner is there to see.
"""
import contextlib
import importlib
import io
import logging
import sys
import traceback
from pathlib import Path

import flask_migrate
from alembic.config import Config

from .errors import LabError

PACKAGE = "WEB_SERVICE"


def _forget_package():
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def _import_problem(root, error):
    """Point at the line of the sandbox's code that failed, in one sentence."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if str(root) in f.filename]
    where = ""
    if isinstance(error, SyntaxError) and error.filename:
        where = f" ({Path(error.filename).relative_to(root)}, line {error.lineno})"
    elif frames:
        where = f" ({Path(frames[-1].filename).relative_to(root)}, line {frames[-1].lineno})"
    return LabError(
        f"the sandbox app does not import: {type(error).__name__}: {error}{where}. "
        "Fix that file, or re-run the notebook's first code cell to start again from a clean copy."
    )


@contextlib.contextmanager
def load_app(root):
    """A fresh import of ``root/WEB_SERVICE/app.py``; yields its module-level ``app``."""
    root = Path(root).resolve()
    if not (root / PACKAGE / "app.py").exists():
        raise LabError(f"no {PACKAGE}/app.py under {root.name}: re-run the notebook's first code cell")
    _forget_package()
    sys.path.insert(0, str(root))
    try:
        try:
            module = importlib.import_module(f"{PACKAGE}.app")
        except Exception as error:  # any import failure is the learner's code: explain it
            raise _import_problem(root, error) from None
        app = module.app
        try:
            yield app
        finally:
            with app.app_context():
                app.extensions["sqlalchemy"].engines  # noqa: B018  (created lazily)
                for engine in app.extensions["sqlalchemy"].engines.values():
                    engine.dispose()
    finally:
        sys.path.remove(str(root))
        _forget_package()


@contextlib.contextmanager
def _quiet_logging():
    """Let env.py's fileConfig() configure logging, then put the kernel's logging back."""
    manager = logging.root.manager
    saved_root = (logging.root.level, list(logging.root.handlers))
    saved = {name: (lg.level, list(lg.handlers), lg.propagate, lg.disabled)
             for name, lg in manager.loggerDict.items() if isinstance(lg, logging.Logger)}
    try:
        yield
    finally:
        logging.root.setLevel(saved_root[0])
        logging.root.handlers[:] = saved_root[1]
        for name, lg in manager.loggerDict.items():
            if not isinstance(lg, logging.Logger):
                continue
            if name in saved:
                lg.level, handlers, lg.propagate, lg.disabled = saved[name]
                lg.handlers[:] = handlers
            else:
                lg.handlers[:] = []
                lg.disabled = False


@contextlib.contextmanager
def _alembic_prints_to(output):
    """Alembic's Config keeps the ``sys.stdout`` of import time: send what it prints to ``output``."""
    original = Config.print_stdout

    def print_stdout(config, text, *args):
        output.write((str(text) % args if args else str(text)) + "\n")

    Config.print_stdout = print_stdout
    try:
        yield
    finally:
        Config.print_stdout = original


def flask_db(root, command, **options):
    """Call ``flask_migrate.<command>`` on the sandbox at ``root``, as ``flask db <command>`` would.

    Returns what the command printed. A failure raises LabError with that output.
    """
    root = Path(root).resolve()
    options.setdefault("directory", str(root / PACKAGE / "migrations"))
    output = io.StringIO()
    with load_app(root) as app, app.app_context(), _quiet_logging():
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output), \
                    _alembic_prints_to(output):
                getattr(flask_migrate, command)(**options)
        except SystemExit:
            raise LabError(f"flask db {command} failed in {root.name}:\n{output.getvalue().strip()}") from None
    return output.getvalue()


def model_metadata(root):
    """The sandbox models' MetaData and the database dialect: what autogenerate compares."""
    with load_app(root) as app, app.app_context():
        db = app.extensions["migrate"].db
        return db.metadata, db.engine.dialect
