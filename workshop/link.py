"""Print the nbgitpuller link a trainer hands out: it clones the lab into the learner's home and opens notebook 00.

    python -m workshop.link https://github.com/OWNER/flask-migrate-lab --hub https://hub.example.org

Following the link signs the learner in, starts their server, clones the repository into
``~/<repository name>`` (or, on later visits, merges the trainer's new commits while keeping the
learner's changes: nbgitpuller's rule) and opens the start notebook in JupyterLab.
"""
import argparse
import re
import sys
from urllib.parse import quote, urlencode, urlsplit

from .errors import WorkshopError, run_command

START_NOTEBOOK = "notebooks/00_start_here.ipynb"
BRANCH = re.compile(r"^[A-Za-z0-9._/-]+$")
FOLDER = re.compile(r"^[A-Za-z0-9._-]+$")


def repository_folder(repo):
    """The folder the clone lands in: the repository's name, without ``.git``. Refuses what git can't clone here."""
    parts = urlsplit(repo)
    if repo.startswith("git@") or parts.scheme in ("ssh", "git"):
        raise WorkshopError(f"{repo}: learners' servers have no SSH key; give the https URL of the repository")
    if parts.scheme not in ("https", "http", "file"):
        raise WorkshopError(f"{repo!r} is not a repository URL: give https://HOST/OWNER/REPO (or file:///path)")
    if parts.scheme != "file" and not parts.netloc:
        raise WorkshopError(f"{repo!r} has no host: give https://HOST/OWNER/REPO")
    if parts.query or parts.fragment:
        raise WorkshopError(f"{repo!r}: give the repository URL without '?' or '#' parts")
    segments = [s for s in parts.path.split("/") if s]
    if "tree" in segments or "blob" in segments:
        raise WorkshopError(f"{repo!r} is a page of the repository: give its root URL and the branch with --branch")
    if not segments:
        raise WorkshopError(f"{repo!r} names no repository: give https://HOST/OWNER/REPO")
    folder = segments[-1].removesuffix(".git")
    if not FOLDER.match(folder) or folder in (".", ".."):
        raise WorkshopError(f"{repo!r}: its last part {segments[-1]!r} cannot be a folder name")
    return folder


def check_hub(hub):
    parts = urlsplit(hub)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise WorkshopError(f"{hub!r} is not the hub's address: give http(s)://HOST[:PORT]")
    return hub.rstrip("/")


def learner_link(repo, hub, branch=None, notebook=START_NOTEBOOK):
    """The nbgitpuller link: ``HUB/hub/user-redirect/git-pull?repo=...&urlpath=lab/tree/<folder>/<notebook>``."""
    folder = repository_folder(repo.rstrip("/"))
    if branch is not None and not BRANCH.match(branch):
        raise WorkshopError(f"{branch!r} is not a branch name")
    query = {"repo": repo.rstrip("/"), "targetpath": folder, "urlpath": f"lab/tree/{folder}/{notebook}"}
    if branch:
        query["branch"] = branch
    return f"{check_hub(hub)}/hub/user-redirect/git-pull?{urlencode(query, quote_via=quote, safe='')}"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m workshop.link", description=__doc__.splitlines()[0])
    parser.add_argument("repo", help="the lab's git repository, e.g. https://github.com/OWNER/flask-migrate-lab")
    parser.add_argument("--hub", default="http://localhost:8000", help="the hub's address (default: this machine)")
    parser.add_argument("--branch", help="default: the repository's default branch")
    args = parser.parse_args(argv)
    print(learner_link(args.repo, args.hub, args.branch))
    return 0


if __name__ == "__main__":
    sys.exit(run_command(main))
