"""Preflight as a team runs it: a subprocess in a project outside the lab, bad input, the progress bar.

Bad input (no such app, no migrations folder, a database that is not there, a revision that does not
exist, a typo in ``--allow-drop``) gets one line on standard error and exit status 2, never a traceback.
"""
import io
import json
import os
import re
import subprocess
import sys

import pytest

from migration_lab.checkpoints import replay
from migration_lab.progress import progress_bar
from migration_lab.project import create_sample_project


def run(cwd, *args, **env):
    environment = {**os.environ, **env}
    environment.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "migration_lab", "preflight", *map(str, args)], cwd=cwd,
                          env=environment, capture_output=True, text=True)


@pytest.fixture(scope="module")
def team_project(tmp_path_factory):
    """The sample project in a temp folder, outside the lab, with the guide's migration not yet applied."""
    project = create_sample_project(tmp_path_factory.mktemp("team") / "guide-project")
    replay(project, "generated")
    return project


def test_a_team_runs_it_in_its_own_project_with_flask_app(team_project):
    result = run(team_project.root, "--directory", "WEB_SERVICE/migrations", FLASK_APP="WEB_SERVICE.app")
    assert (result.returncode, result.stderr) == (0, "")  # no bar: standard error is not a terminal
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"preflight: SQLite file instance/jobs\.db, upgraded to head on a copy \(a file copy under SQLite's shared lock, "
                        r"\d+\.\d MB, copied in \d+\.\d\d s\)", lines[0])
    revision = team_project.migration_scripts()[0].revision
    assert re.fullmatch(rf"  ok  {revision}  Ajout des colonnes de suivi pour les jobs  \d+\.\d\d s", lines[4])
    assert lines[-1] == "verdict: PASS (exit 0)"


def test_the_json_report_holds_the_timings_and_the_copys_size(team_project):
    result = run(team_project.root, "--app", "WEB_SERVICE.app", "--directory", "WEB_SERVICE/migrations", "--json")
    report = json.loads(result.stdout)
    assert result.returncode == report["exit_code"] == 0
    assert report["copy"]["bytes"] == (team_project.database_path.stat().st_size)
    assert report["copy"]["seconds"] >= 0 and report["revisions"][0]["seconds"] >= 0
    assert report["tables"][0]["columns"][0] == {"column": "id", "values": None, "status": "kept", "changed": None,
                                                 "renamed_to": None}
    stable = run(team_project.root, "--app", "WEB_SERVICE.app", "--directory", "WEB_SERVICE/migrations", "--json",
                 "--no-timings")
    assert json.loads(stable.stdout)["copy"] == {"method": "a file copy under SQLite's shared lock", "bytes": None,
                                                 "seconds": None}


def test_no_timings_leaves_out_durations_and_the_size(team_project):
    result = run(team_project.root, "--app", "WEB_SERVICE.app", "--directory", "WEB_SERVICE/migrations",
                 "--no-timings")
    assert result.returncode == 0
    assert not re.search(r"\d s\b|MB", result.stdout)


@pytest.mark.parametrize("args, env, message", [
    (["--app", "nosuch.app"], {}, "error: no Flask app: Could not import 'nosuch.app'."),
    ([], {}, "error: no Flask app: Could not locate a Flask application. Use the 'flask --app' option, "
             "'FLASK_APP' environment variable, or a 'wsgi.py' or 'app.py' file in the current directory."),
    (["--app", "WEB_SERVICE.app"], {},
     "error: no migrations folder at migrations (env.py and versions/): give it with --directory, or run "
     "`flask db init` first"),
    (["--database", "missing.db"], {"FLASK_APP": "WEB_SERVICE.app"}, "error: no SQLite database file at {root}/missing.db"),
    (["--database", "postgresql://nobody@127.0.0.1:1/jobs"], {"FLASK_APP": "WEB_SERVICE.app"},
     'error: cannot read the database: OperationalError: (psycopg2.OperationalError) connection to server at '
     '"127.0.0.1", port 1 failed: Connection refused'),
    (["--database", "mysql://nobody@localhost/jobs"], {"FLASK_APP": "WEB_SERVICE.app"},
     "error: preflight copies SQLite and PostgreSQL databases, not mysql"),
    (["nosuch"], {"FLASK_APP": "WEB_SERVICE.app"},
     "error: cannot upgrade to 'nosuch': Can't locate revision identified by 'nosuch'"),
    (["--allow-drop", "conversion_jobs.nosuch"], {"FLASK_APP": "WEB_SERVICE.app"},
     "error: --allow-drop conversion_jobs.nosuch: the database has no such column"),
    (["--allow-drop", "jobs"], {"FLASK_APP": "WEB_SERVICE.app"}, "error: --allow-drop jobs: the database has no such table"),
])
def test_bad_input_is_one_line_and_exit_2(team_project, args, env, message):
    if "--app" not in args and env:
        args = ["--directory", "WEB_SERVICE/migrations", *args]
    environment = {"FLASK_APP": ""} | env
    result = run(team_project.root, *args, **environment)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == message.format(root=team_project.root.resolve()) + "\n"


def test_a_database_at_a_revision_the_folder_lacks_is_bad_input(project_at, preflight):
    project = project_at("upgraded")
    project.execute("UPDATE alembic_version SET version_num = 'abc123'")
    status, out, err = preflight(project)
    assert (status, out) == (2, "")
    assert err == ("error: the database is at revision 'abc123', which is not in WEB_SERVICE/migrations: "
                   "is it the right migrations folder?\n")


def test_an_app_without_flask_migrate_is_bad_input(tmp_path):
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    result = run(tmp_path, FLASK_APP="")
    assert (result.returncode, result.stderr) == (2, "error: the Flask app 'app' does not use Flask-Migrate (no Migrate(app, db))\n")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_progress_bar_is_drawn_on_a_terminal_only():
    for stream, drawn in ((Terminal(), True), (io.StringIO(), False)):
        with progress_bar("copying the database", "pages", stream=stream) as bar:
            assert bar.shown is drawn
            bar.advance_to(512, 1024)
            bar.advance_to(1024, 1024)
        assert ("copying the database" in stream.getvalue()) is drawn
    stream = Terminal()
    with progress_bar("upgrading the copy", "revisions", show=False, stream=stream) as bar:
        bar.advance()
    assert stream.getvalue() == ""
