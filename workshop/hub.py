"""Start the room's JupyterHub (``make hub``): check the machine first, then hand over to jupyterhub.

    python -m workshop.hub [--port 8000] [--ip 0.0.0.0] [--admin NAME] [--idle-timeout 3600] ...

Every check that fails says what to do and exits 2: a hub that dies a minute later in its log, with
twenty learners waiting, is the failure this avoids. Settings reach workshop/jupyterhub_config.py as
LAB_HUB_* variables, so the config file stays the one place that configures JupyterHub.
"""
import argparse
import errno
import os
import shutil
import socket
import sys
from pathlib import Path

from . import environment, users
from .errors import WorkshopError, run_command

WORKSHOP = Path(__file__).resolve().parent
CONFIG = WORKSHOP / "jupyterhub_config.py"
PROXY = WORKSHOP / "node_modules" / ".bin" / "configurable-http-proxy"
DEFAULT_STATE = WORKSHOP / "state"


def check_root(euid=None):
    if (os.geteuid() if euid is None else euid) != 0:
        raise WorkshopError("the hub makes one system user per learner and runs each learner's server as that "
                            "user, so it must run as root: sudo make hub")


def check_port(ip, port):
    """The port is a number the hub can listen on, and nothing listens there yet."""
    if not 1 <= port <= 65535:
        raise WorkshopError(f"port {port} is not a TCP port (1-65535)")
    with socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((ip, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise WorkshopError(f"port {port} is in use: stop what listens there, or choose another "
                                    f"(make hub PORT={port + 1})") from None
            raise WorkshopError(f"cannot listen on {ip}:{port}: {error.strerror}") from None


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def check_proxy(proxy=PROXY):
    if not os.access(proxy, os.X_OK):
        raise WorkshopError("configurable-http-proxy is not installed: `make hub` installs it "
                            "(npm ci --prefix workshop)")


def check_environment(path):
    if not environment.is_current(path):
        raise WorkshopError(f"the learners' environment {path} is missing or out of date: `make hub` builds it "
                            "(python -m workshop.environment)")
    closed = environment.unreachable_folders(path)
    if closed:
        raise WorkshopError(f"learners cannot enter {', '.join(map(str, closed))}: chmod o+x them or set LAB_HUB_ENV")


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m workshop.hub", description=__doc__.splitlines()[0])
    parser.add_argument("--ip", default="0.0.0.0", help="address the room connects to (default: all)")
    parser.add_argument("--port", type=int, default=8000, help="port the room connects to (default 8000)")
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE, help="hub database, secrets, passwords")
    parser.add_argument("--user-prefix", default="lab-", help="system users are named PREFIX + learner name")
    parser.add_argument("--admin", help="hub name of the trainer (sign in with it first: first use sets its password)")
    parser.add_argument("--idle-timeout", type=int, default=3600, help="seconds before an idle server stops")
    parser.add_argument("--max-learners", type=int, default=0, help="servers running at once (0: no limit)")
    parser.add_argument("--signup", choices=("open", "closed"), default="open",
                        help="closed: only names that signed in before can sign in")
    return parser.parse_args(argv)


def settings(args):
    """The LAB_HUB_* variables for jupyterhub_config.py, after checking every argument."""
    users.check_prefix(args.user_prefix)
    if args.admin:
        users.system_name(args.user_prefix, args.admin)
    if args.idle_timeout < 60:
        raise WorkshopError(f"--idle-timeout {args.idle_timeout}: give at least 60 seconds")
    if args.max_learners < 0:
        raise WorkshopError(f"--max-learners {args.max_learners}: give 0 (no limit) or more")
    check_port(args.ip, args.port)
    return {"LAB_HUB_IP": args.ip, "LAB_HUB_PORT": str(args.port), "LAB_HUB_STATE": str(args.state.resolve()),
            "LAB_HUB_USER_PREFIX": args.user_prefix, "LAB_HUB_ADMIN": args.admin or "",
            "LAB_HUB_IDLE_TIMEOUT": str(args.idle_timeout), "LAB_HUB_MAX_LEARNERS": str(args.max_learners),
            "LAB_HUB_SIGNUP": args.signup, "LAB_HUB_INTERNAL_PORT": str(free_port()),
            "LAB_HUB_PROXY_API_PORT": str(free_port())}


def main(argv=None):
    args = parse(argv)
    variables = settings(args)
    check_root()
    check_proxy()
    env_path = environment.default_path()
    check_environment(env_path)
    if not shutil.which("git"):
        raise WorkshopError("git is missing: nbgitpuller clones the lab with it (apt-get install git)")
    args.state.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.update(variables)
    shown = "localhost" if args.ip in ("0.0.0.0", "::") else args.ip
    print(f"hub: http://{shown}:{args.port}/  (learner link: make link REPO=<the lab's git URL> "
          f"HUB=http://<this server>:{args.port})", flush=True)
    jupyterhub = env_path / "bin" / "jupyterhub"
    os.chdir(args.state)
    os.execv(jupyterhub, [str(jupyterhub), "-f", str(CONFIG)])


if __name__ == "__main__":
    sys.exit(run_command(main))
