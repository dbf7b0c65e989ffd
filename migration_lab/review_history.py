"""What a script inherits from the revisions before it, and from ``env.py``, read as text.

A script in a migrations ``versions/`` folder is reviewed with its history: a CHECK (col IS NOT NULL)
validated by an earlier revision lets SET NOT NULL skip its scan, an enum type an earlier revision
created lets ``add_column`` use it, and a ``lock_timeout`` set in ``env.py`` holds for every
migration. Ancestors are found by reading ``revision`` and ``down_revision`` in each script
(``ast.literal_eval``), so no script is ever imported.
"""
import ast
import functools
from pathlib import Path

from .review_facts import Facts
from .review_script import function_node, read_calls


def history_facts(path):
    """Facts a script inherits: constraints its ancestors added and validated, env.py's lock_timeout.

    ``path`` is a script in a migrations ``versions/`` folder; its ancestors are found by reading
    ``revision`` and ``down_revision`` in each sibling script (as text: no script is imported).
    """
    path = Path(path)
    facts = Facts()
    env = path.parent.parent / "env.py"
    env_sets_it = env.is_file() and "lock_timeout" in _strings(env)
    scripts = {}
    for sibling in sorted(path.parent.glob("*.py")):
        ids = revision_ids(sibling)
        if ids:
            scripts[ids[0]] = (sibling, ids[1])
    me = revision_ids(path)
    for ancestor in ancestors(me[1] if me else (), scripts):
        upgrade = function_node(parsed(scripts[ancestor][0]), "upgrade")
        for call in read_calls(upgrade) if upgrade else ():
            for change in call.changes:
                facts.before(change)
                facts.record(change, ())
        facts.end_script()
    facts.lock_timeout, facts.lock_timeout_said = env_sets_it, False  # a SET in an ancestor ended with its session
    return facts


def revision_ids(path):
    """(revision, (down revisions...)) read from a script's module-level assignments, or None."""
    module = parsed(path)
    if module is None:
        return None
    values = {}
    for node in module.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and node.value is not None:
                    try:
                        values[target.id] = ast.literal_eval(node.value)
                    except ValueError:
                        pass
    if not isinstance(values.get("revision"), str):
        return None
    down = values.get("down_revision")
    return values["revision"], tuple(down) if isinstance(down, (tuple, list)) else ((down,) if down else ())


def ancestors(parents, scripts):
    """The ancestors' revision ids, base first (each once)."""
    order, seen = [], set()

    def visit(revision):
        if revision in seen or revision not in scripts:
            return
        seen.add(revision)
        for parent in scripts[revision][1]:
            visit(parent)
        order.append(revision)

    for parent in parents:
        visit(parent)
    return order


def parsed(path):
    """The module of a Python file (cached while the file is unchanged), or None when it is not Python."""
    path = Path(path)
    try:
        return _parse(str(path), path.stat().st_mtime_ns)
    except OSError:
        return None


@functools.lru_cache(maxsize=512)
def _parse(path, mtime):
    try:
        return ast.parse(Path(path).read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return None


def _strings(path):
    """Every string constant of a Python file (its code, not its comments)."""
    try:
        module = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return ""
    return "\n".join(n.value for n in ast.walk(module) if isinstance(n, ast.Constant) and isinstance(n.value, str))
