"""Files as a learner reads them: a tree like the guide's, a file's text, a change as a diff.

Paths are shown relative to where the notebook works (its sandbox) or to the lab, never as this
machine's absolute path, so the same cell prints the same text on every machine.
"""
from dataclasses import dataclass
from pathlib import Path

from .errors import LabError
from .paths import relative_to_project
from .render import unified_diff

HIDDEN = ("__pycache__", ".ipynb_checkpoints")


def shown_path(path):
    """``path`` as a learner reads it: as given when relative, else from the sandbox or the lab."""
    path = Path(path)
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, FileNotFoundError):
        return relative_to_project(path)


def tree(path=".", hide=HIDDEN, max_depth=4):
    """The folder as the guide draws it (``├──``, ``└──``), folders first, dot-files hidden."""
    path = Path(path)
    lines = [f"{path.name or path.resolve().name}/"]

    def walk(folder, prefix, depth):
        entries = sorted((p for p in folder.iterdir() if p.name not in hide and not p.name.startswith(".")),
                         key=lambda p: (not p.is_dir(), p.name))
        for index, entry in enumerate(entries):
            last = index == len(entries) - 1
            lines.append(f"{prefix}{'└── ' if last else '├── '}{entry.name}{'/' if entry.is_dir() else ''}")
            if entry.is_dir() and depth < max_depth:
                walk(entry, prefix + ("    " if last else "│   "), depth + 1)

    walk(path, "", 1)
    return "\n".join(lines)


def show_tree(path=".", **options):
    """Print :func:`tree`."""
    print(tree(path, **options))


def _line_number(lines, marker, default, after=0):
    """``marker`` as a 1-based line number: an int as is, a string as the first line containing it."""
    if marker is None:
        return default
    if isinstance(marker, int):
        return marker
    for number, line in enumerate(lines[after:], start=after + 1):
        if marker in line:
            return number
    raise LabError(f"no line contains {marker!r}")


def show_file(path, start=None, end=None):
    """Print a file, or its lines from ``start`` to ``end`` (line numbers from 1, or text they contain)."""
    path = Path(path)
    if not path.is_file():
        raise LabError(f"no file {shown_path(path)}: re-run the notebook from its first code cell")
    lines = path.read_text(encoding="utf-8").splitlines()
    first = _line_number(lines, start, 1)
    last = _line_number(lines, end, len(lines), after=first - 1)
    print(f"# {shown_path(path)}" + (f"  (lines {first}-{last})" if start or end else ""))
    print("\n".join(lines[first - 1:last]))


@dataclass(frozen=True)
class FileChange:
    """What an edit did to one file: shown as a diff, or as "nothing to change" when it did nothing."""

    name: str       # the file as the learner reads it
    before: str
    after: str

    @property
    def changed(self):
        return self.before != self.after

    def text(self):
        return unified_diff(self.before, self.after, self.name).rstrip("\n") if self.changed \
            else f"{self.name}: nothing to change (already done)"

    __str__ = text

    def __repr__(self):
        return self.text()


def edit_file(path, change, name=None):
    """Rewrite the text file ``path`` with ``change(text) -> new text``; returns the FileChange."""
    path = Path(path)
    if not path.is_file():
        raise LabError(f"no file {shown_path(path)} (the sandbox was reset?): re-run the notebook from its "
                       "first code cell")
    before = path.read_text(encoding="utf-8")
    after = change(before)
    if after != before:
        path.write_text(after, encoding="utf-8")
    return FileChange(name or shown_path(path), before, after)
