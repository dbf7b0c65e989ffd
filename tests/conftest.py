"""Fixtures in the shape of Flask's tutorial: an app on a fresh database, its client, sandboxes."""
import os
import re

import pytest

from migration_lab import open_sandbox
from migration_lab.paths import PROJECT_ROOT, WORKSPACE, remove_inside_workspace
from migration_lab.workspace import copy_sample_project
from migration_lab.inprocess import load_app


@pytest.fixture
def project(tmp_path):
    """A copy of the guide's starting point (seeded database, no migrations) in a temp folder."""
    copy_sample_project(tmp_path)
    return tmp_path


@pytest.fixture
def app(project):
    with load_app(project) as app:
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

    def make(checkpoint="created", suffix=""):
        sandbox = open_sandbox(base + suffix, checkpoint)
        made.append(sandbox)
        return sandbox

    yield make
    os.chdir(PROJECT_ROOT)
    for sandbox in made:
        remove_inside_workspace(WORKSPACE / sandbox.name)
