"""Files as the learner reads them: the guide-style tree and file excerpts."""
import pytest

from migration_lab.files import show_file, tree


def test_tree_draws_folders_first_and_hides_caches(project):
    (project / "WEB_SERVICE" / "__pycache__").mkdir(exist_ok=True)
    (project / ".hidden").write_text("")
    lines = tree(project / "WEB_SERVICE").splitlines()
    assert lines[0] == "WEB_SERVICE/"
    assert lines[1] == "├── models/"
    assert "│   ├── __init__.py" in lines and lines[-1] == "└── extensions.py"
    assert not any("__pycache__" in line or ".hidden" in line for line in lines)


def test_show_file_between_two_markers(project, capsys):
    show_file(project / "WEB_SERVICE" / "models" / "conversion_job.py", start="class ConversionJobModel", end="finished_at")
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("conversion_job.py  (lines 11-21)")
    assert out[1] == "class ConversionJobModel(db.Model):" and out[-1].strip().startswith("finished_at")


def test_show_file_says_which_marker_is_missing(project):
    with pytest.raises(ValueError, match="no line contains 'nowhere'"):
        show_file(project / "WEB_SERVICE" / "app.py", start="nowhere")
