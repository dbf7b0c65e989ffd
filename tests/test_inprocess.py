"""The sandbox's app and Flask-Migrate's own functions, run inside this process."""
import logging
import os
import sys

import alembic.config
import pytest

from migration_lab import LabError
from migration_lab.database import sqlite_url
from migration_lab.inprocess import PACKAGE, flask_db, load_app, model_metadata


def web_service_modules():
    return [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]


def test_the_app_is_imported_afresh_and_forgotten_after(project):
    with load_app(project.root) as first:
        assert first.import_name == f"{PACKAGE}.app" and web_service_modules()
    project.add_model_columns("priority = db.Column(db.Integer)")
    with load_app(project.root) as second:
        assert second is not first
        assert "priority" in second.extensions["migrate"].db.metadata.tables["conversion_jobs"].c
    assert web_service_modules() == [] and str(project.root.resolve()) not in sys.path


def test_the_app_uses_its_own_database_whatever_the_environment_says(project, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@production/jobs")
    with load_app(project.root) as app:
        assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///jobs.db"  # instance/jobs.db
    assert os.environ["DATABASE_URL"] == "postgresql://someone@production/jobs"


def test_the_app_uses_the_database_it_is_given_for_the_block(project, tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = sqlite_url(tmp_path / "other.db")
    with load_app(project.root, url) as app:
        assert app.config["SQLALCHEMY_DATABASE_URI"] == url and os.environ["DATABASE_URL"] == url
    assert "DATABASE_URL" not in os.environ


def test_a_folder_without_the_app_says_what_to_rerun(tmp_path):
    with pytest.raises(LabError, match="no WEB_SERVICE/app.py under .*re-run the notebook's first code cell"):
        with load_app(tmp_path):
            pass


def test_a_broken_model_names_the_file_and_line(project):
    project.add_model_columns("broken = db.Column(db.Intger)")
    where = r"\(WEB_SERVICE/models/conversion_job.py, line \d+\)"
    with pytest.raises(LabError, match=r"AttributeError: .*Intger.* " + where):
        with load_app(project.root):
            pass
    assert web_service_modules() == []


def test_a_syntax_error_names_the_file_and_line(project):
    project.model_file.write_text(project.model_file.read_text() + "\n    oops = (\n")
    with pytest.raises(LabError, match=r"SyntaxError: .*\(WEB_SERVICE/models/conversion_job.py, line \d+\)"):
        with load_app(project.root):
            pass


def test_flask_db_returns_what_alembic_printed_and_prints_nothing(project, capsys):
    output = flask_db(project.root, "init")
    assert f"Generating {project.migrations.resolve()}/env.py ...  done" in output
    assert capsys.readouterr() == ("", "")


def test_each_command_returns_its_own_output_only(project):
    flask_db(project.root, "init")
    project.add_model_columns()
    assert "Detected added column 'conversion_jobs.progress'" in flask_db(project.root, "migrate", message="guide")
    assert "Running upgrade  -> " in flask_db(project.root, "upgrade")
    current = flask_db(project.root, "current")
    assert current.splitlines()[-1] == f"{project.current_revision()} (head)"
    assert "Detected" not in current and "Running upgrade" not in current


def test_output_is_captured_through_the_config_not_by_patching_alembic(project, monkeypatch):
    """Alembic prints through Config.print_stdout to ``config.stdout``: the lab points that at its buffer."""
    seen = []
    print_stdout = alembic.config.Config.print_stdout

    def spy(config, text, *args):
        seen.append((type(config.stdout).__name__, text))
        return print_stdout(config, text, *args)

    monkeypatch.setattr(alembic.config.Config, "print_stdout", spy)
    flask_db(project.root, "init")
    flask_db(project.root, "revision", message="empty", rev_id="0001_empty")
    assert flask_db(project.root, "heads") == "0001_empty (head)\n"
    assert seen == [("StringIO", "0001_empty (head)")]
    assert {kind for kind, _ in seen} == {"StringIO"}  # the lab's buffer, never the sys.stdout of import time
    assert alembic.config.Config.print_stdout is spy


def test_a_failing_command_raises_lab_error_with_its_output(project):
    flask_db(project.root, "init")
    output = "(.*\n)*.*Can't locate revision identified by 'nope'"
    with pytest.raises(LabError, match="flask db upgrade failed in project:\n" + output):
        flask_db(project.root, "upgrade", revision="nope")


def test_the_kernel_s_logging_is_put_back(project):
    root, alembic_logger = logging.getLogger(), logging.getLogger("alembic")
    before = (root.level, list(root.handlers), alembic_logger.level, list(alembic_logger.handlers))
    flask_db(project.root, "init")
    flask_db(project.root, "current")  # env.py's fileConfig() configures logging here
    assert (root.level, list(root.handlers), alembic_logger.level, list(alembic_logger.handlers)) == before


def test_flask_db_leaves_the_database_file_closed(project, open_files):
    flask_db(project.root, "init")
    flask_db(project.root, "stamp", revision="head")
    assert open_files(project.database_path) == []


def test_model_metadata_is_what_autogenerate_compares(project):
    metadata, dialect = model_metadata(project.root)
    assert list(metadata.tables) == ["conversion_jobs"] and dialect.name == "sqlite"
