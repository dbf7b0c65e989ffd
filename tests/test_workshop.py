"""The workshop's commands and helpers: links, names, the hub's checks, output comparison, memory kinds.

Bad input to a command is one line on stderr and exit status 2, never a traceback.
"""
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from workshop import environment, hub, link, memory, outputs, users
from workshop.errors import WorkshopError, run_command

ROOT = Path(__file__).resolve().parent.parent


def run_module(module, *args):
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=60)


# --- the learner link -------------------------------------------------------------------------

def test_the_link_clones_into_the_repository_folder_and_opens_notebook_00():
    url = link.learner_link("https://github.com/ana/flask-migrate-lab.git", "https://hub.example.org/", "main")
    assert url == ("https://hub.example.org/hub/user-redirect/git-pull?"
                   "repo=https%3A%2F%2Fgithub.com%2Fana%2Fflask-migrate-lab.git&targetpath=flask-migrate-lab"
                   "&urlpath=lab%2Ftree%2Fflask-migrate-lab%2Fnotebooks%2F00_start_here.ipynb&branch=main")


@pytest.mark.parametrize("repo, message", [
    ("git@github.com:ana/lab.git", "no SSH key"),
    ("ssh://github.com/ana/lab", "no SSH key"),
    ("ftp://example.org/lab", "not a repository URL"),
    ("https://github.com", "names no repository"),
    ("https://github.com/ana/lab/tree/main", "page of the repository"),
    ("https://github.com/ana/lab?tab=readme", "without '?'"),
    ("flask-migrate-lab", "not a repository URL"),
])
def test_a_bad_repository_url_is_refused_with_a_reason(repo, message):
    with pytest.raises(WorkshopError, match=message):
        link.learner_link(repo, "http://localhost:8000")


def test_the_link_command_exits_2_with_one_line_on_bad_input():
    result = run_module("workshop.link", "git@github.com:ana/lab.git")
    assert result.returncode == 2 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    result = run_module("workshop.link", "https://github.com/ana/lab", "--hub", "hub.example.org")
    assert result.returncode == 2 and "not the hub's address" in result.stderr
    ok = run_module("workshop.link", "https://github.com/ana/flask-migrate-lab")
    assert ok.returncode == 0 and ok.stdout.startswith("http://localhost:8000/hub/user-redirect/git-pull?repo=")


# --- learners' system names -------------------------------------------------------------------

def test_learners_get_a_prefixed_system_name_and_odd_names_are_refused():
    assert users.system_name("lab-", "ana") == "lab-ana"
    for name in ("root", "ana"):
        assert users.system_name("lab-", name).startswith("lab-")
    for bad in ("", "Ana", "ana smith", "../x", "a" * 21, "1ana"):
        with pytest.raises(WorkshopError, match="not a learner name"):
            users.system_name("lab-", bad)
    with pytest.raises(WorkshopError, match="not a user prefix"):
        users.system_name("Lab_", "ana")


def test_only_accounts_made_for_learners_are_removed():
    with pytest.raises(WorkshopError, match="not a lab learner"):
        users.remove_user("root")
    assert not users.is_learner("root")


# --- the hub's checks ---------------------------------------------------------------------------

def test_the_hub_refuses_to_run_without_root():
    with pytest.raises(WorkshopError, match="must run as root"):
        hub.check_root(euid=1000)
    hub.check_root(euid=0)


def test_a_port_in_use_or_out_of_range_is_refused():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(WorkshopError, match=f"port {port} is in use"):
            hub.check_port("127.0.0.1", port)
    with pytest.raises(WorkshopError, match="not a TCP port"):
        hub.check_port("127.0.0.1", 70000)


