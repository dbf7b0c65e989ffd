"""Files as the learner reads them: the guide-style tree, file excerpts, and an edit shown as a diff."""
import pytest

from migration_lab import LabError, show_file, show_tree
from migration_lab.files import FileChange, edit_file, shown_path, tree
from migration_lab.paths import DATA_CSV


def test_tree_draws_folders_first_and_hides_caches(project):
    (project.root / "WEB_SERVICE" / "__pycache__").mkdir(exist_ok=True)
    (project.root / "WEB_SERVICE" / ".hidden").write_text("")
    lines = tree(project.root / "WEB_SERVICE").splitlines()
    assert lines[0] == "WEB_SERVICE/"
    assert lines[1] == "├── models/"
    assert "│   ├── __init__.py" in lines and lines[-1] == "└── extensions.py"
    assert not any("__pycache__" in line or ".hidden" in line for line in lines)


def test_show_tree_prints_the_tree(project, capsys):
    show_tree(project.root / "WEB_SERVICE", max_depth=1)
    assert capsys.readouterr().out == tree(project.root / "WEB_SERVICE", max_depth=1) + "\n"


def test_show_file_between_two_markers(project, capsys):
    show_file(project.model_file, start="class ConversionJobModel", end="finished_at")
    out = capsys.readouterr().out.splitlines()
    lines = project.model_file.read_text().splitlines()
    first = next(n for n, line in enumerate(lines, 1) if "class ConversionJobModel" in line)
    last = next(n for n, line in enumerate(lines, 1) if "finished_at" in line)
    assert out[0].endswith(f"conversion_job.py  (lines {first}-{last})")
    assert out[1:] == lines[first - 1:last]


def test_show_file_says_which_marker_is_missing(project):
    with pytest.raises(LabError, match="no line contains 'nowhere'"):
        show_file(project.root / "WEB_SERVICE" / "app.py", start="nowhere")


def test_show_file_of_a_missing_file_says_what_to_rerun(tmp_path):
    with pytest.raises(LabError, match="re-run the notebook from its first code cell"):
        show_file(tmp_path / "gone.py")


def test_paths_are_shown_from_where_the_notebook_works(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert shown_path(tmp_path / "WEB_SERVICE" / "app.py") == "WEB_SERVICE/app.py"
    assert shown_path("instance/jobs.db") == "instance/jobs.db"
    assert shown_path(DATA_CSV) == "data/conversion_jobs.csv"


def test_an_edit_is_written_and_returned_as_a_diff(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("one\ntwo\n")
    change = edit_file(path, lambda text: text.replace("two", "2"), "notes.txt")
    assert path.read_text() == "one\n2\n"
    assert change.changed and change.text().splitlines()[-2:] == ["-two", "+2"]
    assert str(change) == repr(change) == change.text()


def test_an_edit_that_changes_nothing_says_so_and_leaves_the_file_alone(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("one\n")
    written = path.stat().st_mtime_ns
    change = edit_file(path, lambda text: text, "notes.txt")
    assert not change.changed and change.text() == "notes.txt: nothing to change (already done)"
    assert path.stat().st_mtime_ns == written


def test_editing_a_missing_file_says_what_to_rerun(tmp_path):
    with pytest.raises(LabError, match="re-run the notebook from its\\s+first code cell"):
        edit_file(tmp_path / "gone.py", str.upper)


def test_a_file_change_compares_before_and_after():
    assert FileChange("a", "x", "y").changed and not FileChange("a", "x", "x").changed
