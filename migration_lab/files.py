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


def show_file(path, start=None, end=None):
    """Print a file (or lines ``start`` to ``end``, counted from 1) with its name on top."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    first = start or 1
    selected = lines[first - 1:end]
    print(f"# {path.as_posix()}" + (f"  (lines {first}-{first + len(selected) - 1})" if start or end else ""))
    print("\n".join(selected))
