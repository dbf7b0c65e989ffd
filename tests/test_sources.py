"""The lab's own code kept as real files under migration_lab/sources/, found wherever the package is installed."""
import ast
from pathlib import Path

import pytest

import migration_lab
from migration_lab import LabError, lab_file
from migration_lab.script_edits import function_bodies

SOURCES = Path(migration_lab.__file__).parent / "sources"
REVISIONS = sorted(p.name for p in (SOURCES / "revisions").glob("*.py"))


def test_a_lab_file_is_found_by_its_name_under_sources():
    assert lab_file("models/audit_entry.py") == SOURCES / "models" / "audit_entry.py"


def test_a_missing_file_is_an_error():
    with pytest.raises(LabError, match="the lab has no file sources/revisions/nothing.py"):
        lab_file("revisions/nothing.py")
    with pytest.raises(LabError, match="the lab has no file sources/revisions$"):
        lab_file("revisions")  # a folder is no file


@pytest.mark.parametrize("name", REVISIONS)
def test_each_revision_body_file_has_a_message_and_both_functions(name):
    path = lab_file(f"revisions/{name}")
    assert ast.get_docstring(ast.parse(path.read_text())), "its first docstring line is the revision message"
    bodies = function_bodies(path)
    assert set(bodies) == {"upgrade", "downgrade"} and all(bodies.values())


def test_the_sources_ship_with_the_package():
    pyproject = (Path(migration_lab.__file__).parent.parent / "pyproject.toml").read_text()
    assert 'migration_lab = ["sources/**/*"]' in pyproject
    assert REVISIONS and lab_file("team_ci/pytest.ini") and lab_file("sql/rebuild.sql")
