"""The schema at each revision, built on throwaway copies: the learner's sandbox is never touched."""
import contextlib
import io

import pytest

from migration_lab import LabError, exercises, timeline
from migration_lab.inprocess import flask_db

GUIDE_COLUMNS = ["progress", "page_done", "total_pages", "message"]


def files_of(sandbox):
    """Every file of the sandbox and its bytes: to prove that nothing changed."""
    return {p.relative_to(sandbox.root): p.read_bytes() for p in sorted(sandbox.root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def test_the_guide_history_has_base_and_one_revision_adding_four_columns(make_sandbox):
    sandbox = make_sandbox("upgraded")
    states = timeline.build(sandbox)
    base, guide = states.states
    assert base.revision is None and len(base.schema["conversion_jobs"].columns) == 8
    assert guide.is_head and guide.is_current and guide.parents == ()
    assert [c.name for _, c in states.changes(1).added_columns] == GUIDE_COLUMNS
    assert "alembic_version" not in guide.schema
    assert states.origin == "a copy of its database, downgraded to base"


def test_building_the_timeline_changes_nothing_in_the_sandbox(make_sandbox):
    sandbox = make_sandbox("upgraded")
    before = files_of(sandbox)
    timeline.build(sandbox)
    timeline.build(sandbox, start="empty")
    assert files_of(sandbox) == before


def test_a_database_never_upgraded_is_at_base(make_sandbox):
    states = timeline.build(make_sandbox("generated"))
    assert states.states[0].is_current and not states.states[1].is_current
    assert states.origin == "a copy of its database (no revision applied yet)"


def test_from_an_empty_database_a_history_without_baseline_cannot_be_built(make_sandbox):
    states = timeline.build(make_sandbox("upgraded"), start="empty")
    assert states.states[0].schema.tables == {}
    assert states.states[1].error == ("upgrade failed: OperationalError: (sqlite3.OperationalError) "
                                      "no such table: conversion_jobs")
    assert "could not build this state: upgrade failed" in states.text()


def test_a_missing_downgrade_shows_as_a_state_that_cannot_be_rebuilt(make_sandbox):
    sandbox = make_sandbox("upgraded", suffix="_downgrade")
    with contextlib.redirect_stdout(io.StringIO()):
        exercises.set_up("downgrade", sandbox)
    states = timeline.build(sandbox)
    assert "worker" in states.states[0].schema["conversion_jobs"].column_names  # left behind by `pass`
    assert "duplicate column name: worker" in states.states[2].error


def test_a_merge_is_measured_from_its_first_parent(make_sandbox):
    sandbox = make_sandbox("upgraded", suffix="_merge")
    with contextlib.redirect_stdout(io.StringIO()):
        exercises.set_up("merge", sandbox)
    flask_db(sandbox.root, "merge", revisions="heads", message="merge")
    states = timeline.build(sandbox)
    merge = states.states[-1]
    assert set(merge.parents) == {"alice_priority", "bruno_created_index"}
    assert states.parent_of(len(states.states) - 1).revision == merge.parents[0]
    assert "(merge of " in states.text()
    assert [s.revision for s in states.states if s.is_head] == [merge.revision]


def test_no_revision_yet_is_said_plainly(make_sandbox):
    with pytest.raises(LabError, match="no revision in WEB_SERVICE/migrations/versions yet"):
        timeline.build(make_sandbox("initialized"))


def test_a_failure_reads_as_one_line_without_the_copy_s_path():
    error = LabError("flask db upgrade failed in tmp1234:\nINFO  [alembic] ...\nERROR [flask_migrate] Error: boom at /tmp/x/p")
    assert timeline.one_line(error, "/tmp/x") == "ERROR [flask_migrate] Error: boom at <copy>/p"
    assert timeline.one_line(ValueError("bad\nsecond line")) == "ValueError: bad"
