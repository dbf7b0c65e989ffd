"""Sandboxes: built fresh, replayed in process exactly as the CLI would, and never deleting outside workspace/."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from migration_lab import LabError, Sandbox, diff
from migration_lab.paths import WORKSPACE, remove_inside_workspace
from migration_lab.workspace import reset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from sanitize import load_rules, sanitize_text  # noqa: E402

GUIDE = "Ajout des colonnes de suivi pour les jobs"


def flask_cli(root, *args):
    """The real CLI, as a learner runs it from the project root."""
    env = {**os.environ, "FLASK_APP": "WEB_SERVICE.app"}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "flask", "db", *args, "--directory=WEB_SERVICE/migrations"]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=True)


def migration_text(sandbox):
    return sanitize_text(sandbox.newest_migration().read_text(), load_rules())


def test_open_sandbox_sets_the_scene(make_sandbox):
    sandbox = make_sandbox("created")
    assert Path.cwd() == sandbox.root.resolve()
    assert os.environ["FLASK_APP"] == "WEB_SERVICE.app"
    assert os.environ["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    assert sandbox.count_rows() == 400 and sandbox.current_revision() is None
    assert not sandbox.migrations.exists()


def test_opening_twice_starts_over(make_sandbox):
    first = make_sandbox("upgraded")
    (first.root / "scratch.txt").write_text("learner's mess")
    second = make_sandbox("upgraded")
    assert not (second.root / "scratch.txt").exists()
    assert len(second.migration_scripts()) == 1
    assert second.fingerprint() == first.fingerprint()


def test_in_process_checkpoint_equals_the_cli(make_sandbox):
    replayed = make_sandbox("upgraded", suffix="_replayed")
    by_hand = make_sandbox("edited", suffix="_cli")
    flask_cli(by_hand.root, "migrate", "-m", GUIDE)
    flask_cli(by_hand.root, "upgrade")
    assert migration_text(replayed) == migration_text(by_hand)
    assert not diff(replayed.schema(), by_hand.schema())
    assert replayed.fingerprint() == by_hand.fingerprint()
    assert sorted(p.name for p in replayed.migrations.iterdir()) == sorted(p.name for p in by_hand.migrations.iterdir())


def test_unknown_checkpoint_lists_the_real_ones(make_sandbox):
    with pytest.raises(LabError, match="the checkpoints are: created, initialized"):
        make_sandbox("halfway")


def test_a_deleted_sandbox_says_how_to_rebuild(make_sandbox):
    sandbox = make_sandbox("created")
    remove_inside_workspace(sandbox.root)
    with pytest.raises(LabError, match="Re-run this notebook's first code cell"):
        sandbox.schema()


def test_a_broken_model_is_explained_not_a_traceback(make_sandbox):
    sandbox = make_sandbox("initialized")
    sandbox.model_file.write_text(sandbox.model_file.read_text() + "\n    broken = db.Column(db.Intger)\n")
    with pytest.raises(LabError, match=r"AttributeError.*conversion_job.py, line"):
        sandbox.model_schema()


@pytest.mark.parametrize("name", ["../outside", "/etc", "", "a/b"])
def test_bad_names_are_refused(name):
    with pytest.raises(LabError):
        Sandbox(name)


def test_reset_refuses_the_workspace_itself_and_paths_outside(tmp_path):
    victim = tmp_path / "keep.txt"
    victim.write_text("precious")
    for path in (WORKSPACE, tmp_path, WORKSPACE / ".." / "data"):
        with pytest.raises(LabError, match="refusing to delete"):
            remove_inside_workspace(path)
    assert victim.exists() and (WORKSPACE.parent / "data" / "conversion_jobs.csv").exists()


def test_reset_refuses_a_symlink_out_of_the_workspace(tmp_path):
    WORKSPACE.mkdir(exist_ok=True)
    (tmp_path / "keep.txt").write_text("precious")
    link = WORKSPACE / f"test_link_{os.getpid()}"
    link.symlink_to(tmp_path, target_is_directory=True)
    try:
        with pytest.raises(LabError, match="symbolic link"):
            remove_inside_workspace(link)
        with pytest.raises(LabError):
            reset(link.name)
        assert (tmp_path / "keep.txt").exists()
    finally:
        link.unlink()


def test_reset_removes_one_sandbox(make_sandbox):
    sandbox = make_sandbox("created")
    reset(sandbox.name)
    assert not sandbox.root.exists()


def test_sanitize_rules_hide_what_varies():
    text = ("Generating /home/ana/lab/workspace/04_generate/WEB_SERVICE/migrations/versions/"
            "3fa85f6457a1_ajout.py ...  done\nCreate Date: 2026-11-25 18:40:12.123456")
    assert sanitize_text(text, load_rules()) == (
        "Generating <LAB>/workspace/04_generate/WEB_SERVICE/migrations/versions/<REV>_ajout.py ...  done\n"
        "Create Date: <DATE>")
    assert re.search("<REV>", sanitize_text("sha256 e8b6f471eeb9df61", load_rules())) is None
