"""The sanitize rules of tests/sanitize.cfg, parsed by nbval's own parser, applied to outputs before saving.

nbval compares a cell's saved output with a new run after applying the same rules to both; the
maintainers' tools apply them when saving, so committed notebooks hold the placeholders.

One rule does more than replace: a revision id (12 hex digits, random) becomes ``<REV1>``, ``<REV2>``
... numbered by first appearance in the notebook, so a reader sees which revision follows which
(``down_revision = '<REV1>'`` under ``revision = '<REV2>'``). ``notebooks/conftest.py`` gives nbval
the same numbering, in the same order (the compared outputs, cell by cell).
"""
import re
from pathlib import Path

from nbval.plugin import get_sanitize_patterns

RULES_FILE = Path(__file__).resolve().parent.parent / "tests" / "sanitize.cfg"
REVISION = "<REV>"  # the replacement that gets numbered
IGNORE_MARKERS = ("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP")
IGNORE_TAGS = ("nbval-ignore-output", "nbval-skip")
# A widget's view points at a model that exists only in the kernel that ran it (a random id); a saved
# notebook keeps no widget state, so the view is dropped and the widget's text form stays.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def load_rules(path=RULES_FILE):
    """(regex, replacement) pairs, in file order, as ``pytest --nbval-sanitize-with`` reads them."""
    return list(dict(get_sanitize_patterns(Path(path).read_text(encoding="utf-8"))).items())


class RevisionNumbers:
    """A ``re.sub`` replacement: the n-th distinct revision id met becomes ``<REVn>``. One per notebook."""

    def __init__(self):
        self.numbers = {}

    def __call__(self, match):
        return f"<REV{self.numbers.setdefault(match.group(0), len(self.numbers) + 1)}>"


def numbered(rules):
    """The rules, with the revision placeholder replaced by a fresh :class:`RevisionNumbers`."""
    numbers = RevisionNumbers()
    return [(regex, numbers if replacement == REVISION else replacement) for regex, replacement in rules]


def sanitize_text(text, rules):
    for regex, replacement in rules:
        text = re.sub(regex, replacement, text)
    return text


def is_compared(cell):
    """Whether nbval compares this cell's outputs (it skips ignored and skipped cells)."""
    tags = cell.get("metadata", {}).get("tags", [])
    return not (any(marker in cell.source for marker in IGNORE_MARKERS) or any(tag in tags for tag in IGNORE_TAGS))


def sanitize_output(output, rules, plain_rules=None):
    """Sanitize the text of one notebook output in place (streams, data, tracebacks).

    Tracebacks get ``plain_rules`` (nbval never compares them, so they must not consume numbers).
    """
    if "text" in output:
        output["text"] = sanitize_text("".join(output["text"]), rules)
    for key, value in output.get("data", {}).items():
        if key.startswith("text/"):
            output["data"][key] = sanitize_text("".join(value), rules)
    if "traceback" in output:
        output["traceback"] = [sanitize_text(line, plain_rules or rules) for line in output["traceback"]]


def join_adjacent_streams(outputs):
    """One output per run of stdout (or stderr): the kernel splits printed text into chunks at random
    points, so a saved notebook would change at every run while nbval, which joins them, sees no change."""
    joined = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            joined.append(output)
    return joined


def sanitize_notebook(notebook, rules):
    """Sanitize every output of an executed notebook in place, revision ids numbered as nbval numbers them."""
    compared = numbered(rules)
    for cell in notebook.cells:
        if "outputs" in cell:
            cell["outputs"] = join_adjacent_streams(cell["outputs"])
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
            sanitize_output(output, compared if is_compared(cell) else rules, rules)
