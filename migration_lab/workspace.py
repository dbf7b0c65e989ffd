"""One sandbox per notebook under workspace/: a copy of the guide's project, rebuilt on demand.

``open_sandbox("04_generate", checkpoint="edited")`` deletes ``workspace/04_generate/``, copies the
sample app there, creates and seeds its database, replays the guide's earlier steps in process,
and makes ``!`` cells run inside it: the notebook starts where the previous one ends, on its own.
"""
import json
import os
import re
import sys
from pathlib import Path

from . import checkpoints
from .data import TABLE
from .errors import LabError
from .ipython import show_lab_errors_as_messages, use_pipes_for_bang_commands
from .paths import WORKSPACE, relative_to_project, remove_inside_workspace
from .project import Project, create_sample_project

MARKER = ".lab-sandbox.json"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Sandbox(Project):
    """A notebook's own copy of the guide's project, under ``workspace/<name>/``."""

    def __init__(self, name, workspace=WORKSPACE):
        if not NAME.match(name or ""):
            raise LabError(f"{name!r} is not a sandbox name: use the notebook's name, e.g. '04_generate'")
        self.name = name.removesuffix(".ipynb")
        super().__init__(Path(workspace) / self.name)

    def __repr__(self):
        return f"Sandbox({self.name!r}, checkpoint={self.checkpoint!r})"

    def enter(self, set_flask_app=True):
        """Work here: ``!python -m flask ...`` cells run in this sandbox, with this notebook's Python."""
        os.chdir(self.root)
        os.environ.pop("DATABASE_URL", None)  # never let a real database URL leak into the lab
        for name in [n for n in os.environ if n.startswith("FLASK_DB_")]:  # `flask db` options set outside the lab
            del os.environ[name]
        os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
        os.environ["PYTHONUNBUFFERED"] = "1"  # stdout and stderr reach the cell in the order written
        if set_flask_app:
            os.environ["FLASK_APP"] = "WEB_SERVICE.app"
        else:
            os.environ.pop("FLASK_APP", None)
        bin_dir = str(Path(sys.executable).parent)
        if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
            os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")

    @property
    def checkpoint(self):
        """The checkpoint the sandbox was built at (what the learner did since is not tracked)."""
        marker = self.root / MARKER
        return json.loads(marker.read_text())["checkpoint"] if marker.exists() else None


def open_sandbox(name, checkpoint="created", set_flask_app=True):
    """Build a fresh sandbox for notebook ``name`` at ``checkpoint`` and work inside it.

    Everything in ``workspace/<name>/`` is replaced, so running the cell again starts over.
    """
    show_lab_errors_as_messages()
    use_pipes_for_bang_commands()
    sandbox = Sandbox(name)
    checkpoints.steps_until(checkpoint)  # an unknown checkpoint fails before anything is touched
    os.chdir(WORKSPACE.parent)  # never stand inside the folder being rebuilt
    os.environ.pop("DATABASE_URL", None)
    WORKSPACE.mkdir(exist_ok=True)
    remove_inside_workspace(sandbox.root)
    create_sample_project(sandbox.root)
    replayed = checkpoints.replay(sandbox, checkpoint)
    (sandbox.root / MARKER).write_text(json.dumps({"checkpoint": checkpoint}))
    sandbox.enter(set_flask_app)
    print(f"Sandbox {relative_to_project(sandbox.root)}/ is ready at checkpoint '{checkpoint}'.")
    print(f"  start    : WEB_SERVICE/ as shipped; instance/jobs.db made by db.create_all(), "
          f"{sandbox.count_rows()} rows in {TABLE} from data/")
    for step in replayed:
        print(f"  replayed : {step}")
    flask_app = "FLASK_APP=WEB_SERVICE.app" if set_flask_app else "FLASK_APP not set"
    print(f"  shell    : cells starting with ! run in the sandbox, {flask_app}, !python is this notebook's Python")
    return sandbox


def sandboxes():
    """Every sandbox that exists now, by name (other folders, such as JupyterLab's .ipynb_checkpoints, are not)."""
    if not WORKSPACE.is_dir():
        return []
    return [Sandbox(p.name) for p in sorted(WORKSPACE.iterdir())
            if p.is_dir() and not p.is_symlink() and NAME.match(p.name)]


def reset(name):
    """Delete one notebook's sandbox (it is rebuilt by the notebook's first cell)."""
    sandbox = Sandbox(name)
    if not sandbox.root.exists():
        raise LabError(f"no sandbox named {sandbox.name!r}; existing: "
                       f"{', '.join(s.name for s in sandboxes()) or 'none'}")
    remove_inside_workspace(sandbox.root)
    return sandbox


def reset_all():
    """Delete every sandbox; returns their names."""
    names = [s.name for s in sandboxes()]
    for name in names:
        remove_inside_workspace(WORKSPACE / name)
    return names
