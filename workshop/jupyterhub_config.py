"""JupyterHub for one workshop room on one server. Start it with ``make hub`` (``python -m workshop.hub``),
which checks the machine and sets the LAB_HUB_* variables read here; see the README's trainers section.

- Authenticator: FirstUseAuthenticator. A learner picks a name and, at first sign-in, their own
  password; nobody can sign in as them afterwards. (A shared password, JupyterHub's
  SharedPasswordAuthenticator, lets anyone who knows it sign in as any learner and read their work.)
- Spawner: one system user per learner (workshop/spawner.py, workshop/users.py), the lab's own
  environment as the server and the kernel (the ``.venv`` that ``make lab`` builds).
- The proxy: configurable-http-proxy from npm, pinned in workshop/package.json.
- Idle culler: jupyterhub-idle-culler stops a server idle for LAB_HUB_IDLE_TIMEOUT seconds.
"""
import os
import sys
from pathlib import Path

LAB = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(LAB))

from firstuseauthenticator import FirstUseAuthenticator  # noqa: E402

from workshop import users  # noqa: E402
from workshop.spawner import LabSpawner  # noqa: E402

c = get_config()  # noqa: F821  (JupyterHub provides it)
setting = os.environ.get
state = Path(setting("LAB_HUB_STATE", str(LAB / "workshop" / "state")))
environment_bin = Path(sys.executable).parent  # the lab's .venv: jupyterhub runs from it

# Where the room connects, and the hub's own ports (the proxy's API and the hub, on localhost only)
c.JupyterHub.ip = setting("LAB_HUB_IP", "0.0.0.0")
c.JupyterHub.port = int(setting("LAB_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(setting("LAB_HUB_INTERNAL_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{setting('LAB_HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [str(LAB / "workshop" / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")

# The hub's state: its database, cookie secret and the learners' password hashes
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")

# Learners: a name of their choice, their own password from the first sign-in
c.JupyterHub.authenticator_class = FirstUseAuthenticator
c.FirstUseAuthenticator.dbm_path = str(state / "passwords.dbm")
c.FirstUseAuthenticator.min_password_length = 8
c.FirstUseAuthenticator.create_users = setting("LAB_HUB_SIGNUP", "open") == "open"
c.Authenticator.username_pattern = users.LEARNER_NAME.pattern
if setting("LAB_HUB_ADMIN"):
    c.Authenticator.admin_users = {setting("LAB_HUB_ADMIN")}

# Each learner: their own system user, the lab's environment, JupyterLab in their home
c.JupyterHub.spawner_class = LabSpawner
c.LabSpawner.user_prefix = setting("LAB_HUB_USER_PREFIX", "lab-")
c.Spawner.cmd = [str(environment_bin / "jupyterhub-singleuser")]
c.Spawner.environment = {"PATH": f"{environment_bin}:/usr/local/bin:/usr/bin:/bin"}
c.Spawner.default_url = "/lab"
# Kernels talk to their server over unix sockets in the learner's private runtime folder, not TCP ports on
# localhost: the load test showed two learners' kernels, started at the same moment, racing for the same
# port (the server then met the other kernel: "Invalid Signature", then "Timeout waiting for kernel_info").
c.Spawner.args = ["--KernelManager.transport=ipc"]
c.Spawner.start_timeout = int(setting("LAB_HUB_START_TIMEOUT", "120"))  # a room signing in at once
c.Spawner.http_timeout = int(setting("LAB_HUB_START_TIMEOUT", "120"))
c.JupyterHub.active_server_limit = int(setting("LAB_HUB_MAX_LEARNERS", "0"))  # 0: no limit

# Idle culler: a server with no activity for the timeout is stopped (its files stay)
idle_timeout = int(setting("LAB_HUB_IDLE_TIMEOUT", "3600"))
c.JupyterHub.services = [{"name": "idle-culler",
                          "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={idle_timeout}"]}]
c.JupyterHub.load_roles = [{"name": "idle-culler", "services": ["idle-culler"],
                            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]}]

# A token for scripts that drive the hub (the load test): admin rights, given only through the environment
if setting("LAB_HUB_DRIVER_TOKEN"):
    c.JupyterHub.services.append({"name": "lab-driver", "api_token": setting("LAB_HUB_DRIVER_TOKEN")})
    c.JupyterHub.load_roles.append({"name": "admin", "services": ["lab-driver"]})
