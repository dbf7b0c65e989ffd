"""The lab's own code kept as real files under ``migration_lab/sources/``, not as strings.

Migrations the lab writes for a learner (the recommended history, the exercises' set-up), a model
module, the CI tests a team copies, raw SQL: each is a file a reader can open on GitHub and a
linter can check. :func:`lab_file` finds one through ``importlib.resources``, so it works wherever
the package is installed.
"""
from importlib import resources
from pathlib import Path

from .errors import LabError


def lab_file(name):
    """The path of ``sources/<name>`` (e.g. ``"revisions/0001_baseline.py"``) in the installed package."""
    path = Path(str(resources.files(__package__) / "sources" / name))
    if not path.is_file():
        raise LabError(f"the lab has no file sources/{name}")
    return path
