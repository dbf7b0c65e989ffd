"""tests/sanitize.cfg, read by nbval's own parser: what varies from run to run becomes a placeholder."""
import nbformat
import pytest

from tools import sanitize
from tools.sanitize import load_rules, sanitize_output, sanitize_text


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def test_revision_ids_dates_and_machine_paths_are_hidden(rules):
    text = ("Generating /home/ana/lab/workspace/04_generate/WEB_SERVICE/migrations/versions/"
            "3fa85f6457a1_ajout.py ...  done\nCreate Date: 2026-11-25 18:40:12.123456\n"
            "/opt/venv/lib/python3.11/site-packages/alembic/util.py:1: UserWarning")
    assert sanitize_text(text, rules) == (
        "Generating <LAB>/workspace/04_generate/WEB_SERVICE/migrations/versions/<REV>_ajout.py ...  done\n"
        "Create Date: <DATE>\n<site-packages>/alembic/util.py:1: UserWarning")


def test_memory_addresses_in_a_default_repr_are_hidden(rules):
    text = "Dialect impl <alembic.ddl.sqlite.SQLiteImpl object at 0x7f1c48fe2dd0> detected server default"
    assert sanitize_text(text, rules) == "Dialect impl <alembic.ddl.sqlite.SQLiteImpl object at 0x<ADDR>> detected server default"
    assert sanitize_text("<function utcnow at 0x7FB79F610360>", rules) == "<function utcnow at 0x<ADDR>>"


def test_a_hex_number_that_is_no_address_is_kept(rules):
    assert sanitize_text("mode 0x1f4 at offset 0x10, value=0x7f1c48fe2dd0", rules) == \
        "mode 0x1f4 at offset 0x10, value=0x7f1c48fe2dd0"


def test_a_fingerprint_is_not_mistaken_for_a_revision_id(rules):
    assert sanitize_text("sha256 e8b6f471eeb9df61", rules) == "sha256 e8b6f471eeb9df61"


def test_an_output_is_sanitized_in_place_streams_data_and_tracebacks(rules):
    output = {"output_type": "error", "text": ["at ", "3fa85f6457a1"], "data": {"text/plain": "3fa85f6457a1 (head)"},
              "traceback": ["Create Date: 2026-11-25 18:40:12"]}
    sanitize_output(output, rules)
    assert output == {"output_type": "error", "text": "at <REV>", "data": {"text/plain": "<REV> (head)"},
                      "traceback": ["Create Date: <DATE>"]}


def notebook_with(*cells):
    """A notebook whose code cells printed ``cells`` (each a source and its stdout)."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    for source, printed in cells:
        cell = nbformat.v4.new_code_cell(source, execution_count=len(notebook.cells) + 1)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
        notebook.cells.append(cell)
    return notebook


def test_revision_ids_are_numbered_by_first_appearance_across_the_notebook(rules):
    from tools.sanitize import sanitize_notebook

    notebook = notebook_with(("!flask db current", "3fa85f6457a1 (head)\n"),
                             ("show_file(script)", "revision = 'b0d9e1c2a3f4'\ndown_revision = '3fa85f6457a1'\n"),
                             ("!flask db history", "3fa85f6457a1 -> b0d9e1c2a3f4 (head), second\n"))
    sanitize_notebook(notebook, rules)
    assert [cell.outputs[0]["text"] for cell in notebook.cells] == [
        "<REV1> (head)\n", "revision = '<REV2>'\ndown_revision = '<REV1>'\n", "<REV1> -> <REV2> (head), second\n"]


def test_an_ignored_cell_neither_uses_nor_takes_a_number(rules):
    from tools.sanitize import sanitize_notebook

    notebook = notebook_with(("# NBVAL_IGNORE_OUTPUT\nprint(timing)", "aaaaaaaaaaaa took 3 s\n"),
                             ("!flask db current", "bbbbbbbbbbbb (head)\n"))
    sanitize_notebook(notebook, rules)
    assert [cell.outputs[0]["text"] for cell in notebook.cells] == ["<REV> took 3 s\n", "<REV1> (head)\n"]


def test_each_notebook_numbers_from_one(rules):
    from tools.sanitize import numbered, sanitize_text

    first, second = numbered(rules), numbered(rules)
    assert sanitize_text("aaaaaaaaaaaa bbbbbbbbbbbb", first) == "<REV1> <REV2>"
    assert sanitize_text("bbbbbbbbbbbb", second) == "<REV1>"
    assert sanitize_text("bbbbbbbbbbbb aaaaaaaaaaaa", first) == "<REV2> <REV1>"


def run_nbval_on(tmp_path, saved_text):
    """nbval (with notebooks/conftest.py) on a notebook that prints two new random revision ids, in order."""
    import os
    import shutil
    import subprocess
    import sys

    import nbformat

    from migration_lab.paths import PROJECT_ROOT

    source = "import uuid\na, b = uuid.uuid4().hex[:12], uuid.uuid4().hex[:12]\nprint(a, b, a)"
    notebook = notebook_with((source, saved_text))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, tmp_path / "numbers.ipynb")
    shutil.copy(PROJECT_ROOT / "notebooks" / "conftest.py", tmp_path / "conftest.py")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q",
                           "--rootdir", str(tmp_path), "-c", os.devnull, "--nbval", "--nbval-current-env",
                           "--nbval-sanitize-with", str(PROJECT_ROOT / "tests" / "sanitize.cfg"), "numbers.ipynb"],
                          cwd=tmp_path, env=env, capture_output=True, text=True)


def test_nbval_numbers_revision_ids_as_they_were_saved(tmp_path):
    result = run_nbval_on(tmp_path, "<REV1> <REV2> <REV1>\n")
    assert result.returncode == 0, result.stdout + result.stderr


def test_nbval_fails_when_the_saved_chain_differs(tmp_path):
    result = run_nbval_on(tmp_path, "<REV2> <REV1> <REV2>\n")
    assert result.returncode == 1 and "<REV1> <REV2> <REV1>" in result.stdout


def test_a_saved_widget_keeps_its_text_and_drops_its_view(rules):
    import nbformat

    from tools.sanitize import WIDGET_VIEW, sanitize_notebook

    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("widgets.install_check()", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("execute_result", execution_count=1, data={
        "text/plain": "InstallCheck(slider, drop-down, button, coloured lines)",
        WIDGET_VIEW: {"model_id": "8c3f0d2b6a7e4f1c9d0e1a2b3c4d5e6f", "version_major": 2, "version_minor": 0}})]
    notebook.cells.append(cell)
    sanitize_notebook(notebook, rules)
    assert notebook.cells[0].outputs[0]["data"] == {"text/plain": "InstallCheck(slider, drop-down, button, coloured lines)"}


def test_adjacent_chunks_of_one_stream_are_joined_and_nothing_else_moves(rules):
    out = lambda name, text: nbformat.v4.new_output("stream", name=name, text=text)
    display = nbformat.v4.new_output("display_data", data={"text/plain": "table"})
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print()", outputs=[
        out("stdout", "a\n"), out("stdout", "b\n"), out("stderr", "warn\n"), out("stdout", "c\n"), display,
        out("stdout", "d\n")])])
    sanitize.sanitize_notebook(notebook, rules)
    shown = [(o.output_type, o.get("name"), o.get("text")) for o in notebook.cells[0].outputs]
    assert shown == [("stream", "stdout", "a\nb\n"), ("stream", "stderr", "warn\n"), ("stream", "stdout", "c\n"),
                     ("display_data", None, None), ("stream", "stdout", "d\n")]
