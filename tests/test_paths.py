"""Where the lab's files live: the learner's own copy of the lab (even with the package installed once for
everyone), and the one rule for deleting: only inside workspace/."""
import os
import shutil
import subprocess
import sys

import pytest

from migration_lab import LabError
from migration_lab.paths import (DATA_CSV, PACKAGE_CHECKOUT, PROJECT_ROOT, ROOT_VARIABLE, WORKSPACE,
                                 find_project_root, looks_like_lab, relative_to_project, remove_inside_workspace)


def test_paths_inside_the_lab_read_relative_to_it(tmp_path):
    assert relative_to_project(DATA_CSV) == "data/conversion_jobs.csv"
    assert relative_to_project(PROJECT_ROOT / "workspace" / ".." / "data") == "data"
    assert relative_to_project(tmp_path) == str(tmp_path.resolve())


def test_a_folder_inside_the_workspace_is_deleted():
    folder = WORKSPACE / f"test_paths_delete_{os.getpid()}"
    (folder / "WEB_SERVICE").mkdir(parents=True)
    remove_inside_workspace(folder)
    assert not folder.exists()
    remove_inside_workspace(folder)  # already gone: nothing to do


def test_the_workspace_itself_and_paths_outside_are_refused(tmp_path):
    victim = tmp_path / "keep.txt"
    victim.write_text("precious")
    for path in (WORKSPACE, tmp_path, WORKSPACE / ".." / "data"):
        with pytest.raises(LabError, match="refusing to delete"):
            remove_inside_workspace(path)
    assert victim.exists() and DATA_CSV.exists()


def test_a_symlink_out_of_the_workspace_is_refused(tmp_path):
    WORKSPACE.mkdir(exist_ok=True)
    (tmp_path / "keep.txt").write_text("precious")
    link = WORKSPACE / f"test_link_{os.getpid()}"
    link.symlink_to(tmp_path, target_is_directory=True)
    try:
        with pytest.raises(LabError, match="symbolic link"):
            remove_inside_workspace(link)
        assert (tmp_path / "keep.txt").exists()
    finally:
        link.unlink()


def make_lab_copy(folder):
    """The parts of a lab checkout that make a folder one: the sample app, its data, the notebooks."""
    shutil.copytree(PACKAGE_CHECKOUT / "sample_app", folder / "sample_app",
                    ignore=shutil.ignore_patterns("__pycache__", "instance"))
    shutil.copytree(PACKAGE_CHECKOUT / "data", folder / "data")
    (folder / "notebooks").mkdir()
    return folder


def test_the_nearest_lab_above_the_current_folder_is_the_root(tmp_path):
    lab = make_lab_copy(tmp_path / "learner" / "flask-migrate-lab")
    assert find_project_root(lab / "notebooks", environ={}) == lab.resolve()
    assert find_project_root(lab, environ={}) == lab.resolve()


def test_outside_any_lab_the_package_checkout_is_the_root(tmp_path):
    assert find_project_root(tmp_path, environ={}, fallback=PACKAGE_CHECKOUT) == PACKAGE_CHECKOUT
    assert looks_like_lab(PACKAGE_CHECKOUT) and not looks_like_lab(tmp_path)


def test_the_variable_wins_and_must_name_a_lab(tmp_path):
    lab = make_lab_copy(tmp_path / "lab")
    assert find_project_root(tmp_path, environ={ROOT_VARIABLE: str(lab)}) == lab.resolve()
    with pytest.raises(LabError, match="not a copy of the lab"):
        find_project_root(lab, environ={ROOT_VARIABLE: str(tmp_path)})


def test_a_shared_install_builds_sandboxes_in_the_learners_copy(tmp_path):
    """The package imported from this checkout, the kernel standing in another copy's notebooks/."""
    lab = make_lab_copy(tmp_path / "learner" / "flask-migrate-lab")
    name = f"test_paths_{tmp_path.name}"[:60]
    code = ("import migration_lab, migration_lab.paths as p\n"
            f"box = migration_lab.open_sandbox({name!r}, 'created')\n"
            "print(migration_lab.__file__); print(p.PROJECT_ROOT); print(box.root)\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], cwd=lab / "notebooks", env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    package, root, sandbox = result.stdout.splitlines()[-3:]
    assert package.startswith(str(PACKAGE_CHECKOUT))
    assert root == str(lab.resolve())
    assert sandbox == str(lab.resolve() / "workspace" / name)
    assert (lab / "workspace" / name / "instance" / "jobs.db").exists()
    assert not (PACKAGE_CHECKOUT / "workspace" / name).exists()
