"""How the lab lays out text: aligned tables, two texts side by side, a file change as a diff."""
import difflib


def text_table(rows, indent="", gap=2):
    """Rows of cells as aligned columns, one line per row (every cell shown with ``str``)."""
    rows = [[str(cell) for cell in row] for row in rows]
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(max(map(len, rows)))]
    return "\n".join(indent + (" " * gap).join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
                     for row in rows)


def side_by_side(left, right, titles=("left", "right"), gap=4):
    """Two texts (two schemas, say) as two columns, each under its title, to compare by eye."""
    left_lines = [titles[0], "=" * len(titles[0])] + str(left).splitlines()
    right_lines = [titles[1], "=" * len(titles[1])] + str(right).splitlines()
    width = max(len(line) for line in left_lines) + gap
    rows = max(len(left_lines), len(right_lines))
    left_lines += [""] * (rows - len(left_lines))
    right_lines += [""] * (rows - len(right_lines))
    return "\n".join(f"{a:<{width}}{b}".rstrip() for a, b in zip(left_lines, right_lines))


def unified_diff(before, after, name):
    """The change from ``before`` to ``after`` (two texts) as ``git diff`` shows it."""
    return "".join(difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=f"a/{name}", tofile=f"b/{name}"))
