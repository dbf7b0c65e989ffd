"""Is this machine ready for the lab? One line per check, each failure with its fix."""
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .errors import LabError
from .paths import DATA_CSV, REQUIREMENTS, SAMPLE_APP, WORKSPACE
from .render import text_table

FIX_INSTALL = "run `make lab` (or `.venv/bin/pip install -r requirements.txt`)"
DISK_NEEDED = 2**30  # notebook 12 leaves about 250 MB; 1 GiB leaves room for the other sandboxes and PostgreSQL


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def pinned_requirements(path=REQUIREMENTS):
    """{distribution name: version} for every ``name==version`` line of requirements.txt."""
    pins = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.strip()] = version.strip()
    return pins


def check_python():
    ok = sys.version_info >= (3, 11)
    version = ".".join(map(str, sys.version_info[:2]))
    return Check("Python", ok, version if ok else f"{version} (3.11 or newer needed)",
                 "" if ok else "install Python 3.11+ and re-create .venv (`make clean lab`)")


def check_packages(pins=None):
    checks = []
    for name, wanted in (pins or pinned_requirements()).items():
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            checks.append(Check(name, False, f"missing ({wanted} pinned)", FIX_INSTALL))
            continue
        ok = found == wanted
        checks.append(Check(name, ok, found if ok else f"{found} installed, {wanted} pinned",
                            "" if ok else FIX_INSTALL))
    return checks


def check_kernel():
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
        KernelSpecManager().get_kernel_spec("python3")
    except ImportError:
        return Check("Jupyter kernel", False, "jupyter_client is missing", FIX_INSTALL)
    except NoSuchKernel:
        return Check("Jupyter kernel", False, "no 'python3' kernel", "`.venv/bin/python -m ipykernel install --sys-prefix`")
    return Check("Jupyter kernel", True, "python3 kernel found")


def check_widgets():
    extension = Path(sys.prefix) / "share/jupyter/labextensions/@jupyter-widgets/jupyterlab-manager"
    if extension.is_dir():
        return Check("Widget extension", True, "@jupyter-widgets/jupyterlab-manager installed")
    return Check("Widget extension", False, "JupyterLab will show 'Loading widget...'",
                 "reinstall the pinned ipywidgets: `.venv/bin/pip install --force-reinstall jupyterlab_widgets`")


def check_lab_files():
    missing = [p.name for p in (SAMPLE_APP / "WEB_SERVICE" / "app.py", DATA_CSV) if not p.exists()]
    if missing:
        return Check("Lab files", False, f"missing: {', '.join(missing)}", "`git checkout -- sample_app data`")
    WORKSPACE.mkdir(exist_ok=True)
    if not os.access(WORKSPACE, os.W_OK):
        return Check("Lab files", False, "workspace/ is not writable", "fix the folder's permissions")
    return Check("Lab files", True, "sample app, data and a writable workspace/")


def check_git(which=shutil.which):
    """Notebook 08 puts its sandbox under git (a real repository, real commits)."""
    if which("git"):
        return Check("git", True, "found (notebook 08 commits its sandbox with it)")
    return Check("git", False, "not found: notebook 08 commits its sandbox with it",
                 "install git (Debian/Ubuntu: `sudo apt-get install git`; macOS: `xcode-select --install`)")


def check_disk(folder=WORKSPACE, needed=DISK_NEEDED):
    """Notebook 12 leaves about 250 MB in its sandbox; PostgreSQL's data directory goes in the temporary folder."""
    free = min(shutil.disk_usage(_existing(path)).free for path in (folder, Path(tempfile.gettempdir())))
    if free >= needed:
        return Check("Disk space", True, f"at least {needed / 2**30:.0f} GiB free for workspace/ and the temporary folder")
    return Check("Disk space", False, f"{free / 2**20:.0f} MB free; notebook 12 leaves about 250 MB in workspace/",
                 f"free {needed / 2**30:.0f} GiB (`make reset` deletes every sandbox) or work on another disk")


def _existing(path):
    path = Path(path)
    return next(p for p in [path, *path.parents] if p.exists())


def check_postgres():
    """Notebooks 08 and 12 start a real PostgreSQL from the pgserver wheel: start one here, then stop it.

    As root, PostgreSQL refuses to run, so pgserver runs it as the system user ``pgserver``, which it
    creates with ``useradd`` (found on PATH) and which must be able to enter the temporary folder.
    """
    name = "PostgreSQL"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns, with a machine path, when XDG_RUNTIME_DIR is unset
            import pgserver
    except ImportError:
        return Check(name, False, "pgserver is not installed (notebooks 08 and 12 need it)", FIX_INSTALL)
    tmp = Path(tempfile.gettempdir()).resolve()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("pgserver")
        except KeyError:
            if not shutil.which("useradd"):
                return Check(name, False, "as root, pgserver runs PostgreSQL as the system user 'pgserver' and "
                             "creates it with useradd, which is not on PATH",
                             "add /usr/sbin to PATH (`export PATH=$PATH:/usr/sbin`), or run the lab as a normal user")
        closed = [str(p) for p in [tmp, *tmp.parents] if not p.stat().st_mode & 0o001]
        if closed:
            return Check(name, False, f"as root, PostgreSQL runs as the user 'pgserver', who cannot enter {', '.join(closed)}",
                         "set TMPDIR to a folder every user can enter (`export TMPDIR=/tmp`) and run again")
    directory = tmp / f"migration-lab-doctor-{os.getpid()}"
    try:
        server = pgserver.get_server(directory, cleanup_mode="delete")
        try:
            version = server.psql("SHOW server_version;").split()[2]
        finally:
            server.cleanup()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError, RuntimeError, AssertionError,
            KeyError, IndexError) as error:
        return Check(name, False, f"did not start: {type(error).__name__}: {str(error)[:120]}",
                     "reinstall the pinned packages (`make lab`); as root, `export TMPDIR=/tmp`. Notebook 08's "
                     "saved outputs show what its PostgreSQL cells do")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return Check(name, True, f"{version} (pgserver) starts and stops here")


def run_checks():
    return [check_python(), *check_packages(), check_kernel(), check_widgets(), check_lab_files(),
            check_git(), check_disk(), check_postgres()]


def report(checks):
    """Print the checks as a screen a trainer can read from across the room; returns the problem count."""
    width = max(len(c.name) for c in checks)
    problems = [c for c in checks if not c.ok]
    for check in checks:
        print(f"{'ok  ' if check.ok else 'FAIL'}  {check.name.ljust(width)}  {check.detail}")
    for check in problems:
        print(f"\nfix {check.name}: {check.fix}")
    print(f"\n{'READY' if not problems else 'NOT READY'}: {len(checks) - len(problems)} of {len(checks)} checks passed")
    return len(problems)


def check_machine():
    """Run every check and print the report (``make doctor`` prints the same); returns the problem count."""
    return report(run_checks())


def show_versions(names):
    """Print the installed version of each package in ``names``, against the one requirements.txt pins."""
    pins = pinned_requirements()
    unknown = [name for name in names if name not in pins]
    if unknown:
        raise LabError(f"requirements.txt pins no {', '.join(unknown)}")
    checks = check_packages({name: pins[name] for name in names})
    print(text_table([(c.name, c.detail, "(as pinned)" if c.ok else c.fix) for c in checks]))
