"""The schema at each revision, built on throwaway copies: the learner's project is never touched."""
import pytest

from migration_lab import LabError, exercises, timeline
from migration_lab.model_edits import GUIDE_COLUMNS

GUIDE_NAMES = [line.split(" = ")[0] for line in GUIDE_COLUMNS.splitlines()]


def files_of(project):
    """Every file of the project and its bytes: to prove that nothing changed."""
    return {p.relative_to(project.root): p.read_bytes() for p in sorted(project.root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def test_the_guide_history_has_base_and_one_revision_adding_four_columns(project_at):
    project = project_at("upgraded")
    states = timeline.build(project)
    base, guide = states.states
    assert base.revision is None
    assert base.schema["conversion_jobs"].column_names == project.schema()["conversion_jobs"].column_names[:-len(GUIDE_NAMES)]
    assert guide.is_head and guide.is_current and guide.parents == ()
    assert [c.name for _, c in states.changes(1).added_columns] == GUIDE_NAMES
    assert "alembic_version" not in guide.schema
    assert states.origin == "a copy of its database, downgraded to base"


def test_building_the_timeline_changes_nothing_in_the_project(project_at):
    project = project_at("upgraded")
    before = files_of(project)
    timeline.build(project)
    timeline.build(project, start="empty")
    assert files_of(project) == before


def test_a_database_never_upgraded_is_at_base(project_at):
    states = timeline.build(project_at("generated"))
    assert states.states[0].is_current and not states.states[1].is_current
    assert states.origin == "a copy of its database (no revision applied yet)"


def test_from_an_empty_database_a_history_without_baseline_cannot_be_built(project_at):
    states = timeline.build(project_at("upgraded"), start="empty")
    assert states.states[0].schema.tables == {} and states.origin == "an empty database"
    assert states.states[1].error == ("upgrade failed: OperationalError: (sqlite3.OperationalError) "
                                      "no such table: conversion_jobs")
    assert "could not build this state: upgrade failed" in states.text()


def test_a_missing_downgrade_shows_as_a_state_that_cannot_be_rebuilt(project_at):
    project = exercises.set_up("downgrade", project_at("upgraded"))
    states = timeline.build(project)
    assert "worker" in states.states[0].schema["conversion_jobs"].column_names  # left behind by `pass`
    assert "duplicate column name: worker" in states.states[2].error


def test_a_merge_is_measured_from_its_first_parent(project_at):
    project = exercises.set_up("merge", project_at("upgraded"))
    project.flask_db("merge", revisions="heads", message="merge")
    states = timeline.build(project)
    merge = states.states[-1]
    assert set(merge.parents) == {"alice_priority", "bruno_created_index"}
    assert states.parent_of(len(states.states) - 1).revision == merge.parents[0]
    assert "(merge of " in states.text()
    assert [s.revision for s in states.states if s.is_head] == [merge.revision]


def test_no_revision_yet_is_said_plainly(project_at):
    with pytest.raises(LabError, match="no revision in WEB_SERVICE/migrations/versions yet"):
        timeline.build(project_at("initialized"))


def test_an_unknown_start_is_refused(project_at):
    with pytest.raises(LabError, match="start must be 'database' or 'empty', not 'base'"):
        timeline.build(project_at("upgraded"), start="base")
