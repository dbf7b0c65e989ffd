"""Edits to the project's models, each returned as a diff: what the learner does in guide section 3.

A line is added after the model's last shipped column, or replaced whole; a model module is
added (its source is a real file of the lab, under ``sources/models/``) or its import removed from
``models/__init__.py`` (autogenerate then no longer sees it). Running an edit twice changes nothing.
"""
import re
from pathlib import Path

from .errors import LabError
from .files import FileChange, edit_file
from .sources import lab_file

MODEL_FILE = "WEB_SERVICE/models/conversion_job.py"
MODELS_INIT = "WEB_SERVICE/models/__init__.py"

# Guide section 3, "Modifier les modèles", verbatim (indented into the class body).
GUIDE_COLUMNS = """\
progress = db.Column(db.Integer, default=0)
page_done = db.Column(db.Integer)
total_pages = db.Column(db.Integer)
message = db.Column(db.Text)
"""

# The last column of the shipped model: new columns go right after it.
ANCHOR = "    finished_at = db.Column(db.DateTime)\n"


def _restart_hint(what):
    return LabError(f"{MODEL_FILE} {what}: re-run the notebook's first code cell to start from a clean copy")


def add_columns(root, lines=GUIDE_COLUMNS, after=ANCHOR):
    """Insert column lines into ConversionJobModel, after ``after``; returns the FileChange."""
    block = "".join(f"    {line.strip()}\n" for line in lines.strip().splitlines())

    def change(text):
        if block in text:
            return text  # already there: running the cell twice changes nothing
        if after not in text:
            raise _restart_hint(f"no longer has the line {after.strip()!r}")
        return text.replace(after, after + block, 1)

    return edit_file(Path(root) / MODEL_FILE, change, MODEL_FILE)


def replace_line(root, old, new):
    """Replace one whole line of the model file (``new=""`` deletes it); returns the FileChange."""
    old_line, new_line = f"    {old.strip()}\n", (f"    {new.strip()}\n" if new else "")

    def change(text):
        if old_line in text:
            return text.replace(old_line, new_line, 1)
        if new and new_line in text:
            return text  # already replaced
        raise _restart_hint(f"has no line {old.strip()!r}")

    return edit_file(Path(root) / MODEL_FILE, change, MODEL_FILE)


MODEL_CLASS = "class ConversionJobModel(db.Model):\n"
ENUM_IMPORT, IMPORT_ANCHOR = "import enum\n", "from datetime import datetime, timezone\n"


def set_enum(root, name, values):
    """Define ``class <name>(enum.Enum)`` above the model, or redefine it with these values; returns the FileChange.

    Each member's value is its name: ``db.Enum(<name>)`` stores member names, so the database holds the
    words the code reads.
    """
    if not name.isidentifier() or not values or not all(str(value).isidentifier() for value in values):
        raise LabError(f"an enum needs a class name and member names that are Python identifiers: {name!r}, {values!r}")
    block = f"class {name}(enum.Enum):\n" + "".join(f'    {value} = "{value}"\n' for value in values) + "\n\n"

    def change(text):
        existing = re.search(rf"^class {name}\(enum\.Enum\):\n(?:    .*\n)*\n\n", text, flags=re.MULTILINE)
        if existing:
            return text[:existing.start()] + block + text[existing.end():]
        if MODEL_CLASS not in text or (ENUM_IMPORT not in text and IMPORT_ANCHOR not in text):
            raise _restart_hint(f"no longer has the line {MODEL_CLASS.strip()!r} or {IMPORT_ANCHOR.strip()!r}")
        if ENUM_IMPORT not in text:
            text = text.replace(IMPORT_ANCHOR, ENUM_IMPORT + IMPORT_ANCHOR, 1)
        return text.replace(MODEL_CLASS, block + MODEL_CLASS, 1)

    return edit_file(Path(root) / MODEL_FILE, change, MODEL_FILE)


def add_import(root, line):
    """Add the top-level import ``line`` to the model file, after its last import; returns the FileChange."""
    line = line.strip()
    if not re.fullmatch(r"(from [\w.]+ )?import [\w., ]+", line):
        raise LabError(f"{line!r} is not one import line, such as 'from ..types import UTCDateTime'")

    def change(text):
        return _after_last_import(text, line + "\n", r"^(?:from \S+ )?import .*\n", _restart_hint("has no import line"))

    return edit_file(Path(root) / MODEL_FILE, change, MODEL_FILE)


def _after_last_import(text, line, imports, missing):
    """``text`` with ``line`` after the last line matching ``imports``; unchanged if ``line`` is there already."""
    if re.search(rf"^{re.escape(line)}", text, flags=re.MULTILINE):
        return text
    ends = [m.end() for m in re.finditer(imports, text, flags=re.MULTILINE)]
    if not ends:
        raise missing
    return text[:ends[-1]] + line + text[ends[-1]:]


def _import_line(module):
    source = lab_file(f"models/{module}.py").read_text(encoding="utf-8")
    classes = re.findall(r"^class (\w+)\(", source, flags=re.MULTILINE)
    return f"from .{module} import {', '.join(classes)}\n"


def add_model_module(root, module, imported=True):
    """Copy the lab's ``sources/models/<module>.py`` into the models package, and import it there.

    ``imported=False`` writes the file only: the model exists, yet autogenerate cannot see it.
    Returns the FileChanges (the new file, then models/__init__.py).
    """
    source = lab_file(f"models/{module}.py").read_text(encoding="utf-8")
    path = Path(root) / "WEB_SERVICE" / "models" / f"{module}.py"
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(source, encoding="utf-8")
    changes = [FileChange(f"WEB_SERVICE/models/{module}.py", before, source)]
    if imported:
        line = _import_line(module)

        missing = LabError(f"{MODELS_INIT} has no 'from .module import Model' line: re-run the first code cell")
        changes.append(edit_file(Path(root) / MODELS_INIT,
                                 lambda text: _after_last_import(text, line, r"^from \.\w+ import .*\n", missing),
                                 MODELS_INIT))
    return ModelChanges(tuple(changes))


def remove_model_import(root, module):
    """Remove ``from .<module> import ...`` from models/__init__.py (the file stays); returns the FileChange."""
    return edit_file(Path(root) / MODELS_INIT,
                     lambda text: re.sub(rf"^from \.{re.escape(module)} import .*\n", "", text, flags=re.MULTILINE),
                     MODELS_INIT)


class ModelChanges(tuple):
    """Several FileChanges shown one after the other."""

    def text(self):
        return "\n".join(change.text() for change in self)

    __str__ = text

    def __repr__(self):
        return self.text()
