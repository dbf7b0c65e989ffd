"""Read and rewrite the functions of a revision script (or of ``env.py``), as a reviewer edits one by hand.

``flask db migrate`` writes schema changes only; data changes (a backfill), a rename that keeps
the values, or a downgrade someone forgot are written by hand into ``upgrade()`` / ``downgrade()``.
:func:`replace_function_bodies` does that edit and returns it as a diff. Functions are found with
``ast`` (never by matching text), and a body is re-indented with ``textwrap``.
"""
import ast
import textwrap
from pathlib import Path

from .errors import LabError
from .files import edit_file, shown_path

FUNCTIONS = ("upgrade", "downgrade")


def _module(source, name):
    try:
        return ast.parse(source)
    except SyntaxError as error:
        raise LabError(f"{name} is not valid Python (line {error.lineno}: {error.msg}): fix the edit, "
                       "or regenerate the script") from None


def _function(module, function, name):
    node = next((n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == function), None)
    if node is None:
        raise LabError(f"{name} has no {function}() function: is it a revision script?")
    return node


def _body_lines(source, function, name):
    """0-based [start, end) of a top-level function's body: its comments included, trailing blank lines not.

    ``ast`` ends a function at its last statement; the comments after it (autogenerate's
    ``# ### end Alembic commands ###``) belong to the body too, up to the next top-level statement.
    """
    module = _module(source, name)
    node = _function(module, function, name)
    if node.body[0].lineno == node.lineno:
        raise LabError(f"{function}() of {name} is written on one line: put its body on lines of its own")
    lines = source.splitlines()
    following = [min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", ())]) - 1
                 for n in module.body if n.lineno > node.lineno]
    end = min(following) if following else len(lines)
    while end > node.lineno and not lines[end - 1].strip():
        end -= 1
    return node.lineno, end


def function_source(script, function="upgrade"):
    """The text of one top-level function of a script (a path or an Alembic Script)."""
    path = Path(getattr(script, "path", script))
    source = path.read_text(encoding="utf-8")
    node = _function(_module(source, path.name), function, path.name)
    start, end = _body_lines(source, function, path.name)
    return "\n".join(source.splitlines()[node.lineno - 1:end])


def show_function(script, function="upgrade"):
    """Print one function of a revision script (``upgrade`` by default), its file name on top."""
    path = Path(getattr(script, "path", script))
    print(f"# {shown_path(path)}  ({function})")
    print(function_source(path, function))


def function_bodies(path, functions=FUNCTIONS):
    """{name: body} of top-level functions of a Python file, each body dedented (the lab's own files)."""
    path = Path(path)
    source = path.read_text(encoding="utf-8")
    bodies = {}
    for function in functions:
        start, end = _body_lines(source, function, path.name)
        bodies[function] = textwrap.dedent("\n".join(source.splitlines()[start:end]))
    return bodies


def _replace_body(source, function, body, name):
    start, end = _body_lines(source, function, name)
    lines = source.splitlines(keepends=True)
    block = textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"
    new = "".join(lines[:start]) + block + "".join(lines[end:])
    _module(new, name)  # an edit that breaks the script's syntax fails here, not at upgrade time
    return new


def replace_function_bodies(script, *, from_file=None, **bodies):
    """Replace the WHOLE body of top-level functions of a script; returns the change as a diff.

    ``replace_function_bodies(script, upgrade="...", downgrade="...")`` for a revision script; any
    top-level function works (``run_migrations_online=`` in ``env.py``). Everything between the
    ``def`` line and the next top-level statement goes, autogenerate's comments included; the rest
    of the file stays. ``from_file`` takes ``upgrade()`` and ``downgrade()`` from another Python file
    (the lab keeps its fixed migrations so); a body given by name wins over the file's.
    """
    bodies = {**(function_bodies(from_file) if from_file else {}), **bodies}
    if not bodies:
        raise LabError("give the new body of each function by name: upgrade=\"...\", downgrade=\"...\"")
    path = Path(getattr(script, "path", script))

    def change(source):
        for function, body in bodies.items():
            source = _replace_body(source, function, body, path.name)
        return source

    return edit_file(path, change)
