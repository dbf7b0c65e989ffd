"""How much memory one learner costs: the proportional set size (PSS) of their processes, by kind.

PSS rather than RSS because a room's servers and kernels share the same Python and libraries: RSS
counts those pages once per process and would make twenty learners look like twenty times one;
PSS splits each shared page between the processes that map it, so the sum over a machine is what
the machine really holds. Read from Linux's /proc (as root, to see every learner's processes).
"""
from collections import Counter
from pathlib import Path

from .users import processes

KINDS = ("server", "kernel", "postgres", "other")


def kind_of(cmdline):
    """server (jupyterhub-singleuser), kernel (ipykernel), postgres, or other (flask CLI, git...)."""
    text = " ".join(cmdline)
    if "jupyterhub-singleuser" in text:
        return "server"
    if "ipykernel" in text:
        return "kernel"
    name = Path(cmdline[0]).name if cmdline else ""
    if name in ("postgres", "postmaster") or name.startswith("postgres:"):  # workers retitle themselves
        return "postgres"
    return "other"


def pss_kib(pid):
    """PSS of one process in KiB (0 when it is gone or unreadable)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except (FileNotFoundError, ProcessLookupError):
        return []


def by_kind(uid):
    """{kind: MiB} of the processes running as ``uid``, every kind present (0.0 when none)."""
    totals = Counter({kind: 0 for kind in KINDS})
    for pid in processes(uid):
        totals[kind_of(cmdline(pid))] += pss_kib(pid)
    return {kind: totals[kind] / 1024 for kind in KINDS}
