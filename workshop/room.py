"""A real room on localhost, for the hub test and the load test: the hub, its learners, their notebooks.

``RoomHub`` starts ``python -m workshop.hub`` on localhost (real JupyterHub, real proxy) with a driver
token, and on exit stops it and removes every system user it made (unique prefix) with their homes and
processes. ``publish`` makes a bare clone of this checkout's committed HEAD, and ``git daemon`` serves
it on localhost: nbgitpuller clones it over the network as it would clone GitHub. (A ``file://`` URL
would not do: git refuses, as "dubious ownership", a repository owned by another user than the
learner, and rightly so.) ``run_in_lockstep`` runs a
notebook in every learner's kernel cell by cell, all learners at once per cell, as a room does when
the trainer says "run the next cell", and compares each output with the one committed in that
learner's own clone.
"""
import ast
import asyncio
import hashlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import outputs, users
from .client import Hub
from .errors import WorkshopError

LAB = Path(__file__).resolve().parent.parent
FOLDER = "flask-migrate-lab"
BRANCH = "lab"


def publish(lab, folder):
    """A bare repository of ``lab``'s committed HEAD in ``folder``; returns its path."""
    bare = Path(folder) / f"{FOLDER}.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    subprocess.run(["git", "-C", str(bare), "config", "receive.shallowUpdate", "true"], check=True)  # a shallow CI clone
    subprocess.run(["git", "-C", str(lab), "push", "--quiet", str(bare), f"HEAD:refs/heads/{BRANCH}"], check=True,
                   capture_output=True)
    subprocess.run(["git", "-C", str(bare), "symbolic-ref", "HEAD", f"refs/heads/{BRANCH}"], check=True)
    return bare


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RoomHub:
    """``with RoomHub() as room:`` a running hub on 127.0.0.1; ``room.hub`` is its API client."""

    def __init__(self, port, prefix=None, lab=LAB, extra_args=(), keep_log=None):
        self.port = port
        self.prefix = prefix or f"lt{os.getpid() % 10000}{secrets.token_hex(1)}-"
        self.lab = lab
        self.extra_args = list(extra_args)
        self.keep_log = keep_log
        self.token = secrets.token_hex(24)
        self.folder = None
        self.process = None

    def __enter__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="lab-room-"))
        self.folder.chmod(0o755)
        bare = publish(self.lab, self.folder / "repo")
        git_port = free_port()
        self.git_daemon = subprocess.Popen(
            ["git", "daemon", "--export-all", "--reuseaddr", f"--base-path={bare.parent}", "--listen=127.0.0.1",
             f"--port={git_port}", str(bare.parent)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        self.repo = f"git://127.0.0.1:{git_port}/{bare.name}"
        self.log_path = self.folder / "hub.log"
        env = {**os.environ, "LAB_HUB_DRIVER_TOKEN": self.token}
        command = [sys.executable, "-m", "workshop.hub", "--ip", "127.0.0.1", "--port", str(self.port),
                   "--state", str(self.folder / "state"), "--user-prefix", self.prefix, *self.extra_args]
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(command, cwd=self.lab, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL)
        self.hub = Hub(f"http://127.0.0.1:{self.port}", self.token)
        try:
            asyncio.run(self._wait_until_up())
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    async def _wait_until_up(self, timeout=60):
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            try:
                return await self.hub.request("GET", "/hub/api/", timeout=5)
            except (OSError, WorkshopError):
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.3)
        raise WorkshopError(f"the hub did not start; its log:\n{self.log()[-3000:]}")

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def system_user(self, learner):
        return users.system_name(self.prefix, learner)

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # jupyterhub stops the learners' servers and its proxy
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "git_daemon", None) is not None:
            self.git_daemon.terminate()
            self.git_daemon.wait(timeout=10)
        for name in users.learners(self.prefix):
            users.remove_user(name)
        if self.folder is not None:
            if self.keep_log and self.log_path.exists():
                shutil.copy(self.log_path, self.keep_log)
            shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class CellRun:
    learner: str
    cell: int
    seconds: float
    differences: list = field(default_factory=list)


