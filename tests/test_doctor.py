"""Is this machine ready? One line per check, each failure with its fix; versions against requirements.txt."""
import os
import pwd
import re
from importlib import metadata

import pytest

from migration_lab import LabError, check_machine, doctor, show_versions
from migration_lab.doctor import FIX_INSTALL, check_packages, pinned_requirements, report, run_checks
from migration_lab.paths import REQUIREMENTS


@pytest.fixture(scope="module")
def pins():
    return pinned_requirements(REQUIREMENTS)


def test_pins_are_read_from_requirements_txt_comments_aside(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# the guide's stack\nFlask == 3.0.0  # pinned\n\nrequests\nalembic==1.0\n")
    assert pinned_requirements(requirements) == {"Flask": "3.0.0", "alembic": "1.0"}


def test_every_pinned_package_is_installed_at_its_pin(pins):
    checks = check_packages(pins)
    assert [c.name for c in checks] == list(pins)
    assert [c for c in checks if not c.ok] == []
    assert {c.name: c.detail for c in checks} == pins


def test_a_wrong_pin_and_a_missing_package_each_name_the_fix(tmp_path, capsys):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("Flask==0.1\nno-such-package-xyz==1.0\n")
    checks = check_packages(pinned_requirements(requirements))
    assert report(checks) == 2
    out = capsys.readouterr().out
    assert f"FAIL  Flask                {metadata.version('Flask')} installed, 0.1 pinned" in out
    assert "FAIL  no-such-package-xyz  missing (1.0 pinned)" in out
    assert f"fix Flask: {FIX_INSTALL}" in out and out.rstrip().endswith("NOT READY: 0 of 2 checks passed")


def test_this_machine_is_ready(capsys, pins):
    assert check_machine() == 0
    out = capsys.readouterr().out
    assert re.search(rf"^ok    Flask-Migrate\s+{re.escape(pins['Flask-Migrate'])}$", out, re.MULTILINE)
    assert "ok    Python" in out and "ok    Jupyter kernel" in out and "ok    Widget extension" in out
    assert out.rstrip().endswith(f"READY: {len(run_checks())} of {len(run_checks())} checks passed")


def test_show_versions_prints_installed_against_pinned(capsys, pins):
    show_versions(["Flask", "alembic"])
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert rows == [["Flask", pins["Flask"], "(as", "pinned)"], ["alembic", pins["alembic"], "(as", "pinned)"]]


def test_show_versions_of_a_package_not_pinned_is_an_error():
    with pytest.raises(LabError, match="requirements.txt pins no numpy"):
        show_versions(["Flask", "numpy"])


def test_git_missing_is_a_failure_with_its_fix():
    assert doctor.check_git().ok
    check = doctor.check_git(which=lambda name: None)
    assert not check.ok and "apt-get install git" in check.fix


def test_too_little_disk_is_a_failure_that_names_notebook_12(tmp_path):
    assert doctor.check_disk(tmp_path, needed=1).ok
    check = doctor.check_disk(tmp_path / "not" / "made" / "yet", needed=2**60)
    assert not check.ok and "notebook 12" in check.detail and "make reset" in check.fix


def test_postgres_starts_and_stops_here_leaving_nothing():
    check = doctor.check_postgres()
    assert check.ok, check
    assert check.detail.startswith("16.") and check.detail.endswith("starts and stops here")
    # its own data folder is gone (other processes may be running their own check meanwhile)
    assert not os.path.exists(os.path.join(doctor.tempfile.gettempdir(), f"migration-lab-doctor-{os.getpid()}"))


@pytest.mark.skipif(os.geteuid() != 0, reason="what pgserver does as root")
def test_as_root_a_missing_useradd_is_named(monkeypatch):
    def no_user(name):
        raise KeyError(name)

    monkeypatch.setattr(pwd, "getpwnam", no_user)
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    check = doctor.check_postgres()
    assert not check.ok and "useradd" in check.detail and "/usr/sbin" in check.fix


@pytest.mark.skipif(os.geteuid() != 0, reason="what pgserver does as root")
def test_as_root_a_temporary_folder_pgserver_cannot_enter_is_named(tmp_path, monkeypatch):
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    closed.chmod(0o700)
    monkeypatch.setattr(doctor.tempfile, "gettempdir", lambda: str(closed))
    check = doctor.check_postgres()
    assert not check.ok and str(closed) in check.detail and "TMPDIR" in check.fix
