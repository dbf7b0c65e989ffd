"""Edits to the sandbox's model file, shown as a diff: what the learner does in guide section 3."""
import difflib
from pathlib import Path

from .errors import LabError

MODEL_FILE = "WEB_SERVICE/models/conversion_job.py"

# Guide section 3, "Modifier les modèles", verbatim (indented into the class body).
GUIDE_COLUMNS = """\
progress = db.Column(db.Integer, default=0)
page_done = db.Column(db.Integer)
total_pages = db.Column(db.Integer)
message = db.Column(db.Text)
"""

# The last column of the shipped model: new columns go right after it.
ANCHOR = "    finished_at = db.Column(db.DateTime)\n"


def unified_diff(before, after, name=MODEL_FILE):
    """The change as ``git diff`` would show it."""
    return "".join(difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"a/{name}", tofile=f"b/{name}"))


def add_columns(root, lines=GUIDE_COLUMNS, after=ANCHOR):
    """Insert column lines into ConversionJobModel, after ``after``; returns the diff."""
    path = Path(root) / MODEL_FILE
    before = path.read_text(encoding="utf-8")
    if after not in before:
        raise LabError(f"{MODEL_FILE} no longer has the line {after.strip()!r}: "
                       "re-run the notebook's first code cell to start from a clean copy")
    block = "".join(f"    {line}\n" for line in lines.strip().splitlines())
    if block in before:
        return ""  # already there: running the cell twice changes nothing
    after_text = before.replace(after, after + block, 1)
    path.write_text(after_text, encoding="utf-8")
    return unified_diff(before, after_text)


def replace_line(root, old, new):
    """Replace one exact line of the model file (``old`` without indentation); returns the diff."""
    path = Path(root) / MODEL_FILE
    before = path.read_text(encoding="utf-8")
    old_line, new_line = f"    {old.strip()}\n", f"    {new.strip()}\n" if new else ""
    if old_line not in before:
        if new and new_line in before:
            return ""
        raise LabError(f"{MODEL_FILE} has no line {old.strip()!r}: re-run the notebook's first code cell")
    after_text = before.replace(old_line, new_line, 1)
    path.write_text(after_text, encoding="utf-8")
    return unified_diff(before, after_text)
