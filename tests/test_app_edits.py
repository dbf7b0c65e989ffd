"""Edits to the sample app's app.py (foreign keys, a second database, options for Alembic), each a diff."""
import pytest
from sqlalchemy import text

from migration_lab import LabError, sqlite_file
from migration_lab.app_edits import APP_PY, add_database_bind, configure_alembic, enforce_sqlite_foreign_keys


def app_foreign_keys(project):
    with project.flask_app() as app, app.app_context():
        return app.extensions["migrate"].db.session.execute(text("PRAGMA foreign_keys")).scalar()


def test_the_app_turns_foreign_keys_on_for_its_own_connections_only(project):
    assert app_foreign_keys(project) == 0
    change = enforce_sqlite_foreign_keys(project.root)
    assert "+            event.listen(db.engine, \"connect\", enforce_foreign_keys)" in change.text()
    assert app_foreign_keys(project) == 1
    assert project.query("PRAGMA foreign_keys") == [(0,)]  # the lab's own connections are not the app's


def test_turning_foreign_keys_on_twice_changes_nothing(project):
    enforce_sqlite_foreign_keys(project.root)
    assert not enforce_sqlite_foreign_keys(project.root).changed


def test_an_app_py_without_its_anchor_says_to_start_again(project):
    path = project.root / APP_PY
    path.write_text(path.read_text().replace("    migrate.init_app(app, db)\n", "    migrate.init_app(app)\n"))
    with pytest.raises(LabError, match="re-run the notebook's first code cell"):
        enforce_sqlite_foreign_keys(project.root)


def test_a_bind_puts_the_bound_models_in_their_own_database(project):
    change = add_database_bind(project.root, "audit", "sqlite:///audit.db")
    assert '+                            SQLALCHEMY_BINDS={"audit": "sqlite:///audit.db"})' in change.text()
    assert not add_database_bind(project.root, "audit", "sqlite:///audit.db").changed
    project.add_model_module("audit_log")
    with project.flask_app() as app, app.app_context():
        db = app.extensions["migrate"].db
        assert set(db.metadatas) == {None, "audit"} and "audit_log" in db.metadatas["audit"].tables
        db.create_all()
    assert list(sqlite_file(project.root / "instance" / "audit.db").schema().tables) == ["audit_log"]
    assert "audit_log" not in project.schema().tables


@pytest.mark.parametrize("key, url, message", [
    ("audit log", "sqlite:///a.db", "is not a bind key"),
    ("other", "sqlite:///other.db", "already sets SQLALCHEMY_BINDS to something else"),
])
def test_a_bad_or_second_bind_is_refused(project, key, url, message):
    add_database_bind(project.root, "audit", "sqlite:///audit.db")
    with pytest.raises(LabError, match=message):
        add_database_bind(project.root, key, url)


def test_options_reach_alembic_through_migrate_init_app(project):
    plugins = ["alembic.autogenerate.*", "alembic.ext.checkconstraint_byname"]
    change = configure_alembic(project.root, compare_server_default=True, autogenerate_plugins=plugins)
    assert '+                     autogenerate_plugins=["alembic.autogenerate.*", ' in change.text()
    assert not configure_alembic(project.root, compare_server_default=True, autogenerate_plugins=plugins).changed
    with project.flask_app() as app:
        options = app.extensions["migrate"].configure_args
    assert options["compare_server_default"] is True and options["autogenerate_plugins"] == plugins


def test_alembic_options_must_be_given_and_simple(project):
    with pytest.raises(LabError, match="name at least one option"):
        configure_alembic(project.root)
    with pytest.raises(LabError, match="is not a simple option value"):
        configure_alembic(project.root, render_item=print)
    configure_alembic(project.root, compare_server_default=True)
    with pytest.raises(LabError, match="options already set"):
        configure_alembic(project.root, compare_type=False)
