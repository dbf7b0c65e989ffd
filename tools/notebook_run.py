"""Run one notebook top to bottom in a fresh kernel: the one way the maintainers' tools execute notebooks."""
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def run_notebook(path, timeout=900):
    """Execute the notebook at ``path`` (cwd: its folder); returns (the executed notebook, seconds).

    A cell that raises stops the run with nbclient's CellExecutionError, unless the cell carries the
    tag ``raises-exception`` (the error is the lesson).
    """
    path = Path(path).resolve()
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    return notebook, time.perf_counter() - started
