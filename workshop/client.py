"""Drive a hub the way a room does, through its public API: add learners, start servers, pull, run cells.

Everything goes through the proxy's address, as a browser would: the hub's REST API for users and
servers, nbgitpuller's ``git-pull/api`` event stream for the clone, Jupyter Server's sessions API and
kernel websocket for running cells. A token of the hub's ``lab-driver`` service (admin rights, set with
LAB_HUB_DRIVER_TOKEN) authenticates every call, so no password is typed and no mock stands in.
"""
import asyncio
import json
import time
import uuid
from urllib.parse import quote, urlencode

import nbformat
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.iostream import StreamClosedError
from tornado.websocket import WebSocketClosedError, websocket_connect

from .errors import WorkshopError

AsyncHTTPClient.configure(None, max_clients=256)


class Hub:
    """The hub's REST API, at ``url`` (the proxy's address), with an admin service token."""

    def __init__(self, url, token):
        self.url = url.rstrip("/")
        self.token = token
        self.http = AsyncHTTPClient()

    @property
    def headers(self):
        return {"Authorization": f"token {self.token}"}

    async def request(self, method, path, body=None, timeout=120, raw=False):
        request = HTTPRequest(self.url + path, method=method, headers=self.headers, request_timeout=timeout,
                              body=None if body is None and method == "GET" else json.dumps(body or {}),
                              allow_nonstandard_methods=True)
        try:
            response = await self.http.fetch(request)
        except HTTPClientError as error:
            detail = error.response.body.decode(errors="replace")[:300] if error.response else ""
            raise WorkshopError(f"{method} {path}: {error.code} {detail}") from None
        if raw:
            return response.body.decode()
        return json.loads(response.body) if response.body else None

    async def add_learner(self, name):
        await self.request("POST", f"/hub/api/users/{name}")
        return Learner(self, name)

    async def remove_learner(self, name):
        await self.request("DELETE", f"/hub/api/users/{name}")


class Learner:
    """One learner's server, reached through the proxy at /user/<name>/."""

    def __init__(self, hub, name):
        self.hub = hub
        self.name = name
        self.base = f"/user/{name}/"

    async def start_server(self, timeout=300):
        """Start the server and wait until the hub says it is ready; returns the seconds it took."""
        started = time.monotonic()
        await self.hub.request("POST", f"/hub/api/users/{self.name}/server", timeout=timeout)
        while True:
            model = await self.hub.request("GET", f"/hub/api/users/{self.name}")
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return time.monotonic() - started
            if not model.get("pending") and not server:
                raise WorkshopError(f"the server of {self.name} stopped while starting (see the hub's log)")
            if time.monotonic() - started > timeout:
                raise WorkshopError(f"the server of {self.name} was not ready after {timeout} s")
            await asyncio.sleep(0.5)

    async def stop_server(self):
        await self.hub.request("DELETE", f"/hub/api/users/{self.name}/server", timeout=120)

    async def pull(self, repo, folder, branch=None, timeout=300):
        """nbgitpuller's own API (what the link's page calls): clone ``repo`` into ``~/folder``."""
        query = {"repo": repo, "targetpath": folder, **({"branch": branch} if branch else {})}
        body = await self.hub.request("GET", f"{self.base}git-pull/api?{urlencode(query)}", timeout=timeout, raw=True)
        events = [json.loads(line[len("data: "):]) for line in body.splitlines() if line.startswith("data: ")]
        if not events or events[-1].get("phase") != "finished":
            last = events[-1] if events else {}
            raise WorkshopError(f"nbgitpuller did not finish for {self.name}: {last.get('message', body[-300:])}")
        return [e.get("output", "") for e in events]

    async def notebook(self, path):
        """The notebook at ``path`` (relative to the learner's home), as the server reads it from disk."""
        model = await self.hub.request("GET", f"{self.base}api/contents/{quote(path)}?content=1")
        return nbformat.from_dict(model["content"])

    async def open_kernel(self, path):
        """A kernel for the notebook at ``path`` (Jupyter starts it in the notebook's folder)."""
        session = await self.hub.request("POST", f"{self.base}api/sessions",
                                         {"path": path, "type": "notebook", "name": path.rsplit("/", 1)[-1],
                                          "kernel": {"name": "python3"}})
        kernel = Kernel(self, session["id"], session["kernel"]["id"])
        await kernel.connect()
        return kernel


class Kernel:
    """A kernel's websocket (Jupyter's JSON protocol): run a cell, collect its outputs as nbformat outputs."""

    def __init__(self, learner, session_id, kernel_id):
        self.learner = learner
        self.session_id = session_id
        self.kernel_id = kernel_id
        self.client_session = uuid.uuid4().hex
        self.socket = None

    async def connect(self):
        hub = self.learner.hub
        url = hub.url.replace("http", "ws", 1) + f"{self.learner.base}api/kernels/{self.kernel_id}/channels"
        request = HTTPRequest(f"{url}?session_id={self.client_session}", headers=hub.headers, request_timeout=120)
        self.socket = await websocket_connect(request, max_message_size=64 * 1024 * 1024)

    async def run(self, code, timeout=600):
        """Execute ``code``; returns (outputs, seconds). Outputs are collected the way nbval collects them."""
        msg_id = uuid.uuid4().hex
        message = {"header": {"msg_id": msg_id, "username": self.learner.name, "session": self.client_session,
                              "msg_type": "execute_request", "version": "5.3"},
                   "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                   "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                               "allow_stdin": False, "stop_on_error": True}}
        started = time.monotonic()
        try:
            await self.socket.write_message(json.dumps(message))
        except (WebSocketClosedError, StreamClosedError):
            raise WorkshopError(f"the kernel websocket of {self.learner.name} is closed "
                                f"(code {self.socket.close_code}: {self.socket.close_reason})") from None
        outputs, replied, idle = [], False, False
        while not (replied and idle):
            remaining = timeout - (time.monotonic() - started)
            raw = await asyncio.wait_for(self.socket.read_message(), timeout=max(remaining, 0.1))
            if raw is None:
                raise WorkshopError(f"the kernel websocket of {self.learner.name} closed after "
                                    f"{time.monotonic() - started:.0f} s (code {self.socket.close_code}: "
                                    f"{self.socket.close_reason})")
            if isinstance(raw, bytes):
                continue  # binary frames carry widget buffers: nothing nbval compares
            reply = json.loads(raw)
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = reply["msg_type"]
            if kind == "execute_reply":
                replied = True
            elif kind == "status" and reply["content"]["execution_state"] == "idle":
                idle = True
            elif kind in ("stream", "display_data", "execute_result", "error"):
                outputs.append(nbformat.v4.output_from_msg(reply))
        return outputs, time.monotonic() - started

    async def close(self):
        if self.socket is not None:
            self.socket.close()
        await self.learner.hub.request("DELETE", f"{self.learner.base}api/sessions/{self.session_id}")
