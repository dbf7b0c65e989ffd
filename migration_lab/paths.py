"""Where the lab's files live, and the one rule for deleting: only inside workspace/."""
import shutil
from pathlib import Path

from .errors import LabError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_APP = PROJECT_ROOT / "sample_app"
DATA_CSV = PROJECT_ROOT / "data" / "conversion_jobs.csv"
NOTEBOOKS = PROJECT_ROOT / "notebooks"
WORKSPACE = PROJECT_ROOT / "workspace"
REQUIREMENTS = PROJECT_ROOT / "requirements.txt"


def relative_to_project(path):
    """``path`` as the learner should read it: relative to the project when inside it."""
    path = Path(path).resolve()
    try:
        return path.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def remove_inside_workspace(path):
    """Delete ``path`` (a folder under workspace/). Anything else is refused, never deleted."""
    path = Path(path)
    if path.is_symlink():
        raise LabError(f"refusing to delete {path}: it is a symbolic link")
    resolved = path.resolve()
    workspace = WORKSPACE.resolve()
    if resolved == workspace or workspace not in resolved.parents:
        raise LabError(f"refusing to delete {path}: only folders inside {relative_to_project(workspace)}/ are reset")
    if resolved.exists():
        shutil.rmtree(resolved)
