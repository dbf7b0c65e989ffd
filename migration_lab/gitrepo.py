"""A real git repository in a sandbox, with a fixed author, committer and dates.

A commit id is a hash of the files, the message, the identity and the dates: with the identity and
the dates fixed here, the same files give the same commit id on every machine and every run. Git
runs with no system or global configuration, so a learner's own settings (signing, hooks, default
branch) change nothing. A migration script holds a random revision id and its creation time, so a
commit that adds one gets a new id on each run: ``show`` prints git's output with object ids replaced
by ``<commit>`` and ``<blob>``, and the lab checks stable facts instead.
"""
import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .errors import LabError

AUTHOR = ("Camille Martin", "camille.martin@example.com")
FIRST_COMMIT_AT = datetime(2025, 3, 3, 9, 0, tzinfo=timezone(timedelta(hours=1)))
BETWEEN_COMMITS = timedelta(hours=1)
# What never goes into the repository: the database, its backups, Python's caches.
IGNORED = ("instance/", "__pycache__/", "*.pyc", ".lab-sandbox.json")

_COMMIT_LINE = re.compile(r"^commit [0-9a-f]{7,40}", re.MULTILINE)
_MERGE_LINE = re.compile(r"^Merge:((?: [0-9a-f]{7,40})+)$", re.MULTILINE)
_INDEX_LINE = re.compile(r"^index ([0-9a-f]{7,40})\.\.([0-9a-f]{7,40})", re.MULTILINE)


def _environment(when=None):
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "LANG": "C"}
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    name, email = AUTHOR
    for role in ("AUTHOR", "COMMITTER"):
        env[f"GIT_{role}_NAME"] = name
        env[f"GIT_{role}_EMAIL"] = email
        if when is not None:
            env[f"GIT_{role}_DATE"] = when.isoformat()
    return env


def mask_object_ids(output):
    """Git's output with commit ids shown as ``<commit>`` and blob ids (``index`` lines) as ``<blob>``."""
    output = _COMMIT_LINE.sub("commit <commit>", output)
    output = _MERGE_LINE.sub(lambda m: "Merge:" + " <commit>" * len(m.group(1).split()), output)

    def blob(object_id):
        return object_id if set(object_id) == {"0"} else "<blob>"  # all zeros: no file on that side

    return _INDEX_LINE.sub(lambda m: f"index {blob(m.group(1))}..{blob(m.group(2))}", output)


class Repo:
    """The git repository at ``root`` (the sandbox root: the guide's project root)."""

    def __init__(self, root):
        self.root = Path(root)

    @classmethod
    def init(cls, root, ignored=IGNORED):
        """``git init`` (branch main) with a .gitignore; an existing repository is started over."""
        repo = cls(root)
        if (repo.root / ".git").exists():
            shutil.rmtree(repo.root / ".git")
        repo.git("init", "--quiet", "--initial-branch=main")
        (repo.root / ".gitignore").write_text("".join(f"{line}\n" for line in ignored), encoding="utf-8")
        return repo

    def git(self, *args, when=None):
        """Run ``git <args>`` in the repository; returns its output. A failure raises LabError."""
        result = subprocess.run(["git", "-c", "color.ui=never", "-c", "core.quotepath=off", *args],
                                cwd=self.root, env=_environment(when), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            raise LabError(f"git {' '.join(args)} failed:\n{result.stdout.strip()}")
        return result.stdout

    def commit_count(self):
        return int(self.git("rev-list", "--count", "--all"))

    def commit(self, message, *paths):
        """Stage ``paths`` (default: everything not ignored) and commit; returns the commit id.

        The n-th commit is dated FIRST_COMMIT_AT + (n - 1) hours, for author and committer alike.
        """
        count = self.commit_count()
        self.git("add", "--all", "--", *(paths or ["."]))
        self.git("commit", "--quiet", "--no-verify", "-m", message, when=FIRST_COMMIT_AT + count * BETWEEN_COMMITS)
        return self.head()

    def head(self):
        return self.git("rev-parse", "HEAD").strip()

    def show(self, *args):
        """Print ``$ git <args>`` and git's output, object ids masked (they change with every run)."""
        print(f"$ git {' '.join(args)}")
        print(mask_object_ids(self.git(*args)).rstrip("\n"))


def git_init(root, ignored=IGNORED):
    """A new git repository at ``root`` (branch main, a .gitignore that keeps databases out); returns the Repo."""
    return Repo.init(root, ignored)
