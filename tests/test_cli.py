"""``python -m migration_lab``: what a trainer types, with clear errors and exit status 2 on bad input."""
import re
import subprocess
import sys

from migration_lab.cli import main
from migration_lab.paths import PROJECT_ROOT


def run(*args):
    return subprocess.run([sys.executable, "-m", "migration_lab", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True)


def test_doctor_reports_every_pinned_package(capsys):
    status = main(["doctor"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert re.search(r"^ok +Flask-Migrate +4\.1\.0$", out, re.MULTILINE) and "READY:" in out


def test_doctor_names_the_fix_for_a_wrong_pin(tmp_path, capsys):
    from migration_lab import doctor

    requirements = tmp_path / "requirements.txt"
    requirements.write_text("Flask==0.1\nno-such-package-xyz==1.0\n")
    checks = doctor.check_packages(doctor.pinned_requirements(requirements))
    assert doctor.report(checks) == 2
    out = capsys.readouterr().out
    assert "3.1.3 installed, 0.1 pinned" in out
    assert "missing (1.0 pinned)" in out and "NOT READY: 0 of 2" in out


def test_bad_arguments_exit_2_with_usage():
    for args in ([], ["reset"], ["frobnicate"], ["reset", "x", "--all"]):
        result = run(*args)
        assert result.returncode == 2, args
        assert "usage:" in result.stderr and "Traceback" not in result.stderr


def test_reset_of_an_unknown_sandbox_is_a_clear_error():
    result = run("reset", "no_such_notebook")
    assert result.returncode == 2
    assert result.stderr.startswith("error: no sandbox named 'no_such_notebook'")


def test_new_makes_the_guides_starting_point(tmp_path, capsys):
    target = tmp_path / "my-service"
    assert main(["new", str(target)]) == 0
    assert (target / "WEB_SERVICE" / "app.py").exists() and (target / "instance" / "jobs.db").exists()
    assert (target / "requirements.txt").read_text() == "Flask==3.1.3\nFlask-SQLAlchemy==3.1.1\nFlask-Migrate==4.1.0\n"
    assert "python -m flask db init --directory=WEB_SERVICE/migrations" in capsys.readouterr().out


def test_new_refuses_a_folder_with_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["new", str(tmp_path)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_status_lists_sandboxes(make_sandbox, capsys):
    sandbox = make_sandbox("upgraded")
    capsys.readouterr()
    assert main(["status"]) == 0
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith(sandbox.name))
    assert line.split()[1:] == ["upgraded", sandbox.current_revision(), "400"]
