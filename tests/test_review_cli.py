"""``python -m migration_lab review PATH``: what a team runs in CI on its migrations.

Exit 0 when nothing is risky, 1 when something is (each risk with why, the safe way and its rule),
2 with one line on stderr when PATH cannot be reviewed. The scripts notebook 07 generates are
reviewed here as the notebook makes them: the same model edits, the same `flask db migrate`.
"""
import subprocess
import sys

import pytest

from migration_lab import replace_function_bodies
from migration_lab.cli import main
from migration_lab.paths import PROJECT_ROOT
from migration_lab.sources import lab_file


def review(*args):
    return subprocess.run([sys.executable, "-m", "migration_lab", "review", *map(str, args)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True)


def test_a_history_with_nothing_risky_exits_0(tmp_path):
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_baseline.py").write_text("revision = '0001_baseline'\ndown_revision = None\n\n"
                                               + lab_file("revisions/0001_baseline.py").read_text())
    result = review(tmp_path / "migrations")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-1] == ("1 script(s) reviewed (PostgreSQL's lock rules included): "
                                              "0 risky operation(s) in 0 script(s)")


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp / "nothing", "error: no such file or folder: {tmp}/nothing"),
    (lambda tmp: tmp, "error: no revision script in {tmp} (a .py file with `revision = ...` and an upgrade())"),
    (lambda tmp: write(tmp / "env.py", "import logging\n"), "error: env.py has no upgrade() function: is it a revision script?"),
    (lambda tmp: write(tmp / "versions" / "a.py", "revision = 'a'\ndef upgrade(:\n"),
     "error: a.py is not valid Python (line 2: invalid syntax): fix the edit, or regenerate the script"),
    (lambda tmp: write(tmp / "notes.txt", "\x00\xff"), "error: notes.txt is not Python source: is it a revision script?"),
])
def test_what_cannot_be_reviewed_is_one_line_and_exit_2(tmp_path, make, message):
    result = review(make(tmp_path))
    assert (result.returncode, result.stdout) == (2, ""), result.stdout
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(message.format(tmp=tmp_path))
    assert "Traceback" not in result.stderr


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- notebook 07's destructive scripts --------------------------------------------------------------
def scenario_a(project):
    project.replace_model_line("size_bytes = db.Column(db.Integer)", "")
    project.flask_db("migrate", message="Clean up the job model")


def scenario_b(project):
    project.replace_model_line("finished_at = db.Column(db.DateTime)", "completed_at = db.Column(db.DateTime)")
    project.flask_db("migrate", message="Rename finished_at to completed_at")


def scenario_b_fixed(project):
    scenario_b(project)
    replace_function_bodies(project.newest_migration(), upgrade="""
with op.batch_alter_table('conversion_jobs', schema=None) as batch_op:
    batch_op.alter_column('finished_at', new_column_name='completed_at')
""")


def scenario_c(project):
    project.add_model_module("audit_entry")
    project.flask_db("migrate", message="Add audit entries")
    project.flask_db("upgrade")
    project.remove_model_import("audit_entry")
    project.add_model_columns("priority = db.Column(db.Integer)")
    project.flask_db("migrate", message="Add priority to jobs")


def scenario_d(project):
    project.replace_model_line("created_at = db.Column(db.DateTime, nullable=False, default=utcnow)",
                               "created_at = db.Column(db.Date, nullable=False, default=utcnow)")
    project.replace_model_line("size_bytes = db.Column(db.Integer)", "size_bytes = db.Column(db.String(20))")
    project.replace_model_line("filename = db.Column(db.String(255), nullable=False)",
                               "filename = db.Column(db.String(100), nullable=False)")
    project.flask_db("migrate", message="Tidy column types")


SCENARIOS = {  # scenario: the rules the newest script breaks, with every engine's rules / with PostgreSQL's
    "A": (scenario_a, ["drop-column"], ["drop-column", "lock-timeout"]),
    "B": (scenario_b, ["drop-column"], ["lock-timeout", "drop-column"]),
    "B fixed": (scenario_b_fixed, ["rename-column"], ["rename-column", "lock-timeout"]),
    "C": (scenario_c, ["drop-table"], ["drop-table", "lock-timeout"]),
    "D": (scenario_d, ["type-change"] * 3,
          ["type-change", "lock-timeout", "type-rewrite", "type-change", "type-rewrite", "type-change", "type-rewrite"]),
}


def review_in_process(capsys, *args):
    """The same command, run by its main() in this process (exit status, output)."""
    status = main(["review", *map(str, args)])
    return status, capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_notebook_07s_destructive_scripts_fail_the_review(project_at, capsys, name):
    build, any_engine, postgresql = SCENARIOS[name]
    project = project_at("upgraded")
    build(project)
    script = project.newest_migration()
    for engine, expected in (("any", any_engine), ("postgresql", postgresql)):
        status, out = review_in_process(capsys, script, "--engine", engine)
        assert status == 1, out
        assert [line.split()[1] for line in out.splitlines() if line.startswith("      rule: ")] == expected
    status, out = review_in_process(capsys, project.migrations, "--engine", "any")
    assert status == 1 and out.splitlines()[0].endswith("upgrade(): ok")  # the guide's own migration
