"""Sandboxes: one per notebook under workspace/, built fresh at a checkpoint, entered, reset."""
import json
import os
import sys
from pathlib import Path

import pytest

from migration_lab import LabError, Sandbox, open_sandbox
from migration_lab import paths, workspace
from migration_lab.checkpoints import steps_until
from migration_lab.workspace import MARKER, reset, reset_all, sandboxes


def test_open_sandbox_sets_the_scene(make_sandbox, capsys, row_count):
    sandbox = make_sandbox("created")
    assert Path.cwd() == sandbox.root.resolve()
    assert os.environ["FLASK_APP"] == "WEB_SERVICE.app" and "DATABASE_URL" not in os.environ
    assert os.environ["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    assert sandbox.count_rows() == row_count and sandbox.current_revision() is None
    assert not sandbox.migrations.exists()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Sandbox workspace/{sandbox.name}/ is ready at checkpoint 'created'."
    assert f"{row_count} rows in conversion_jobs" in out[1]


def test_the_sandbox_prints_each_step_it_replayed(make_sandbox, capsys):
    make_sandbox("generated")
    replayed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  replayed : ")]
    assert replayed == [f"  replayed : {line}" for _, lines, _ in steps_until("generated") for line in lines]


def test_the_sandbox_remembers_its_checkpoint(make_sandbox):
    sandbox = make_sandbox("generated")
    assert sandbox.checkpoint == "generated" == json.loads((sandbox.root / MARKER).read_text())["checkpoint"]
    assert repr(sandbox) == f"Sandbox({sandbox.name!r}, checkpoint='generated')"
    assert Sandbox(sandbox.name + ".ipynb").root == sandbox.root


def test_opening_twice_starts_over(make_sandbox):
    first = make_sandbox("upgraded")
    (first.root / "scratch.txt").write_text("learner's mess")
    first.execute("DELETE FROM conversion_jobs")
    first.replace_model_line("size_bytes = db.Column(db.Integer)", "")
    second = make_sandbox("upgraded")
    assert not (second.root / "scratch.txt").exists()
    assert len(second.migration_scripts()) == 1 and "size_bytes" in second.model_file.read_text()
    assert second.count_rows() == make_sandbox("created", suffix="_fresh").count_rows()


def test_without_flask_app_the_variable_is_unset(make_sandbox, monkeypatch):
    monkeypatch.setenv("FLASK_APP", "something.else")
    sandbox = make_sandbox("created", set_flask_app=False)
    assert "FLASK_APP" not in os.environ and Path.cwd() == sandbox.root.resolve()


def test_an_unknown_checkpoint_fails_before_anything_is_touched(make_sandbox):
    sandbox = make_sandbox("created")
    (sandbox.root / "notes.txt").write_text("mine")
    with pytest.raises(LabError, match="the checkpoints are: created, initialized"):
        open_sandbox(sandbox.name, "halfway")
    assert (sandbox.root / "notes.txt").read_text() == "mine"


def test_a_deleted_sandbox_says_how_to_rebuild(make_sandbox):
    sandbox = make_sandbox("created")
    reset(sandbox.name)
    assert not sandbox.root.exists()
    with pytest.raises(LabError, match="Re-run this notebook's first code cell"):
        sandbox.schema()


@pytest.mark.parametrize("name", ["../outside", "/etc", "", "a/b", ".hidden"])
def test_bad_names_are_refused(name):
    with pytest.raises(LabError, match="is not a sandbox name"):
        Sandbox(name)


def test_reset_of_an_unknown_sandbox_names_the_existing_ones(make_sandbox):
    sandbox = make_sandbox("created")
    with pytest.raises(LabError, match=f"no sandbox named 'no_such_notebook'; existing: .*{sandbox.name}"):
        reset("no_such_notebook")


def test_reset_refuses_a_symlink_out_of_the_workspace(tmp_path):
    paths.WORKSPACE.mkdir(exist_ok=True)
    (tmp_path / "keep.txt").write_text("precious")
    link = paths.WORKSPACE / f"test_link_{os.getpid()}"
    link.symlink_to(tmp_path, target_is_directory=True)
    try:
        with pytest.raises(LabError, match="symbolic link"):
            reset(link.name)
        assert (tmp_path / "keep.txt").exists()
    finally:
        link.unlink()


def test_sandboxes_lists_and_reset_all_deletes_every_one(tmp_path, monkeypatch):
    """On a workspace of its own: the real one holds the other tests' sandboxes."""
    monkeypatch.setattr(paths, "WORKSPACE", tmp_path / "workspace")
    monkeypatch.setattr(workspace, "WORKSPACE", tmp_path / "workspace")
    assert sandboxes() == [] and reset_all() == []
    for name in ("02_init", "01_prerequisites", ".ipynb_checkpoints", "my notes"):
        (tmp_path / "workspace" / name).mkdir(parents=True)
    (tmp_path / "workspace" / "stray.txt").write_text("")
    assert [s.name for s in sandboxes()] == ["01_prerequisites", "02_init"]
    assert reset_all() == ["01_prerequisites", "02_init"]
    assert sorted(p.name for p in (tmp_path / "workspace").iterdir()) == [".ipynb_checkpoints", "my notes", "stray.txt"]
