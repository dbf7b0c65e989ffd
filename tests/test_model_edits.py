"""Edits to the sample app's models (guide section 3), each returned as a diff; running one twice changes nothing."""
import pytest

from migration_lab import LabError, lab_file
from migration_lab.model_edits import (GUIDE_COLUMNS, MODEL_FILE, MODELS_INIT, add_columns, add_model_module,
                                       remove_model_import, replace_line, set_enum)

GUIDE_NAMES = [line.split(" = ")[0] for line in GUIDE_COLUMNS.splitlines()]
SIZE = "size_bytes = db.Column(db.Integer)"


def model_columns(project):
    return project.model_schema()["conversion_jobs"].column_names


def test_the_guide_s_columns_go_after_the_last_shipped_column(project):
    shipped = model_columns(project)
    change = add_columns(project.root)
    assert model_columns(project) == shipped + GUIDE_NAMES
    assert [line[1:].strip() for line in change.text().splitlines() if line.startswith("+ ")] == \
        GUIDE_COLUMNS.strip().splitlines()


def test_adding_the_columns_twice_changes_nothing(project):
    add_columns(project.root)
    again = add_columns(project.root)
    assert not again.changed and again.text() == f"{MODEL_FILE}: nothing to change (already done)"
    assert model_columns(project).count("progress") == 1


def test_a_model_without_its_anchor_line_says_to_start_again(project):
    project.model_file.write_text(project.model_file.read_text().replace("finished_at", "done_at"))
    with pytest.raises(LabError, match="no longer has the line 'finished_at = .*re-run the notebook's first code cell"):
        add_columns(project.root)


def test_a_line_is_replaced_whole_and_once(project):
    change = replace_line(project.root, SIZE, "file_size = db.Column(db.Integer)")
    assert "file_size" in model_columns(project) and "size_bytes" not in model_columns(project)
    assert change.changed
    assert not replace_line(project.root, SIZE, "file_size = db.Column(db.Integer)").changed  # already replaced


def test_an_empty_new_line_deletes_the_line(project):
    replace_line(project.root, SIZE, "")
    assert "size_bytes" not in model_columns(project)
    with pytest.raises(LabError, match="has no line 'size_bytes = db.Column"):
        replace_line(project.root, SIZE, "")


def test_a_model_module_is_copied_and_imported_once(project):
    before = set(project.model_schema().tables)
    changes = add_model_module(project.root, "audit_entry")
    assert [c.name for c in changes] == ["WEB_SERVICE/models/audit_entry.py", MODELS_INIT]
    assert "+from .audit_entry import AuditEntryModel" in changes.text()
    copied = project.root / "WEB_SERVICE/models/audit_entry.py"
    assert copied.read_text() == lab_file("models/audit_entry.py").read_text()
    assert set(project.model_schema().tables) - before == {"audit_entries"}
    assert not any(c.changed for c in add_model_module(project.root, "audit_entry"))


def test_a_model_module_not_imported_is_invisible_to_the_models(project):
    before = set(project.model_schema().tables)
    changes = add_model_module(project.root, "audit_entry", imported=False)
    assert len(changes) == 1 and (project.root / "WEB_SERVICE/models/audit_entry.py").is_file()
    assert set(project.model_schema().tables) == before


def test_removing_the_import_hides_the_model_and_keeps_its_file(project):
    add_model_module(project.root, "audit_entry")
    change = remove_model_import(project.root, "audit_entry")
    assert "-from .audit_entry import AuditEntryModel" in change.text()
    assert "audit_entries" not in project.model_schema().tables
    assert (project.root / "WEB_SERVICE/models/audit_entry.py").is_file()
    assert not remove_model_import(project.root, "audit_entry").changed


def test_a_module_the_lab_does_not_have_is_an_error(project):
    with pytest.raises(LabError, match="the lab has no file sources/models/nothing.py"):
        add_model_module(project.root, "nothing")


# --- a Python enum in the model file (notebook 14) ---------------------------------------------------------
def priority_values(project):
    """The values SQLAlchemy reads for the model's ``priority`` column: the enum as the app imports it."""
    with project.flask_app() as app:
        return list(app.extensions["migrate"].db.metadata.tables["conversion_jobs"].c.priority.type.enums)


def test_an_enum_is_defined_above_the_model_and_a_column_can_use_it(project):
    change = set_enum(project.root, "Priority", ["low", "high"])
    add_columns(project.root, "priority = db.Column(db.Enum(Priority))")
    assert priority_values(project) == ["low", "high"]
    added = [line[1:] for line in change.text().splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert added == ["import enum", "", "", "class Priority(enum.Enum):", '    low = "low"', '    high = "high"']


def test_redefining_an_enum_replaces_its_members_and_twice_changes_nothing(project):
    set_enum(project.root, "Priority", ["low", "high"])
    add_columns(project.root, "priority = db.Column(db.Enum(Priority))")
    change = set_enum(project.root, "Priority", ["low", "high", "urgent"])
    assert [line for line in change.text().splitlines() if line.startswith(("+ ", "- "))] == ['+    urgent = "urgent"']
    assert not set_enum(project.root, "Priority", ["low", "high", "urgent"]).changed
    assert priority_values(project) == ["low", "high", "urgent"]
    assert project.model_file.read_text().count("import enum") == 1
    assert project.model_file.read_text().count("class Priority(") == 1


def test_a_second_enum_leaves_the_first_alone(project):
    set_enum(project.root, "Priority", ["low", "high"])
    set_enum(project.root, "Kind", ["pdf"])
    text = project.model_file.read_text()
    assert 'class Priority(enum.Enum):\n    low = "low"\n    high = "high"\n' in text and "class Kind(enum.Enum):" in text


@pytest.mark.parametrize("name, values", [("Priority", []), ("Priority", ["low", "not a name"]), ("2x", ["a"])])
def test_an_enum_whose_names_are_not_identifiers_is_refused(project, name, values):
    before = project.model_file.read_text()
    with pytest.raises(LabError, match="Python identifiers"):
        set_enum(project.root, name, values)
    assert project.model_file.read_text() == before


def test_a_model_file_without_the_model_class_says_to_start_again(project):
    project.model_file.write_text(project.model_file.read_text().replace("class ConversionJobModel", "class Job"))
    with pytest.raises(LabError, match="no longer has the line 'class ConversionJobModel.*first code cell"):
        set_enum(project.root, "Priority", ["low"])


def test_an_import_goes_after_the_model_file_s_last_import_once(project):
    from migration_lab.model_edits import add_import

    change = add_import(project.root, "from ..types import UTCDateTime")
    lines = project.model_file.read_text().splitlines()
    assert lines[lines.index("from ..extensions import db") + 1] == "from ..types import UTCDateTime"
    assert change.changed and not add_import(project.root, "from ..types import UTCDateTime").changed


@pytest.mark.parametrize("line", ["UTCDateTime", "from ..types import UTCDateTime; import os", "x = 1"])
def test_only_an_import_line_is_added(project, line):
    from migration_lab.model_edits import add_import

    with pytest.raises(LabError, match="is not one import line"):
        add_import(project.root, line)
