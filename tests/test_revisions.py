"""A migrations folder read through Alembic: scripts in order, heads, parents, a script by id or message, the graph."""
import re

import pytest

from migration_lab import LabError
from migration_lab.revisions import RevisionGraph, find_script, heads, migration_scripts, parents, script_directory


@pytest.fixture
def forked(project):
    """A history that forks after 'Guide': Dev A and Dev B both follow it; the database is at Guide."""
    project.flask_db("init")
    project.flask_db("revision", message="Guide", rev_id="guide")
    project.flask_db("revision", message="Dev A", rev_id="dev_a")
    project.flask_db("revision", message="Dev B", rev_id="dev_b", head="guide", splice=True)
    project.flask_db("upgrade", revision="guide")
    return project


def test_before_flask_db_init_there_is_no_history(project):
    with pytest.raises(LabError, match="run `flask db init` first"):
        script_directory(project.migrations)


def test_an_initialized_project_has_no_script_and_no_head(project):
    project.flask_db("init")
    assert migration_scripts(project.migrations) == [] and heads(project.migrations) == ()


def test_scripts_come_base_first_with_their_parents(forked):
    scripts = migration_scripts(forked.migrations)
    assert scripts[0].revision == "guide" and {s.revision for s in scripts[1:]} == {"dev_a", "dev_b"}
    assert [parents(s) for s in scripts] == [(), ("guide",), ("guide",)]


def test_a_fork_has_two_heads_and_a_merge_two_parents(forked):
    assert heads(forked.migrations) == ("dev_a", "dev_b")
    forked.flask_db("merge", message="Merge", revisions="heads", rev_id="merge")
    assert heads(forked.migrations) == ("merge",)
    assert parents(find_script(forked.migrations, revision="merge")) == ("dev_a", "dev_b")


def test_a_script_is_found_by_revision_or_by_message(forked):
    assert find_script(forked.migrations, message="Dev B").revision == "dev_b"
    assert find_script(forked.migrations, revision="dev_b").path.endswith("dev_b_dev_b.py")


@pytest.mark.parametrize("wanted, message", [
    ({}, "name the script by revision=... or by message=..., not both"),
    ({"revision": "dev_a", "message": "Dev A"}, "not both"),
    ({"message": "nobody wrote this"}, "0 revision scripts have the message 'nobody wrote this'"),
    ({"revision": "nope"}, "0 revision scripts have the revision 'nope'"),
])
def test_a_script_not_named_exactly_once_is_an_error(forked, wanted, message):
    with pytest.raises(LabError, match=re.escape(message)):
        find_script(forked.migrations, **wanted)


def test_two_scripts_with_one_message_are_an_error(forked):
    forked.flask_db("revision", message="Dev A", rev_id="dev_a_again", head="dev_a")
    with pytest.raises(LabError, match="2 revision scripts have the message 'Dev A'"):
        find_script(forked.migrations, message="Dev A")


def test_the_graph_names_revisions_by_message_from_fork_to_merge(forked):
    assert RevisionGraph(forked.migrations, applied=("guide",)).text().splitlines() == [
        "1. 'Guide' <- '<base>' (branch point, the database is here)",
        "2. 'Dev A' <- 'Guide'  (head)",
        "2. 'Dev B' <- 'Guide'  (head)",
    ]
    forked.flask_db("merge", message="Merge", revisions="heads")
    graph = RevisionGraph(forked.migrations)
    assert graph.lines[-1] == ("3.", "'Merge'", "<- 'Dev A', 'Dev B'", "(head, merge point)")
    assert str(graph) == repr(graph) == graph.text()


def test_a_script_that_imports_the_app_at_its_top_is_read_and_the_app_forgotten_after(project):
    """As under `python -m flask` (run from the project root), a script may `import WEB_SERVICE.types`."""
    import sys

    project.flask_db("init")
    (project.root / "WEB_SERVICE" / "types.py").write_text("MARK = 1\n")
    project.flask_db("revision", message="typed", rev_id="typed")
    script = project.migration_script(revision="typed")
    script.write_text(script.read_text().replace("import sqlalchemy as sa\n", "import sqlalchemy as sa\nimport WEB_SERVICE.types\n"))
    assert [s.revision for s in migration_scripts(project.migrations)] == ["typed"]
    assert heads(project.migrations) == ("typed",)
    assert "WEB_SERVICE" not in sys.modules and "WEB_SERVICE.types" not in sys.modules
    assert str(project.root) not in sys.path
