"""The package's shape: notebooks use its small public vocabulary only, and no module is large or in a cycle.

Notebooks are read as Python after IPython's own transformation (``!cmd`` and ``%magic`` lines become
calls), as ``python -m tools.api_usage`` reads them.
"""
import ast
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

import migration_lab
from migration_lab.paths import NOTEBOOKS
from tools.api_usage import Usage

PACKAGE = "migration_lab"
PACKAGE_DIR = Path(migration_lab.__file__).parent
SUBMODULES = ("widgets", "exercises")  # imported whole: `from migration_lab import widgets`
MAX_NAMES, MAX_LINES = 30, 300
NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


# --- what a notebook may use ---------------------------------------------------------------------
def code_cells(path):
    transform = TransformerManager().transform_cell
    return [transform(cell.source) for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


def is_private(name):
    return any(part.startswith("_") and not part.endswith("__") for part in name.strip(".").split("."))


def api_problems(cells, public=tuple(migration_lab.__all__)):
    """What a notebook's code cells (read in order) use of the package beyond its public names."""
    problems, usage = [], Usage()
    for number, source in enumerate(cells, 1):
        try:
            module = ast.parse(source)
        except SyntaxError as error:
            problems.append(f"code cell {number} is not Python once IPython has transformed it: {error.msg}")
            continue
        for node in ast.walk(module):
            if isinstance(node, ast.Import) and any(a.name.split(".")[0] == PACKAGE for a in node.names):
                problems.append(f"code cell {number}: `{ast.unparse(node)}`: import names from {PACKAGE} instead")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE:
                if node.module != PACKAGE:
                    problems.append(f"code cell {number}: `{ast.unparse(node)}` imports from a module of the package")
                problems += [f"code cell {number}: {alias.name} is not in {PACKAGE}.__all__ (nor a submodule "
                             f"{' or '.join(SUBMODULES)})" for alias in node.names
                             if node.module == PACKAGE and alias.name not in public + SUBMODULES]
        usage.visit(module)
    problems += [f"uses the private name {name}" for name in sorted(usage.names) if is_private(name)]
    return problems


def test_the_public_vocabulary_is_small_and_every_name_exists():
    assert len(migration_lab.__all__) <= MAX_NAMES
    assert len(set(migration_lab.__all__)) == len(migration_lab.__all__)
    assert all(hasattr(migration_lab, name) for name in migration_lab.__all__)
    assert not [name for name in migration_lab.__all__ if name.startswith("_")]


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda path: path.stem)
def test_a_notebook_imports_only_public_names(path):
    assert api_problems(code_cells(path)) == []


def test_the_check_catches_private_and_unlisted_names():
    cells = [
        "from migration_lab import open_sandbox, widgets\nfrom migration_lab.scale import RAW_SQL",
        "import migration_lab.scenarios\nfrom migration_lab import _quiet, postgres",
        "box = open_sandbox('x')\nbox._require()\nwidgets._pre([])\nprint(type(box).__name__)",
        TransformerManager().transform_cell("!python -m migration_lab.tracebacks\n%time box.schema()"),
    ]
    assert api_problems(cells) == [
        "code cell 1: `from migration_lab.scale import RAW_SQL` imports from a module of the package",
        "code cell 2: `import migration_lab.scenarios`: import names from migration_lab instead",
        "code cell 2: _quiet is not in migration_lab.__all__ (nor a submodule widgets or exercises)",
        "code cell 2: postgres is not in migration_lab.__all__ (nor a submodule widgets or exercises)",
        "uses the private name ._require",
        "uses the private name _quiet",
        "uses the private name widgets._pre",
    ]


# --- the package's own shape ---------------------------------------------------------------------
def package_modules(folder=PACKAGE_DIR, name=PACKAGE):
    """{dotted name: path} of every module of the package (folders without __init__.py hold data, not modules)."""
    modules = {name: folder / "__init__.py"}
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder).with_suffix("").parts
        if all((folder.joinpath(*parts[:i]) / "__init__.py").is_file() for i in range(1, len(parts))):
            dotted = ".".join((name,) + (parts[:-1] if parts[-1] == "__init__" else parts))
            modules[dotted] = path
    return modules


def import_graph(modules):
    """{module: modules it imports} from its `from .x import`, `from . import x` (and absolute) statements."""
    graph = {}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            for alias in node.names:
                imported = f"{target}.{alias.name}"
                edges.add(imported if imported in modules else target)
        graph[module] = sorted(edges & set(modules) - {module})
    return graph


def cycles(graph):
    """Each import cycle once, as a path that ends where it starts."""
    found, done = [], set()

    def visit(module, path):
        if module in path:
            cycle = path[path.index(module):]
            if not any(set(cycle) == set(seen[:-1]) for seen in found):
                found.append(cycle + [module])
            return
        if module in done:
            return
        for imported in graph.get(module, ()):
            visit(imported, path + [module])
        done.add(module)

    for module in graph:
        visit(module, [])
    return found


def test_no_module_is_longer_than_the_limit():
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in package_modules().items()}
    assert len(lengths) > 20 and {name: n for name, n in lengths.items() if n > MAX_LINES} == {}


def test_the_modules_import_each_other_without_a_cycle():
    graph = import_graph(package_modules())
    assert "migration_lab.database" in graph["migration_lab.project"]  # the graph sees relative imports
    assert "migration_lab.checkpoints" in graph["migration_lab.exercises.checks"]  # and `from .. import x`
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "data").mkdir()
    (package / "__init__.py").write_text("from .a import A\n")
    (package / "a.py").write_text("from . import b\nA = 1\n")
    (package / "b.py").write_text("def later():\n    from .sub.c import C\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "c.py").write_text("from ..a import A\nC = A\n")
    (package / "data" / "model.py").write_text("from ..extensions import db\n")  # no __init__.py: not a module
    modules = package_modules(package, "pkg")
    assert sorted(modules) == ["pkg", "pkg.a", "pkg.b", "pkg.sub", "pkg.sub.c"]
    assert cycles(import_graph(modules)) == [["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]]
