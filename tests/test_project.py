"""A Flask-Migrate project folder: made from the sample app, `flask db` in process, its scripts, a throwaway copy."""
import os
import shutil

import pytest
from sqlalchemy.exc import OperationalError

from migration_lab import LabError, schema_diff, sqlite_file
from migration_lab.checkpoints import GUIDE_MESSAGE
from migration_lab.database import sqlite_url
from migration_lab.paths import SAMPLE_APP
from migration_lab.project import Project, Scratch, create_sample_project, scratch_copy


def sources(root):
    """The app's files under ``root/WEB_SERVICE`` and their text."""
    return {p.relative_to(root): p.read_text() for p in (root / "WEB_SERVICE").rglob("*.py")
            if "__pycache__" not in p.parts}


@pytest.fixture
def upgraded(project_at):
    """The project after the guide's steps: init, the four columns, migrate, upgrade."""
    return project_at("upgraded")


def test_the_sample_project_is_the_app_and_a_seeded_database_without_migrations(tmp_path, row_count):
    project = create_sample_project(tmp_path / "service")
    assert isinstance(project, Project) and project.database_path == tmp_path / "service" / "instance" / "jobs.db"
    assert sources(project.root) == sources(SAMPLE_APP)
    assert project.count_rows() == row_count and project.current_revision() is None
    assert not project.migrations.exists() and not schema_diff(project.schema(), project.model_schema())


def test_a_deleted_project_says_how_to_rebuild(project):
    shutil.rmtree(project.root)
    for read in (project.schema, project.migration_scripts, lambda: project.flask_db("current")):
        with pytest.raises(LabError, match="Re-run this notebook's first code cell to rebuild it"):
            read()


@pytest.mark.parametrize("given", ["url", "path", "database"])
def test_flask_db_runs_on_another_database_when_given_one(upgraded, tmp_path, given):
    copy = shutil.copy(upgraded.database_path, tmp_path / "copy.db")
    database = {"url": sqlite_url(copy), "path": copy, "database": sqlite_file(copy)}[given]
    before = upgraded.fingerprint()
    upgraded.flask_db("downgrade", database=database, revision="base")
    assert sqlite_file(copy).current_revision() is None
    assert "progress" not in sqlite_file(copy).schema()["conversion_jobs"].column_names
    assert upgraded.current_revision() is not None and upgraded.fingerprint() == before  # its own is untouched
    assert "progress" in upgraded.schema()["conversion_jobs"].column_names


def test_flask_app_is_the_project_s_app_on_the_database_given(project, tmp_path):
    with project.flask_app() as app:
        assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///jobs.db"
    with project.flask_app(tmp_path / "other.db") as app:
        assert app.config["SQLALCHEMY_DATABASE_URI"] == sqlite_url(tmp_path / "other.db")


def test_a_database_from_the_models_has_their_schema_and_no_rows(upgraded, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (upgraded.root / "instance" / "new_install.db").write_bytes(b"an old file, replaced")
    fresh = upgraded.create_database_from_models("new_install.db")
    assert fresh.database_path == upgraded.root / "instance" / "new_install.db"
    assert not schema_diff(fresh.schema(), upgraded.model_schema()) and fresh.count_rows() == 0
    assert "DATABASE_URL" not in os.environ


def test_call_api_prints_the_status_or_the_error_that_crashes_the_app(upgraded, capsys):
    upgraded.call_api("/jobs/1")
    assert capsys.readouterr().out == "GET /jobs/1 -> 200\n"
    upgraded.flask_db("downgrade")  # the model has progress, the table no longer does
    upgraded.call_api("/jobs/1")
    assert capsys.readouterr().out == ("GET /jobs/1 -> 500, the app crashes: "
                                       "OperationalError: no such column: conversion_jobs.progress\n")


def test_the_scripts_are_read_from_the_project_s_history(upgraded):
    [guide] = upgraded.migration_scripts()
    assert upgraded.newest_migration() == upgraded.migration_script(message=GUIDE_MESSAGE) == \
        upgraded.migration_script(revision=guide.revision)
    assert upgraded.head_messages() == [GUIDE_MESSAGE]
    assert upgraded.revision_graph().lines == [
        ("1.", repr(GUIDE_MESSAGE), "<- '<base>'", "(head, the database is here)")]


def test_no_script_yet_says_to_migrate_first(project):
    project.flask_db("init")
    with pytest.raises(LabError, match="run `flask db migrate` first"):
        project.newest_migration()


def test_model_edits_are_made_in_the_project(project):
    change = project.add_model_columns("priority = db.Column(db.Integer)")
    assert "+    priority = db.Column(db.Integer)" in change.text()
    project.replace_model_line("priority = db.Column(db.Integer)", "")
    project.add_model_module("audit_entry")
    project.remove_model_import("audit_entry")
    assert list(project.model_schema().tables) == ["conversion_jobs"]
    assert "priority" not in project.model_schema()["conversion_jobs"].column_names


def test_a_scratch_copy_changes_nothing_in_the_project_and_is_deleted_after(upgraded):
    before = upgraded.database_path.read_bytes()
    with scratch_copy(upgraded) as scratch:
        assert isinstance(scratch, Scratch)
        assert scratch.root != upgraded.root and scratch.root.name == upgraded.root.name
        scratch.flask_db("downgrade", revision="base")
        scratch.add_model_columns("priority = db.Column(db.Integer)")
        assert scratch.current_revision() is None
    assert not scratch.root.exists()
    assert upgraded.database_path.read_bytes() == before and "priority" not in upgraded.model_file.read_text()


def test_a_scratch_database_is_saved_emptied_and_restored(upgraded):
    with scratch_copy(upgraded) as scratch:
        saved = scratch.save()
        scratch.empty_database()
        assert scratch.save() is None and scratch.schema().tables == {} and scratch.current_heads() == ()
        with pytest.raises(OperationalError, match="no such table: conversion_jobs"):
            scratch.flask_db("upgrade")  # a history without a baseline cannot build from empty
        scratch.restore(saved)
        assert scratch.fingerprint() == upgraded.fingerprint() and scratch.current_heads() == upgraded.current_heads()
