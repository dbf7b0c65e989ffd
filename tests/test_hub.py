"""The hub path end to end: a real JupyterHub and proxy, two real system users, nbgitpuller clones.

Two learners join (their system users made by the spawner), each pulls this checkout's committed
HEAD with nbgitpuller, and both run notebook 02 at the same moment through the hub's API, cell by
cell. Every output must equal the one committed in the learner's own clone (nbval's rules and
sanitize file), each learner's sandbox must be their own, and neither may read, change or delete
the other's files or the shared environment. Needs root (useradd); `make test` installs the proxy
and the learners' environment. Outside CI, a machine without them skips with the reason; in CI
(``CI`` set) it fails instead.
"""
import asyncio
import os
import shutil

import pytest

from workshop import environment, hub, users
from workshop.room import RoomHub, free_port, isolation_problems, join, run_in_lockstep

NOTEBOOK = "notebooks/02_init.ipynb"


def missing_prerequisite():
    if os.geteuid() != 0:
        return "the hub test creates system users: run it as root"
    if not shutil.which("useradd") and not os.access("/usr/sbin/useradd", os.X_OK):
        return "useradd is missing (apt-get install passwd)"
    if not os.access(hub.PROXY, os.X_OK):
        return "configurable-http-proxy is not installed: `make test` installs it (npm ci --prefix workshop)"
    if not environment.is_current(environment.default_path()):
        return "the learners' environment is missing or out of date: `make test` builds it (python -m workshop.environment)"
    if not shutil.which("git"):
        return "git is missing"
    return None


@pytest.fixture(scope="module")
def room():
    reason = missing_prerequisite()
    if reason and os.environ.get("CI"):
        pytest.fail(f"{reason} (in CI the hub test must run)")
    if reason:
        pytest.skip(reason)
    with RoomHub(free_port()) as running:
        yield running
    assert users.learners(running.prefix) == [], "the room's system users were not removed"


async def two_learners_run_the_same_notebook(room):
    ana, ben = await asyncio.gather(join(room, "ana"), join(room, "ben"))
    runs = await run_in_lockstep([ana, ben], NOTEBOOK)
    problems = await isolation_problems(ana, ben) + await isolation_problems(ben, ana)
    return ana, ben, runs, problems


def test_two_learners_on_one_hub_get_the_committed_outputs_and_stay_apart(room):
    ana, ben, runs, problems = asyncio.run(two_learners_run_the_same_notebook(room))
    assert {run.learner for run in runs} == {"ana", "ben"} and len(runs) > 10
    assert [(r.learner, r.cell, r.differences) for r in runs if r.differences] == []
    assert problems == []
    for learner in (ana, ben):
        assert learner.clone.parent.stat().st_mode & 0o777 == 0o700
        sandboxes = list((learner.clone / "workspace").iterdir())
        assert sandboxes and all(box.stat().st_uid == learner.uid for box in sandboxes)
    assert list(environment.default_path().glob("lib/python*/site-packages/workspace")) == []
