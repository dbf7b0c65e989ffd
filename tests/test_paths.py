"""Where the lab's files live, and the one rule for deleting: only inside workspace/."""
import os

import pytest

from migration_lab import LabError
from migration_lab.paths import DATA_CSV, PROJECT_ROOT, WORKSPACE, relative_to_project, remove_inside_workspace


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
