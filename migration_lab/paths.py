"""Where the lab's files live, and the one rule for deleting: only inside workspace/.

The project root is the learner's own copy of the lab, not the folder the package was installed from.
On a laptop they are the same folder. On a workshop hub the package is installed once, in the shared
environment every kernel runs, while each learner works in a clone in their home: sandboxes made
under the package's folder would put every learner in one shared ``workspace/``. So the root is found
once, at import, from where the kernel stands (Jupyter starts a kernel in its notebook's folder):

1. ``MIGRATION_LAB_ROOT``, when set, names the lab copy explicitly;
2. else the nearest folder, from the current directory up, that looks like a lab copy
   (``sample_app/WEB_SERVICE/`` and ``notebooks/``);
3. else the checkout the package was installed from (``pip install -e .``).
"""
import os
import shutil
from pathlib import Path

from .errors import LabError

ROOT_VARIABLE = "MIGRATION_LAB_ROOT"
PACKAGE_CHECKOUT = Path(__file__).resolve().parent.parent


def looks_like_lab(folder):
    """True when ``folder`` holds a copy of the lab: the sample app and the notebooks."""
    folder = Path(folder)
    return (folder / "sample_app" / "WEB_SERVICE").is_dir() and (folder / "notebooks").is_dir()


def _current_directory():
    try:
        return Path.cwd().resolve()
    except OSError:  # the folder the process stood in was deleted
        return None


def find_project_root(cwd=None, environ=None, fallback=PACKAGE_CHECKOUT):
    """The lab copy to work in: the variable, else the nearest lab above ``cwd``, else ``fallback``."""
    environ = os.environ if environ is None else environ
    explicit = environ.get(ROOT_VARIABLE)
    if explicit:
        root = Path(explicit).expanduser().resolve()
        if not looks_like_lab(root):
            raise LabError(f"{ROOT_VARIABLE}={explicit} is not a copy of the lab (no sample_app/WEB_SERVICE/ "
                           f"and notebooks/ there): unset it, or point it at the folder you cloned")
        return root
    cwd = Path(cwd).resolve() if cwd is not None else _current_directory()
    for folder in ([cwd, *cwd.parents] if cwd is not None else []):
        if looks_like_lab(folder):
            return folder
    return Path(fallback)


PROJECT_ROOT = find_project_root()
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
