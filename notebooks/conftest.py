"""How nbval compares these notebooks: tests/sanitize.cfg, with revision ids numbered.

A revision id becomes ``<REV1>``, ``<REV2>`` ... in order of first appearance in the notebook's compared
outputs, exactly as ``python -m tools.execute_notebooks`` numbered them when it saved the notebook
(see ``tools/sanitize.py``), so a saved ``down_revision = '<REV1>'`` must still point at ``<REV1>``.
"""
import pytest

from tools.sanitize import numbered


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    yield  # nbval's notebook item reads the sanitize file in its own setup, before its first cell
    notebook = item.parent
    patterns = getattr(notebook, "sanitize_patterns", None)
    if patterns is not None and not getattr(notebook, "lab_numbered_revisions", False):
        rules = numbered(list(patterns.items()))
        patterns.clear()
        patterns.update(rules)
        notebook.lab_numbered_revisions = True
