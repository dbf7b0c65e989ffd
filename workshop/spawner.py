"""JupyterHub's LocalProcessSpawner, running each learner as their own system user, made on first start.

LocalProcessSpawner runs a server as the system user named like the hub user. Here the system user is
``prefix + name`` (see workshop.users for why), made by the spawner itself the first time the learner's
server starts, so a trainer creates no accounts by hand. The server's environment points the temporary
folder (TMPDIR, XDG_RUNTIME_DIR: where the lab's PostgreSQL keeps its data and socket) into the
learner's private home, and Jupyter's runtime folder (the kernels' unix sockets, whose paths must stay
under 108 bytes) into that temporary folder.
"""
import asyncio
import pwd

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Unicode

from . import users


class LabSpawner(LocalProcessSpawner):
    """A learner's server, kernels and databases, all running as ``prefix + hub name``."""

    user_prefix = Unicode("lab-", config=True, help="Prefix of the learners' system user names.")

    @property
    def system_user(self):
        return users.system_name(self.user_prefix, self.user.name)

    def make_preexec_fn(self, name):
        return super().make_preexec_fn(self.system_user)

    def user_env(self, env):
        entry = pwd.getpwnam(self.system_user)
        private_tmp = str(users.temporary_folder(entry))
        env.update(USER=entry.pw_name, LOGNAME=entry.pw_name, HOME=entry.pw_dir, SHELL=entry.pw_shell,
                   TMPDIR=private_tmp, XDG_RUNTIME_DIR=private_tmp,
                   JUPYTER_RUNTIME_DIR=f"{private_tmp}/jupyter")  # kernels' unix sockets: a path short enough
        return env

    async def start(self):
        await asyncio.to_thread(users.ensure_user, self.system_user)
        return await super().start()