async def run_in_lockstep(learners, path, timeout=600):
    """Run notebook ``path`` (relative to each clone) in every learner's kernel, one cell at a time for all.

    Returns a list of CellRun, one per learner per code cell.
    """
    committed = await asyncio.gather(*(learner.notebook(f"{FOLDER}/{path}") for learner in learners))
    kernels = await asyncio.gather(*(learner.open_kernel(f"{FOLDER}/{path}") for learner in learners))
    runs = []
    try:
        cells = [(i, cell) for i, cell in enumerate(committed[0].cells)
                 if cell.cell_type == "code" and not outputs.cell_options(cell)["skip"]]
        for index, cell in cells:
            results = await asyncio.gather(*(kernel.run(cell.source, timeout) for kernel in kernels))
            for learner, notebook, rules, (new, seconds) in zip(learners, committed, learners_rules(learners), results):
                found = outputs.check_cell(notebook.cells[index], new, rules)
                runs.append(CellRun(learner.name, index, seconds, found))
    finally:
        await asyncio.gather(*(kernel.close() for kernel in kernels), return_exceptions=True)
    return runs


def learners_rules(learners):
    """The sanitize rules of each learner's own clone (read as root from their home)."""
    return [learner.rules for learner in learners]


async def join(room, name):
    """A learner arrives: hub user, server started (system user made by the spawner), the lab pulled.

    Returns the client's Learner with ``clone`` (their clone's path), ``uid``, ``rules`` and
    ``start_seconds``/``pull_seconds`` set.
    """
    learner = await room.hub.add_learner(name)
    learner.start_seconds = await learner.start_server()
    started = time.monotonic()
    await learner.pull(room.repo, FOLDER, BRANCH)
    learner.pull_seconds = time.monotonic() - started
    entry = pwd.getpwnam(room.system_user(name))
    learner.uid = entry.pw_uid
    learner.clone = Path(entry.pw_dir) / FOLDER
    learner.rules = outputs.rules_of_clone(learner.clone)
    return learner


def databases(learner):
    """{path: sha256} of every sandbox database in the learner's clone (read as root)."""
    found = {}
    for path in sorted(learner.clone.glob("workspace/*/instance/*.db")):
        found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


PROBE = """
import os, shutil, sys, migration_lab
def attempt(action):
    try:
        action()
        return "ALLOWED"
    except OSError as error:
        return type(error).__name__
print({
    "list the other's home": attempt(lambda: os.listdir(HOME)),
    "read the other's database": attempt(lambda: [open(p, "rb").read(1) for p in DATABASES]),
    "delete the other's clone": attempt(lambda: shutil.rmtree(CLONE)),
    "write into the shared environment": attempt(lambda: open(os.path.join(sys.prefix, "lab-probe"), "w")),
    "delete the shared package": attempt(lambda: shutil.rmtree(os.path.dirname(migration_lab.__file__))),
})
"""


async def isolation_problems(a, b):
    """What learner ``a``'s kernel managed to do to ``b`` or to the shared environment; [] when nothing.

    Also checks that ``b``'s sandbox databases are ``b``'s own (under their clone, owned by them) and
    byte for byte the same before and after ``a`` tried.
    """
    problems = []
    before = databases(b)
    if not before:
        problems.append(f"{b.name} has no sandbox database in their clone")
    for path in before:
        if Path(path).stat().st_uid != b.uid:
            problems.append(f"{path} is not owned by {b.name}'s system user")
    code = f"HOME = {str(b.clone.parent)!r}\nCLONE = {str(b.clone)!r}\nDATABASES = {list(before)!r}\n" + PROBE
    kernel = await a.open_kernel(f"{FOLDER}/notebooks/00_start_here.ipynb")
    try:
        new, _ = await kernel.run(code, timeout=120)
    finally:
        await kernel.close()
    text = "".join(o.get("text", "") for o in new if o.get("output_type") == "stream")
    errors = [o for o in new if o.get("output_type") == "error"]
    if errors or "{" not in text:
        problems.append(f"the probe did not run in {a.name}'s kernel: {errors[0].get('evalue') if errors else text}")
    for label, result in (ast.literal_eval(text.strip().splitlines()[-1]).items() if "{" in text else []):
        if result == "ALLOWED":
            problems.append(f"{a.name} could {label} ({b.name})")
    if databases(b) != before:
        problems.append(f"{b.name}'s databases changed while {a.name} probed them")
    return problems
