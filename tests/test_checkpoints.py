"""The guide's steps replayed in process: each checkpoint is the state a learner reaches by typing the commands."""
import os
import subprocess
import sys

import pytest

from migration_lab import LabError, schema_diff
from migration_lab.checkpoints import GUIDE_MESSAGE, NAMES, STEPS, replay, steps_until
from migration_lab.model_edits import GUIDE_COLUMNS
from tools.sanitize import load_rules, sanitize_text

GUIDE_NAMES = [line.split(" = ")[0] for line in GUIDE_COLUMNS.splitlines()]


def test_the_checkpoints_follow_the_guide_in_order():
    assert NAMES == ("created", "initialized", "edited", "generated", "upgraded")
    assert [line for _, lines, _ in STEPS[1:] for line in lines] == [
        "python -m flask db init --directory=WEB_SERVICE/migrations",
        "alembic.ini: the autogenerate plugin logger at WARN (notebook 02)",
        "the guide's four columns added to ConversionJobModel",
        f'python -m flask db migrate -m "{GUIDE_MESSAGE}" --directory=WEB_SERVICE/migrations',
        "python -m flask db upgrade --directory=WEB_SERVICE/migrations",
    ]


def test_each_checkpoint_replays_the_steps_before_it():
    assert steps_until("created") == ()
    assert [name for name, _, _ in steps_until("generated")] == ["initialized", "edited", "generated"]


def test_an_unknown_checkpoint_lists_the_real_ones():
    with pytest.raises(LabError, match="unknown checkpoint 'defaulted'; the checkpoints are: created, initialized, "
                                       "edited, generated, upgraded"):
        steps_until("defaulted")


def test_replay_returns_what_it_did_as_the_learner_typed_it(project):
    assert replay(project, "edited") == [line for _, lines, _ in steps_until("edited") for line in lines]


def test_initialized_has_a_migrations_folder_and_no_script(project):
    replay(project, "initialized")
    assert (project.migrations / "env.py").is_file() and project.migration_scripts() == []
    assert not schema_diff(project.schema(), project.model_schema())
    assert "setting up autogenerate plugin" not in project.flask_db("check")


def test_edited_has_the_guide_s_columns_in_the_models_only(project):
    replay(project, "edited")
    assert [c.name for _, c in schema_diff(project.schema(), project.model_schema()).added_columns] == GUIDE_NAMES


def test_generated_has_the_guide_s_script_and_a_database_still_at_base(project):
    replay(project, "generated")
    assert [s.doc for s in project.migration_scripts()] == [GUIDE_MESSAGE]
    assert project.current_revision() is None


def test_upgraded_has_the_database_at_head_with_every_row(project):
    rows = project.fingerprint()
    replay(project, "upgraded")
    assert project.current_revision() == project.migration_scripts()[-1].revision
    assert not schema_diff(project.schema().app_tables(), project.model_schema())
    assert project.fingerprint() == rows


def flask_cli(root, *args):
    """The real CLI, as a learner runs it from the project root."""
    env = {**os.environ, "FLASK_APP": "WEB_SERVICE.app"}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "flask", "db", *args, "--directory=WEB_SERVICE/migrations"]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=True)


def test_replayed_in_process_equals_typed_at_the_cli(make_sandbox):
    replayed = make_sandbox("upgraded", suffix="_replayed")
    by_hand = make_sandbox("edited", suffix="_cli")
    flask_cli(by_hand.root, "migrate", "-m", GUIDE_MESSAGE)
    flask_cli(by_hand.root, "upgrade")
    rules = load_rules()
    assert sanitize_text(replayed.newest_migration().read_text(), rules) == \
        sanitize_text(by_hand.newest_migration().read_text(), rules)
    assert not schema_diff(replayed.schema(), by_hand.schema())
    assert replayed.fingerprint() == by_hand.fingerprint()
    assert sorted(p.name for p in replayed.migrations.iterdir()) == sorted(p.name for p in by_hand.migrations.iterdir())
