"""One system user per learner: made when their server first starts, with a home nobody else can read.

Why system users: JupyterHub's LocalProcessSpawner runs each learner's server, kernels and PostgreSQL
as a Unix user, so everything a learner does is limited by that user's rights. The home is made
mode 0700, and the learner's temporary folder (where pgserver keeps PostgreSQL's data directory and
socket) is inside it, so learner A can neither read B's clone and databases nor squat B's folders in
a shared /tmp. The lab's environment belongs to root and is only readable: a learner cannot delete it.

Hub names are mapped to system names with a prefix (``lab-ana``), and only accounts this module made
(marked in their comment field) are ever reused or removed: a learner who signs in as ``root`` gets
``lab-root``, never root.
"""
import os
import pwd
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

from .errors import WorkshopError

MARKER = "flask-migrate-lab learner"
LEARNER_NAME = re.compile(r"^[a-z][a-z0-9]{0,19}$")
PREFIX = re.compile(r"^[a-z][a-z0-9-]{0,11}$")
TMP_FOLDER = ".tmp"


def check_prefix(prefix):
    if not PREFIX.match(prefix or ""):
        raise WorkshopError(f"{prefix!r} is not a user prefix: a lowercase letter, then up to 11 letters, "
                            "digits or dashes (e.g. 'lab-')")
    return prefix


def system_name(prefix, learner):
    """The system user of hub user ``learner``: ``prefix + learner``, both checked."""
    check_prefix(prefix)
    if not LEARNER_NAME.match(learner or ""):
        raise WorkshopError(f"{learner!r} is not a learner name: a lowercase letter, then up to 19 letters "
                            "or digits")
    return prefix + learner


def _tool(name):
    path = shutil.which(name) or f"/usr/sbin/{name}"
    if not os.access(path, os.X_OK):
        raise WorkshopError(f"{name} is missing: the hub makes one system user per learner with it "
                            "(Debian: apt-get install passwd)")
    return path


def is_learner(name):
    """True when ``name`` is a system user this module made."""
    try:
        return pwd.getpwnam(name).pw_gecos == MARKER
    except KeyError:
        return False


def temporary_folder(entry):
    return Path(entry.pw_dir) / TMP_FOLDER


def ensure_user(name):
    """The learner's system user, made if missing (home 0700, a private TMPDIR); returns its pwd entry."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        entry = None
    if entry is not None and entry.pw_gecos != MARKER:
        raise WorkshopError(f"the system user {name} exists and is not a lab learner: refusing to use it")
    if entry is None:
        result = subprocess.run([_tool("useradd"), "--create-home", "--user-group", "--shell", "/bin/bash",
                                 "--comment", MARKER, name], capture_output=True, text=True)
        if result.returncode != 0 and not is_learner(name):  # two spawns at once: the other one made it
            raise WorkshopError(f"useradd {name} failed: {result.stderr.strip()}")
        entry = pwd.getpwnam(name)
    home = Path(entry.pw_dir)
    home.chmod(0o700)
    tmp = temporary_folder(entry)
    tmp.mkdir(mode=0o700, exist_ok=True)
    if tmp.is_symlink():
        raise WorkshopError(f"{tmp} is a symbolic link: remove it and start the server again")
    os.chown(tmp, entry.pw_uid, entry.pw_gid)
    tmp.chmod(0o700)
    return entry


def processes(uid):
    """Pids of the processes running as ``uid`` (read from /proc)."""
    pids = []
    for folder in Path("/proc").iterdir():
        if folder.name.isdigit():
            try:
                if folder.stat().st_uid == uid:
                    pids.append(int(folder.name))
            except FileNotFoundError:
                continue
    return pids


def stop_processes(uid, grace=5.0):
    """End every process of ``uid``, by pid: SIGTERM, then SIGKILL for those still there after ``grace``."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        for pid in processes(uid):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while processes(uid) and time.monotonic() < deadline:
            time.sleep(0.1)
    return not processes(uid)


def remove_user(name):
    """Stop a learner's processes and delete the user with their home. Refuses any user it did not make."""
    if not is_learner(name):
        raise WorkshopError(f"{name} is not a lab learner: refusing to remove it")
    stop_processes(pwd.getpwnam(name).pw_uid)
    result = subprocess.run([_tool("userdel"), "--remove", name], capture_output=True, text=True)
    if result.returncode not in (0, 12):  # 12: home could not be removed fully (reported below)
        raise WorkshopError(f"userdel {name} failed: {result.stderr.strip()}")


def learners(prefix):
    """Names of the lab learners whose name starts with ``prefix``."""
    return sorted(e.pw_name for e in pwd.getpwall() if e.pw_gecos == MARKER and e.pw_name.startswith(prefix))
