"""The doctor's checks for notebooks 08 and 12: git, free disk, a PostgreSQL that really starts here."""
import os
import pwd

import pytest

from migration_lab import doctor


def test_git_missing_is_a_failure_with_its_fix():
    assert doctor.check_git().ok
    check = doctor.check_git(which=lambda name: None)
    assert not check.ok and "apt-get install git" in check.fix


def test_too_little_disk_is_a_failure_that_names_notebook_12(tmp_path):
    assert doctor.check_disk(tmp_path, needed=1).ok
    check = doctor.check_disk(tmp_path / "not" / "made" / "yet", needed=2**60)
    assert not check.ok and "notebook 12" in check.detail and "make reset" in check.fix


def test_postgres_starts_and_stops_here_leaving_nothing():
    before = set(os.listdir(doctor.tempfile.gettempdir()))
    check = doctor.check_postgres()
    assert check.ok, check
    assert check.detail.startswith("16.") and check.detail.endswith("starts and stops here")
    assert {n for n in os.listdir(doctor.tempfile.gettempdir()) if n.startswith("migration-lab-doctor-")} <= before


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
