"""Count the migration_lab names the notebooks' code cells use: the vocabulary a learner meets.

    python -m tools.api_usage            # the count, then each name with the notebooks using it
    python -m tools.api_usage --names    # the names only

A name is counted once however often it appears: a function or constant imported from the package
(``open_sandbox``, ``scale.RAW_REBUILD``), an attribute of an imported submodule (``widgets.install_check``),
and a method or attribute of what a lab call returned (``.schema`` on a sandbox, ``.text`` on a widget),
counted by name (``.schema`` once, whether on a sandbox or a PostgreSQL database) and only when the
package defines that name (so ``.read_text`` on a returned Path is not counted). Cells are read as
Python after IPython's own transformation (``!cmd`` and ``%magic`` lines become calls, not names).
"""
import argparse
import ast
from collections import defaultdict
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PACKAGE = "migration_lab"


def defined_names(package=ROOT / PACKAGE):
    """Every function, class, method, attribute and field name the package's source defines."""
    names = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


DEFINED = defined_names()


def is_submodule(qualified):
    path = ROOT / PACKAGE / qualified.replace(".", "/")
    return path.is_dir() or path.with_suffix(".py").is_file()


def code_cells(path):
    notebook = nbformat.read(path, as_version=4)
    transform = TransformerManager().transform_cell
    return [transform(cell.source) for cell in notebook.cells if cell.cell_type == "code"]


class Usage(ast.NodeVisitor):
    """Walks one notebook's code, in order, remembering which local names hold lab objects."""

    def __init__(self):
        self.names = set()
        self.modules = {}   # local name -> "widgets" (a lab submodule)
        self.objects = {}   # local name -> "open_sandbox()" (what a lab call returned)
        self.callables = {}  # local name -> "open_sandbox" (a lab function or class)

    def visit_ImportFrom(self, node):
        if not node.module or not node.module.startswith(PACKAGE):
            return
        prefix = node.module[len(PACKAGE):].lstrip(".")
        for alias in node.names:
            qualified = f"{prefix}.{alias.name}" if prefix else alias.name
            local = alias.asname or alias.name
            if is_submodule(qualified):
                self.modules[local] = qualified
            else:
                self.names.add(qualified)
                self.callables[local] = qualified

    def _origin(self, node):
        """The lab name an expression stands for, or None."""
        if isinstance(node, ast.Name):
            return self.callables.get(node.id) or self.objects.get(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in self.modules:
                name = f"{self.modules[node.value.id]}.{node.attr}"
                self.names.add(name)
                return name
        if isinstance(node, ast.Attribute) and self._origin(node.value) and node.attr in DEFINED:
            self.names.add(f".{node.attr}")
            return f".{node.attr}"
        if isinstance(node, ast.Call):
            origin = self._origin(node.func)
            return f"{origin}()" if origin else None
        return None

    def visit_Assign(self, node):
        self.generic_visit(node)
        origin = self._origin(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                if origin:
                    self.objects[target.id] = origin if origin.endswith("()") else origin
                else:
                    self.objects.pop(target.id, None)

    def visit_With(self, node):
        for item in node.items:
            origin = self._origin(item.context_expr)
            if origin and isinstance(item.optional_vars, ast.Name):
                self.objects[item.optional_vars.id] = origin + ".__enter__()"
        self.generic_visit(node)

    def visit_Attribute(self, node):
        self._origin(node)
        self.generic_visit(node)


def usage(paths):
    """{name: [notebooks using it]} for the given notebooks."""
    used = defaultdict(list)
    for path in paths:
        visitor = Usage()
        for source in code_cells(path):
            try:
                visitor.visit(ast.parse(source))
            except SyntaxError:
                continue
        for name in visitor.names:
            used[name].append(path.name[:2])
    return dict(sorted(used.items()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", action="store_true", help="print the names only")
    args = parser.parse_args(argv)
    used = usage(sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")))
    top = sorted({name.split(".")[0].split("(")[0] for name in used})
    if args.names:
        print("\n".join(used))
        return
    print(f"{len(used)} distinct migration_lab names in the notebooks' code cells "
          f"({len(top)} distinct first parts: {', '.join(top)})")
    for name, notebooks in used.items():
        print(f"  {name:55} {' '.join(notebooks)}")


if __name__ == "__main__":
    main()
