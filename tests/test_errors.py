"""One exception for what a learner can fix, and any error read in one line."""
from migration_lab import LabError
from migration_lab.errors import one_line


def test_a_command_failure_reads_as_the_commands_own_last_line():
    error = LabError("flask db upgrade failed in p:\nINFO  [alembic] Running upgrade\n"
                     "ERROR [flask_migrate] Error: boom\n\n")
    assert one_line(error) == "ERROR [flask_migrate] Error: boom"


def test_a_lab_error_of_one_line_is_itself():
    assert one_line(LabError("no database file jobs.db")) == "no database file jobs.db"


def test_any_other_error_reads_type_and_first_line():
    assert one_line(ValueError("bad\nsecond line")) == "ValueError: bad"
    assert one_line(KeyError()) == "KeyError"


def test_a_throwaway_copy_s_path_is_hidden():
    error = LabError("flask db upgrade failed in tmp1234:\nERROR [flask_migrate] Error: boom at /tmp/x/p")
    assert one_line(error, "/tmp/x") == "ERROR [flask_migrate] Error: boom at <copy>/p"
