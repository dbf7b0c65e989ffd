"""Files as a learner reads them: a tree like the guide's, a file's text, nothing machine-specific."""
from pathlib import Path

HIDDEN = ("__pycache__", ".ipynb_checkpoints")


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
    raise ValueError(f"no line contains {marker!r}")


def show_file(path, start=None, end=None):
    """Print a file, or its lines from ``start`` to ``end`` (line numbers from 1, or text they contain)."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    first = _line_number(lines, start, 1)
    last = _line_number(lines, end, len(lines), after=first - 1)
    print(f"# {path.as_posix()}" + (f"  (lines {first}-{last})" if start or end else ""))
    print("\n".join(lines[first - 1:last]))
