"""The app's traffic during a migration: releases of the sample app serving users, each in its own process.

``deploy_app(sandbox, "v1", database)`` freezes the sandbox's ``WEB_SERVICE/`` as it is now into
``releases/v1/`` (the code that release runs, whatever the sandbox becomes) and starts
:mod:`migration_lab.traffic_client` on it: readers and writers calling the API against ``database``.
Two releases can serve at once, as during a rolling deploy. Every request comes back with its start,
end, status and error, so a notebook can ask what the users saw: which errors (deterministic), and
how long requests took (measured: shown in a plot, never in a checked output).
"""
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from .errors import LabError
from .paths import relative_to_project

CLEAN_ENVIRONMENT = ("PGAPPNAME", "PGOPTIONS", "DATABASE_URL", "FLASK_APP")


@dataclass(frozen=True)
class Request:
    group: str      # "v1 reads"
    kind: str       # read, create, finish
    started: float  # time.monotonic(), shared by every process of the machine
    ended: float
    status: int
    error: str = None

    @property
    def seconds(self):
        return self.ended - self.started


class Release:
    """One deployed version of the app, serving traffic until ``stop()``."""

    def __init__(self, name, root, database, readers, writers, pause):
        self.name, self.root, self.database = name, root, database
        self._clients = (readers, writers, pause)
        self.groups = [(f"{name} {kind}", count) for kind, count in (("reads", readers), ("writes", writers)) if count]
        self.requests, self._lock = [], threading.Lock()
        last_id = database.query("SELECT coalesce(max(id), 1) FROM conversion_jobs")[0][0]
        env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENVIRONMENT}
        env.update(DATABASE_URL=database.url, PYTHONDONTWRITEBYTECODE="1")
        self._stderr = open(root / "traffic.log", "w")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "migration_lab.traffic_client", str(root), "--name", name, "--readers",
             str(readers), "--writers", str(writers), "--last-id", str(last_id), "--pause", str(pause)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True, env=env, cwd=root)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self._process.stdout:
            r = json.loads(line)
            with self._lock:
                self.requests.append(Request(r["g"], r["k"], r["t0"], r["t1"], r["s"], r["e"]))

    def __repr__(self):
        state = "serving" if self.serving else "stopped"
        return f"<release {self.name} of the app, {state}>"

    @property
    def serving(self):
        return self._process.poll() is None

    def since(self, moment=None, group=None):
        """The requests made (started) after the time ``moment`` (``time.monotonic()``), of one group or all."""
        with self._lock:
            return [r for r in self.requests if (moment is None or r.started > moment) and (group is None or r.group == group)]

    def answered(self, group=None, after=None):
        """How many requests made after the time ``after`` got an answer that was not an error."""
        return sum(1 for r in self.since(after, group) if r.status < 500)

    def errors(self, after=None):
        return [r for r in self.since(after) if r.status >= 500]

    def responses(self, group=None, after=None):
        """How many requests got a response, answer or error (after the time ``after``)."""
        return len(self.since(after, group))

    def wait_for(self, answers=0, errors=0, after=None, timeout=60):
        """Block until each group got ``answers`` answers and ``errors`` errors (after the time ``after``)."""
        deadline = time.monotonic() + timeout
        while True:
            done = all(self.answered(g, after) >= answers and sum(1 for r in self.errors(after) if r.group == g) >= errors
                       for g, _ in self.groups)
            if done:
                return self
            if not self.serving or time.monotonic() > deadline:
                raise LabError(f"release {self.name}: not {answers} answers and {errors} errors within {timeout} s "
                               f"({'still serving' if self.serving else 'its process ended'}); its log: "
                               f"{relative_to_project(self.root / 'traffic.log')}")
            time.sleep(0.05)

    def what_users_saw(self, after=None):
        """Per group: no error, or each distinct error (what a 500 hid), from the time ``after`` on."""
        lines = []
        for group, _ in self.groups:
            failed = sorted({r.error for r in self.errors(after) if r.group == group})
            lines.append(f"{group}: " + ("no error" if not failed else "500 " + "; 500 ".join(failed)))
        return "\n".join(lines)

    def redeploy(self, readers=None, writers=None):
        """Serve this release's code again (a rollback to it): a new Release, same frozen code, same users
        unless ``readers`` / ``writers`` say otherwise."""
        default_readers, default_writers, pause = self._clients
        return _start(Release(self.name, self.root, self.database, default_readers if readers is None else readers,
                              default_writers if writers is None else writers, pause))

    def latency(self, watch):
        """Measured: how long requests took while the migration's session was open, against before it.

        Durations change with the machine and the run: print this in a cell the tests do not compare.
        """
        spans = [(begin, end) for begin, end, label in watch.spans() if label == "migration running"]
        if not spans:
            return f"{self.name}: the migration was not seen"
        start, end = min(b for b, _ in spans), max(e for _, e in spans)
        during = sorted(r.seconds for r in self.since() if r.started < end and r.ended > start)
        before = sorted(r.seconds for r in self.since() if r.ended < start)
        if not during:
            return f"{self.name}: no request while the migration ran"
        median = (lambda values: values[len(values) // 2] * 1000 if values else float("nan"))
        return (f"{self.name}: {len(during)} requests while the migration ran, the slowest took {during[-1] * 1000:.0f} ms "
                f"(median {median(during):.1f} ms; before it, median {median(before):.1f} ms)")

    def stop(self):
        """Stop serving (the users of this release go to the next one)."""
        if self.serving:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._reader.join(timeout=10)
        self._stderr.close()

    def plot(self, *watches, others=(), title=None, margin=1.5):
        """Each request's duration against the time it was made, per group; shaded: the migration (``watches``).

        The window is the migration's, ``margin`` seconds on each side (every request, without watches).
        """
        import matplotlib.pyplot as plt

        releases = (self, *others)
        spans = [span for watch in watches for span in watch.spans()]
        everything = [r for release in releases for r in release.since()]
        start = min((b for b, _, _ in spans), default=min((r.started for r in everything), default=0)) - margin
        end = max((e for _, e, _ in spans), default=max((r.ended for r in everything), default=0)) + margin
        figure, axes = plt.subplots(figsize=(9, 3.2), layout="constrained")
        colours = {"migration running": "#fde2b5", "migration waiting for its lock": "#f4a3a3"}
        for begin, finish, label in spans:
            axes.axvspan(begin - start, finish - start, color=colours[label], alpha=0.7, label=label, zorder=1)
        for release in releases:
            for group, _ in release.groups:
                shown = [r for r in release.since(start, group) if r.started < end]
                failed = [r for r in shown if r.status >= 500]
                axes.scatter([r.started - start for r in shown], [r.seconds * 1000 for r in shown], s=7, zorder=3,
                             label=group)
                if failed:
                    axes.scatter([r.started - start for r in failed], [r.seconds * 1000 for r in failed], s=20,
                                 marker="x", color="red", zorder=4, label="a 500 error")
        handles, labels = axes.get_legend_handles_labels()
        unique = dict(zip(labels, handles))
        axes.legend(unique.values(), unique.keys(), fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
        axes.set(yscale="log", xlabel="seconds (when the request was made)", ylabel="request duration (ms)",
                 title=title or "What the users waited, request by request")
        plt.close(figure)
        return figure


def deploy_app(sandbox, name, database, readers=2, writers=2, pause=0.01):
    """Deploy the sandbox's code as it is now, as release ``name``, serving traffic against ``database``.

    The code is copied to ``releases/<name>/`` first, so editing the sandbox afterwards prepares the
    next release without changing this one. Returns once each group of users got a first answer.
    """
    root = sandbox.root / "releases" / name
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(sandbox.root / "WEB_SERVICE", root / "WEB_SERVICE",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "migrations", "instance"))
    return _start(Release(name, root, database, readers, writers, pause))


def _start(release):
    """Wait until each group got a first response (an answer or an error), then say who serves."""
    _RUNNING.append(release)
    deadline = time.monotonic() + 60
    while not all(release.responses(group) for group, _ in release.groups):
        if not release.serving or time.monotonic() > deadline:
            release.stop()
            log = (release.root / "traffic.log").read_text(errors="replace").strip().splitlines()
            raise LabError(f"release {release.name} did not start serving: {log[-1] if log else 'no output'}")
        time.sleep(0.05)
    users = ", ".join(f"{count} {'reader' if group.endswith('reads') else 'writer'}{'s' if count > 1 else ''}"
                      for group, count in release.groups)
    print(f"release {release.name} is serving ({users}); its code: releases/{release.name}/WEB_SERVICE")
    return release


_RUNNING = []


def stop_all():
    """Stop every release this kernel started (the notebook's last cell, or before stopping PostgreSQL)."""
    while _RUNNING:
        _RUNNING.pop().stop()
