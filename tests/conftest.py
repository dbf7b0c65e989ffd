"""Fixtures in the shape of Flask's tutorial: the data set, a project on a fresh database, its app, sandboxes."""
import csv
import os
import re
import threading
from pathlib import Path

import pytest

from migration_lab import open_sandbox
from migration_lab.checkpoints import replay
from migration_lab.locks import _engine
from migration_lab.paths import DATA_CSV, PROJECT_ROOT, WORKSPACE, remove_inside_workspace
from migration_lab.project import create_sample_project


@pytest.fixture(scope="session")
def csv_rows():
    """The rows of data/conversion_jobs.csv as dicts: what every seeded database holds."""
    with open(DATA_CSV, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def row_count(csv_rows):
    return len(csv_rows)


@pytest.fixture
def open_files():
    """``open_files(path)``: the file descriptors of this process open on ``path`` (read through Linux's /proc)."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("lists open files through Linux's /proc")

    def open_files(path):
        return [fd for fd in Path("/proc/self/fd").iterdir() if os.path.realpath(fd) == str(Path(path).resolve())]
    return open_files


@pytest.fixture
def project(tmp_path):
    """The guide's starting point (seeded database, no migrations) in a temp folder: a Project."""
    return create_sample_project(tmp_path / "project")


@pytest.fixture
def project_at(project):
    """``project_at("upgraded")``: the project after the guide's steps up to that checkpoint, replayed in process."""
    def replayed(checkpoint):
        replay(project, checkpoint)
        return project
    return replayed


@pytest.fixture
def app(project):
    with project.flask_app() as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_sandbox(request, monkeypatch):
    """open_sandbox() under a name unique to this test; cwd and environment restored after."""
    monkeypatch.chdir(PROJECT_ROOT)
    for name in ("FLASK_APP", "PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "DATABASE_URL"):
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    base = "test_" + re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name)[:60] + "_" + worker
    made = []

    def make(checkpoint="created", suffix="", **options):
        sandbox = open_sandbox(base + suffix, checkpoint, **options)
        made.append(sandbox)
        return sandbox

    yield make
    os.chdir(PROJECT_ROOT)
    for sandbox in made:
        remove_inside_workspace(WORKSPACE / sandbox.name)


@pytest.fixture
def exercise(make_sandbox):
    """``exercise(slug)``: a sandbox named and set up for one exercise, as its start cell makes it."""
    from migration_lab import exercises

    def start(slug):
        return exercises.set_up(slug, make_sandbox(exercises.EXERCISES[slug].checkpoint, suffix=f"-{slug}"))
    return start


# --- PostgreSQL: one server per test worker, a production-like database per test -------------------
@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL (pgserver) for this test worker, stopped at the end."""
    from migration_lab import start_postgres

    with start_postgres(f"tests_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}") as server:
        yield server


@pytest.fixture
def production(postgres_server, project, request):
    """``(project, database)``: the recommended history on a fresh PostgreSQL database, 2,000 jobs in it."""
    from migration_lab import write_recommended_history

    replay(project, "initialized")
    write_recommended_history(project)
    database = postgres_server.create_database("p_" + re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:40])
    project.flask_db("upgrade", database=database)
    database.seed(rows=2000)
    return project, database


# --- preflight: `python -m migration_lab preflight`, in process, from a project's root -----------------
@pytest.fixture
def preflight(monkeypatch, capsys):
    """``preflight(project, *args)``: the CLI run in process from the project's root, as a team types it.

    The sample app's options come first (``--app WEB_SERVICE.app --directory WEB_SERVICE/migrations
    --no-timings``; ``defaults=False`` leaves them out). Returns (exit status, stdout, stderr). Flask's
    app loader imports ``WEB_SERVICE`` and puts the project on ``sys.path``: both are undone afterwards.
    """
    import sys

    from migration_lab.cli import main

    def run(project, *args, defaults=True):
        monkeypatch.chdir(Path(project.root).resolve())
        for name in ("FLASK_APP", "DATABASE_URL"):
            monkeypatch.delenv(name, raising=False)
        options = ["--app", "WEB_SERVICE.app", "--directory", "WEB_SERVICE/migrations", "--no-timings"] if defaults else []
        saved = list(sys.path)
        capsys.readouterr()
        try:
            status = main(["preflight", *options, *map(str, args)])
        finally:
            sys.path[:] = saved
            for name in [m for m in sys.modules if m == "WEB_SERVICE" or m.startswith("WEB_SERVICE.")]:
                del sys.modules[name]
        captured = capsys.readouterr()
        return status, captured.out, captured.err
    return run


class StatementInThread(threading.Thread):
    """``sql`` run in its own transaction on a PostgreSQL connection named ``name``, in a thread; ``.error`` if it failed.

    Started at once: a test then watches, from another connection, how PostgreSQL makes it wait.
    """

    def __init__(self, database, sql, name="migration"):
        super().__init__(daemon=True)
        self.database, self.sql, self.name, self.error = database, sql, name, None
        self.start()

    def run(self):
        from sqlalchemy import text

        engine = _engine(self.database, self.name)
        try:
            with engine.begin() as connection:
                connection.execute(text(self.sql))
        except Exception as error:
            self.error = error
        finally:
            engine.dispose()


@pytest.fixture
def statement_in_thread():
    """StatementInThread(database, sql, name): a statement that may wait for a lock, run beside the test."""
    return StatementInThread
