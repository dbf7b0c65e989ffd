"""The learners' environment: the lab's pinned packages and the lab itself, installed once, readable by all.

Why not the checkout's ``.venv``: learners run as their own system users, and a venv links to the
interpreter it was made from. On this kind of machine that interpreter is under ``/root`` (pyenv),
which no other user can enter, so the hub builds its own venv, from an interpreter every user can
run (Debian's ``/usr/bin/python3`` by default), in ``/opt``, owned by root and read-only to learners:
nothing a learner does can delete it. The lab's package is installed into it as a copy (not ``-e``):
one install for everyone, which is why ``migration_lab.paths`` finds each learner's own clone from
the kernel's folder rather than from where the package lives.

    python -m workshop.environment            # build or update it; prints its path
    python -m workshop.environment --path     # print where it is, build nothing
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .errors import WorkshopError, run_command

LAB = Path(__file__).resolve().parent.parent
BASE_PYTHON = os.environ.get("LAB_HUB_PYTHON", "/usr/bin/python3")
STAMP = ".lab-installed"


def default_path(lab=LAB):
    """/opt/flask-migrate-lab/env-<8 hex>: one environment per checkout, so two checkouts never clash."""
    digest = hashlib.sha256(str(Path(lab).resolve()).encode()).hexdigest()[:8]
    return Path(os.environ.get("LAB_HUB_ENV", f"/opt/flask-migrate-lab/env-{digest}"))


def inputs_digest(lab=LAB):
    """A digest of what the environment is built from: pins, project file, the package's code and files."""
    digest = hashlib.sha256()
    package = sorted(p for p in (lab / "migration_lab").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    files = [lab / "requirements.txt", lab / "pyproject.toml", lab / "jupyterlab-settings" / "overrides.json",
             *package]
    for path in files:
        digest.update(path.relative_to(lab).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def is_current(path=None, lab=LAB):
    path = Path(path or default_path(lab))
    stamp = path / STAMP
    return stamp.exists() and stamp.read_text().strip() == inputs_digest(lab)


def _run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise WorkshopError(f"{' '.join(map(str, command[:4]))} ... failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


def build(path=None, lab=LAB, base_python=BASE_PYTHON):
    """Create or update the environment at ``path``; returns the path. Needs root (it writes to /opt)."""
    path = Path(path or default_path(lab))
    if is_current(path, lab):
        return path
    if not os.access(base_python, os.X_OK):
        raise WorkshopError(f"{base_python} is missing: the learners' environment is made from a Python every "
                            "user can run (Debian: apt-get install python3-venv), or set LAB_HUB_PYTHON")
    if path.exists() and not (path / "bin" / "python").exists():
        raise WorkshopError(f"{path} exists and is not a Python environment: remove it or set LAB_HUB_ENV")
    old_umask = os.umask(0o022)  # everything readable by the learners, writable by root only
    try:
        if not (path / "bin" / "python").exists():
            _run([base_python, "-m", "venv", str(path)])
        pip = [str(path / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        _run([*pip, "--upgrade", "pip"])
        _run([*pip, "-r", str(lab / "requirements.txt")])
        _run([*pip, "--no-deps", "--force-reinstall", str(lab)], cwd=lab)
        settings = path / "share" / "jupyter" / "lab" / "settings"
        settings.mkdir(parents=True, exist_ok=True)
        shutil.copy(lab / "jupyterlab-settings" / "overrides.json", settings / "overrides.json")
        shutil.rmtree(lab / "build", ignore_errors=True)
        (path / STAMP).write_text(inputs_digest(lab) + "\n")
    finally:
        os.umask(old_umask)
    return path


def unreachable_folders(path):
    """Folders on the way to ``path`` that another user cannot enter (no execute bit for others)."""
    path = Path(path).resolve()
    return [p for p in [*reversed(path.parents), path] if p.exists() and not p.stat().st_mode & 0o001]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", action="store_true", help="print where the environment is, build nothing")
    args = parser.parse_args(argv)
    if args.path:
        print(default_path())
        return 0
    if os.geteuid() != 0:
        raise WorkshopError("the learners' environment goes in /opt, owned by root: run as root (sudo make hub)")
    path = build()
    closed = unreachable_folders(path)
    if closed:
        raise WorkshopError(f"learners cannot enter {', '.join(map(str, closed))}: chmod o+x them or set LAB_HUB_ENV")
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(run_command(main))