def test_the_hub_command_exits_2_with_one_line_on_bad_input(monkeypatch, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_module("workshop.hub", "--ip", "127.0.0.1", "--port", str(port))
    assert result.returncode == 2 and "in use" in result.stderr and "Traceback" not in result.stderr
    for args, message in ((["--port", "0"], "not a TCP port"), (["--user-prefix", "BAD"], "not a user prefix"),
                          (["--admin", "Trainer One"], "not a learner name"), (["--idle-timeout", "5"], "at least 60")):
        assert run_command(hub.main, ["--ip", "127.0.0.1", *args]) == 2
        assert message in capsys.readouterr().err
    monkeypatch.setattr(hub.os, "geteuid", lambda: 1000)
    assert run_command(hub.main, ["--ip", "127.0.0.1", "--port", str(hub.free_port())]) == 2
    assert "must run as root" in capsys.readouterr().err
    assert run_module("workshop.hub", "--port", "eighty").returncode == 2


def test_the_learners_environment_is_rebuilt_when_the_lab_changes(tmp_path):
    lab = tmp_path / "lab"
    (lab / "migration_lab").mkdir(parents=True)
    (lab / "jupyterlab-settings").mkdir()
    for name in ("requirements.txt", "pyproject.toml", "jupyterlab-settings/overrides.json",
                 "migration_lab/paths.py"):
        (lab / name).write_text("x")
    before = environment.inputs_digest(lab)
    (lab / "migration_lab" / "paths.py").write_text("y")
    assert environment.inputs_digest(lab) != before
    assert not environment.is_current(tmp_path / "env", lab)
    assert environment.default_path(lab) != environment.default_path(tmp_path)


def test_folders_closed_to_other_users_are_named(tmp_path):
    closed = tmp_path / "closed"
    (closed / "env").mkdir(parents=True)
    closed.chmod(0o700)
    try:
        assert closed in environment.unreachable_folders(closed / "env")
    finally:
        closed.chmod(0o755)


# --- outputs compared the way nbval compares them ---------------------------------------------

RULES = outputs.load_rules((ROOT / "tests" / "sanitize.cfg").read_text())


def code_cell(source, cell_outputs, tags=()):
    cell = nbformat.v4.new_code_cell(source, outputs=[nbformat.from_dict(o) for o in cell_outputs],
                                     execution_count=1)
    cell.metadata["tags"] = list(tags)
    return cell


def stream(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def test_outputs_agree_after_sanitizing_and_coalescing_streams():
    committed = code_cell("x", [stream("Generating <LAB>/workspace/02/<REV>_a.py\n")])
    new = [stream("Generating /home/lab-ana/flask-migrate-lab/workspace/02/"), stream("3fa85f6457a1_a.py\n")]
    assert outputs.check_cell(committed, new, RULES) == []
    assert outputs.check_cell(committed, [stream("something else\n")], RULES)


def test_markers_and_tags_are_honoured():
    ignored = code_cell("# NBVAL_IGNORE_OUTPUT\nx", [stream("12.3 s\n")])
    assert outputs.check_cell(ignored, [stream("9.9 s\n")], RULES) == []
    error = {"output_type": "error", "ename": "LabError", "evalue": "no", "traceback": []}
    assert outputs.check_cell(code_cell("x", [error], tags=["raises-exception"]), [error], RULES) == []
    assert "raised LabError" in outputs.check_cell(code_cell("x", [stream("ok\n")]), [error], RULES)[0]
    assert outputs.cell_options(code_cell("# NBVAL_SKIP\nx", []))["skip"]


def test_data_outputs_compare_by_mime_type_and_skip_images():
    committed = code_cell("x", [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                                 "data": {"text/plain": "3", "image/png": "AAA"}}])
    same = [{"output_type": "execute_result", "execution_count": 7, "metadata": {},
             "data": {"text/plain": "3", "image/png": "BBB"}}]
    assert outputs.check_cell(committed, same, RULES) == []
    other = [{**same[0], "data": {"text/plain": "4", "image/png": "BBB"}}]
    assert outputs.check_cell(committed, other, RULES) == ["text/plain: '4' instead of '3'"]


# --- memory by kind of process ------------------------------------------------------------------

def test_processes_are_sorted_into_server_kernel_postgres_other():
    assert memory.kind_of(["/opt/env/bin/python", "/opt/env/bin/jupyterhub-singleuser"]) == "server"
    assert memory.kind_of(["/opt/env/bin/python", "-m", "ipykernel_launcher", "-f", "k.json"]) == "kernel"
    assert memory.kind_of(["/x/pgserver/pginstall/bin/postgres", "-D", "/tmp/d"]) == "postgres"
    assert memory.kind_of(["postgres: checkpointer "]) == "postgres"
    assert memory.kind_of(["python", "-m", "flask", "db", "upgrade"]) == "other"
    mine = memory.by_kind(0)
    assert set(mine) == set(memory.KINDS) and all(value >= 0 for value in mine.values())


def test_building_the_learners_environment_needs_root(monkeypatch, capsys):
    monkeypatch.setattr(environment.os, "geteuid", lambda: 1000)
    assert run_command(environment.main, []) == 2
    assert "owned by root" in capsys.readouterr().err
    assert run_command(environment.main, ["--path"]) == 0
    assert capsys.readouterr().out.startswith("/opt/flask-migrate-lab/env-")
