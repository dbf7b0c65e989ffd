"""The sample app's recommended migration history, and the tests a team keeps beside it in CI.

Three revisions with readable ids, so every output that names them is stable:

    0001_baseline           conversion_jobs exactly as create_all() shipped it: a fresh database
                            can be built from history; production adopts it with `flask db stamp`
    0002_tracking_columns   the guide's four columns (section 3), as Flask-Migrate 4 renders them
    0003_progress_default   progress: old rows backfilled, server default '0', NOT NULL (a rebuild
                            on SQLite)

They are written the way a team writes a hand-made revision: ``flask db revision --rev-id ...``
makes the script, then its ``upgrade()`` and ``downgrade()`` come from the lab's files
``sources/revisions/<id>.py`` (the file's first docstring line is the revision message).
"""
import ast
import shutil
from pathlib import Path

from .errors import LabError
from .script_edits import replace_function_bodies
from .sources import lab_file

BASELINE, TRACKING, PROGRESS_DEFAULT = "0001_baseline", "0002_tracking_columns", "0003_progress_default"
REVISION_IDS = (BASELINE, TRACKING, PROGRESS_DEFAULT)

# The model that matches the head of the history: the guide's four columns, progress made safe.
FINAL_COLUMNS = """\
progress = db.Column(db.Integer, nullable=False, default=0, server_default="0")
page_done = db.Column(db.Integer)
total_pages = db.Column(db.Integer)
message = db.Column(db.Text)
"""

# The team's CI files: pytest-alembic's fixtures, tests for any history, this project's data tests, pytest settings.
TEAM_CI_FILES = {"team_ci/conftest.py": "tests/conftest.py",
                 "team_ci/test_migrations.py": "tests/test_migrations.py",
                 "team_ci/test_migration_data.py": "tests/test_migration_data.py",
                 "team_ci/pytest.ini": "pytest.ini"}


def message_of(path):
    """The revision message a lab migration file carries: the first line of its docstring."""
    docstring = ast.get_docstring(ast.parse(Path(path).read_text(encoding="utf-8"))) or ""
    return docstring.splitlines()[0] if docstring else Path(path).stem


def write_revision(project, rev_id, source, head="head"):
    """``flask db revision --rev-id <rev_id>`` after ``head``, its functions taken from the lab file ``source``.

    Returns the path of the new script.
    """
    project.flask_db("revision", message=message_of(source), rev_id=rev_id, head=head, splice=head != "head")
    script = project.migration_script(revision=rev_id)
    replace_function_bodies(script, from_file=source)
    return script


def write_recommended_history(project):
    """Write the three revisions into ``project`` (after `flask db init`) and the matching model columns.

    Returns the paths of the scripts, base first.
    """
    project.require()
    if not (project.migrations / "versions").is_dir():
        raise LabError("no WEB_SERVICE/migrations/versions: run `flask db init` first (checkpoint 'initialized')")
    model = project.model_file.read_text(encoding="utf-8")
    if project.migration_scripts() or "    progress = " in model:
        raise LabError("the recommended history replaces the guide's steps: open the sandbox at checkpoint "
                       "'initialized'")
    paths = [write_revision(project, rev_id, lab_file(f"revisions/{rev_id}.py")) for rev_id in REVISION_IDS]
    project.add_model_columns(FINAL_COLUMNS)
    return paths


def write_ci_tests(project):
    """Copy the team's CI files into ``project``: tests/conftest.py, tests/test_migrations.py,
    tests/test_migration_data.py and pytest.ini. Returns their paths."""
    written = []
    for source, target in TEAM_CI_FILES.items():
        path = project.require().root / target
        path.parent.mkdir(exist_ok=True)
        shutil.copyfile(lab_file(source), path)
        written.append(path)
    return written
