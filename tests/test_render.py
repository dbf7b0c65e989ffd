"""How the lab lays out text: aligned tables, two texts side by side, a change as a diff."""
from migration_lab import side_by_side
from migration_lab.render import text_table, unified_diff


def test_a_table_aligns_every_column_and_strips_trailing_space():
    assert text_table([("sandbox", "rows"), ("02_init", 12), ("x", "")], indent="> ", gap=1).splitlines() == [
        "> sandbox rows", "> 02_init 12", "> x"]


def test_a_table_of_no_rows_is_empty():
    assert text_table([]) == ""


def test_side_by_side_puts_each_text_under_its_title():
    text = side_by_side("a\nbb", "x", titles=("left", "right"), gap=2)
    assert text.splitlines() == ["left  right", "====  =====", "a     x", "bb"]


def test_a_change_reads_as_git_diff_shows_it():
    assert unified_diff("one\ntwo\n", "one\n2\n", "notes.txt").splitlines() == [
        "--- a/notes.txt", "+++ b/notes.txt", "@@ -1,2 +1,2 @@", " one", "-two", "+2"]
    assert unified_diff("same\n", "same\n", "notes.txt") == ""
