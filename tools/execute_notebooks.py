"""Execute notebooks top to bottom and save them with sanitized outputs: what nbval compares.

    python tools/execute_notebooks.py                 # every notebook, two at a time
    python tools/execute_notebooks.py notebooks/04_generate.ipynb

Navigation bars are regenerated first. Outputs pass through tests/sanitize.cfg, so committed
notebooks hold <REV>, <DATE> and <LAB> instead of this machine's revision ids, times and paths.
A cell may fail only if it carries the tag ``raises-exception``.
"""
import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
import navigation  # noqa: E402
from sanitize import load_rules, sanitize_output  # noqa: E402


def execute(path):
    """Run one notebook in a fresh kernel; returns (name, seconds)."""
    path = Path(path).resolve()
    started = time.perf_counter()
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=900, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    rules = load_rules()
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            sanitize_output(output, rules)
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)
    return path.name, time.perf_counter() - started


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
