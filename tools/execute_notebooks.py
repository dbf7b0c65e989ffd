"""Execute notebooks top to bottom and save them with sanitized outputs: what nbval compares.

    python -m tools.execute_notebooks                 # every notebook, two at a time
    python -m tools.execute_notebooks notebooks/04_generate.ipynb

Navigation bars are regenerated first. Outputs pass through tests/sanitize.cfg, so committed
notebooks hold <REV1>, <REV2>..., <DATE> and <LAB> instead of this machine's revision ids, times and paths.
A cell may fail only if it carries the tag ``raises-exception``.
"""
import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from . import navigation
from .notebook_run import run_notebook
from .sanitize import load_rules, sanitize_notebook


def execute(path):
    """Run one notebook in a fresh kernel and save it sanitized; returns (name, seconds)."""
    path = Path(path).resolve()
    notebook, seconds = run_notebook(path)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    sanitize_notebook(notebook, load_rules())
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)
    return path.name, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
    paths = args.notebooks or navigation.lab_notebooks()
    navigation.main(["--only", *map(str, paths)])
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for name, seconds in pool.map(execute, paths):
            print(f"{seconds:6.1f} s  {name}")


if __name__ == "__main__":
    main()
