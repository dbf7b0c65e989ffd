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

from .database import app_database_url
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
def load_app(root, database=None):
    """A fresh import of ``root/WEB_SERVICE/app.py``; yields its module-level ``app``.

    ``database`` (a SQLAlchemy URL) is given to the app as ``DATABASE_URL`` while it loads and runs;
    None means the app's own default, ``instance/jobs.db``, whatever the kernel's environment says.
    """
    root = Path(root).resolve()
    if not (root / PACKAGE / "app.py").exists():
        raise LabError(f"no {PACKAGE}/app.py under {root.name}: re-run the notebook's first code cell")
    _forget_package()
    sys.path.insert(0, str(root))
    try:
        with app_database_url(database):
            try:
                module = importlib.import_module(f"{PACKAGE}.app")
            except Exception as error:  # any import failure is the learner's code: explain it
                raise _import_problem(root, error) from None
            app = module.app
            try:
                yield app
            finally:
                with app.app_context():
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
def _capture_alembic_output(app, output):
    """Send what Alembic prints to ``output``, through the hook Flask-Migrate documents.

    Alembic's ``Config.print_stdout`` writes to ``config.stdout``, which defaults to the
    ``sys.stdout`` of import time (so ``redirect_stdout`` misses it). Flask-Migrate calls every
    function registered with ``Migrate.configure`` on each Config it builds: this one points
    ``config.stdout`` at ``output``, for as long as the block lasts (an app that stays loaded
    for several commands, as preflight's does, collects no stale callbacks).
    """
    def to_output(config):
        config.stdout = output
        return config

    callbacks = app.extensions["migrate"].migrate.configure_callbacks
    callbacks.append(to_output)
    try:
        yield
    finally:
        callbacks.remove(to_output)


def run_command(app, command, where, **options):
    """``flask db <command>`` on an app already loaded, in this process; returns what it printed.

    ``options`` are the keyword arguments of ``flask_migrate.<command>``. When Flask-Migrate gives up
    (it exits, as the CLI would), LabError carries what it printed, ``where`` naming the project; an
    error inside a migration (SQL the database refuses) propagates as SQLAlchemy raised it.
    """
    output = io.StringIO()
    with app.app_context(), _quiet_logging(), _capture_alembic_output(app, output):
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                getattr(flask_migrate, command)(**options)
        except SystemExit:
            raise LabError(f"flask db {command} failed in {where}:\n{output.getvalue().strip()}") from None
    return output.getvalue()


def flask_db(root, command, database=None, **options):
    """``flask db <command>`` for the project at ``root``, in this process; returns what it printed.

    ``options`` are the keyword arguments of ``flask_migrate.<command>`` (``message=``, ``revision=``,
    ``rev_id=`` ...); ``directory`` defaults to ``WEB_SERVICE/migrations``. ``database`` (a URL)
    replaces the app's own database for this command. Failures: see :func:`run_command`.
    """
    root = Path(root).resolve()
    options.setdefault("directory", str(root / PACKAGE / "migrations"))
    with load_app(root, database) as app:
        return run_command(app, command, root.name, **options)


def model_metadata(root):
    """The project models' MetaData and the database dialect: what autogenerate compares."""
    with load_app(root) as app, app.app_context():
        db = app.extensions["migrate"].db
        return db.metadata, db.engine.dialect
