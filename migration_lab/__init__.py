"""Helpers for the Flask-Migrate lab: sandboxes, schema snapshots, row fingerprints."""
from .data import compare, count_rows, fingerprint
from .errors import LabError
from .files import show_file, show_tree, tree
from .schema import diff, snapshot
from .workspace import Sandbox, open_sandbox

__all__ = ["LabError", "Sandbox", "compare", "count_rows", "diff", "fingerprint", "open_sandbox",
           "show_file", "show_tree", "snapshot", "tree"]
