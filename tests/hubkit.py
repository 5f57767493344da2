"""A real JupyterHub on loopback for the class-on-one-host test and benchmark: Unix users it
creates and removes, JupyterHub with configurable-http-proxy (npm), PAM login, the local-process
spawner, and a small client that logs a learner in, starts their server and runs cells in a
kernel through the proxy (the server's REST API and the kernel's websocket).

The learners' Python is the host's own ``/usr/bin/python3`` (the venv's interpreter may sit in
root's private home) with this checkout and the venv's site-packages on its path — what a hub's
shared environment gives every user.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.prefix)
SITE = next(Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
LEARNER_PYTHON = Path("/usr/bin/python3")
PROXY = VENV / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"  # scripts/install-hub.sh

CONFIG = """
import json, os
c = get_config()  # noqa: F821
s = json.loads(os.environ["GLNK_HUB"])
c.JupyterHub.bind_url = f"http://127.0.0.1:{s['port']}/"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = s["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s['api_port']}"
c.ConfigurableHTTPProxy.command = [s["proxy"]]
c.ConfigurableHTTPProxy.auth_token = s["proxy_token"]
c.ConfigurableHTTPProxy.pid_file = os.path.join(s["state"], "proxy.pid")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(s["state"], "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(s["state"], "cookie_secret")
c.JupyterHub.cleanup_servers = True
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(s["users"])
c.JupyterHub.services = [{"name": "course-admin", "api_token": s["service_token"]}]
c.JupyterHub.load_roles = [{"name": "course-admin", "services": ["course-admin"],
                            "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "list:users"]}]
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [s["python"], "-m", "jupyterhub.singleuser"]
c.Spawner.ip = "127.0.0.1"
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.env_keep = ["LANG", "LC_ALL"]
c.Spawner.environment = s["environment"]
c.Spawner.args = ["--LabApp.extension_manager=readonly"]
c.Spawner.start_timeout = s["start_timeout"]
c.Spawner.http_timeout = s["start_timeout"]
"""


def why_no_users() -> str:
    """Why Unix learners cannot be created and run this checkout here ("" when they can)."""
    if os.geteuid() != 0:
        return "not root"
    for tool in ("useradd", "userdel", "chpasswd", "pkill", "runuser"):
        if shutil.which(tool) is None:
            return f"no {tool}"
    if not LEARNER_PYTHON.exists():
        return f"no {LEARNER_PYTHON} for the learners"
    version = subprocess.run([str(LEARNER_PYTHON), "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True).stdout.strip()
    if version != str(tuple(sys.version_info[:2])):
        return f"{LEARNER_PYTHON} is not Python {sys.version_info[0]}.{sys.version_info[1]} like the venv"
    for shared in (ROOT, SITE):
        hidden = next((str(d) for d in [shared, *shared.parents] if not d.stat().st_mode & 0o001), None)
        if hidden:
            return f"{hidden} is closed to other users, so learners cannot read {shared}"
    return ""


def why_not_here() -> str:
    """Why a hub with real Unix users cannot run here ("" when it can)."""
    if why_no_users():
        return why_no_users()
    if not PROXY.exists():
        return f"no configurable-http-proxy at {PROXY} (bash scripts/install-hub.sh installs it)"
    try:
        import jupyterhub  # noqa: F401, PLC0415
    except ImportError:
        return "jupyterhub is not installed (pip install -e '.[test]')"
    return ""


def free_ports(n: int) -> list[int]:
    """``n`` loopback ports free right now."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def user_pids(name: str) -> list[int]:
    """Processes (not zombies) that run as user ``name``."""
    found = subprocess.run(["pgrep", "-u", name], capture_output=True, text=True).stdout.split()
    alive = []
    for pid in map(int, found):
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z":
                alive.append(pid)
        except (OSError, IndexError):
            pass
    return alive


@contextmanager
def learners(names: list[str]):
    """Unix users ``names``, their homes in a fresh folder every user can traverse, a password
    each; removed afterwards with everything they ran.  Yields (the homes' folder, {name: password})."""
    base = Path(tempfile.mkdtemp(prefix="golink-learners-", dir="/tmp"))
    base.chmod(0o755)
    homes = base / "home"
    homes.mkdir(mode=0o755)
    made: dict[str, str] = {}
    try:
        for name in names:
            subprocess.run(["useradd", "-m", "-d", str(homes / name), "-s", "/bin/sh", name], check=True,
                           capture_output=True)
            made[name] = "pw-" + secrets.token_urlsafe(12)
            subprocess.run(["chpasswd"], input=f"{name}:{made[name]}\n", text=True, check=True)
        yield homes, made
    finally:
        for name in made:
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        for name in made:
            for _ in range(50):
                if not user_pids(name):
                    break
                time.sleep(0.1)
            subprocess.run(["userdel", "-r", name], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file below ``folder`` (to see that nothing changed)."""
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def learner_environment(system_cache: Path | None) -> dict[str, str]:
    """What the spawner gives every learner's server: the shared Python packages, Jupyter's
    data and config from the venv, and the host's warm cache (none: each learner cold)."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONPATH": f"{ROOT}:{SITE}",
           "JUPYTER_PATH": str(VENV / "share" / "jupyter"), "JUPYTER_CONFIG_PATH": str(VENV / "etc" / "jupyter"),
           "PYTHONNOUSERSITE": "1", "LANG": "C.UTF-8", "GOLINK_SYSTEM_CACHE": str(system_cache or "")}
    return env


class Hub:
    """JupyterHub + configurable-http-proxy on loopback, run as root, state in ``state``."""

    def __init__(self, state: Path, users: dict[str, str], environment: dict[str, str], start_timeout: int = 120):
        self.state, self.users = state, users
        port, hub_port, api_port = free_ports(3)
        self.base = f"http://127.0.0.1:{port}"
        self.service_token = secrets.token_hex(32)
        settings = {"port": port, "hub_port": hub_port, "api_port": api_port, "proxy": str(PROXY),
                    "proxy_token": secrets.token_hex(32), "state": str(state), "users": sorted(users),
                    "service_token": self.service_token, "python": str(LEARNER_PYTHON),
                    "environment": environment, "start_timeout": start_timeout}
        state.mkdir(parents=True, exist_ok=True)
        (state / "jupyterhub_config.py").write_text(CONFIG)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "JUPYTER", "GOLINK"))}
        env["GLNK_HUB"] = json.dumps(settings)
        self.log = state / "hub.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(state / "jupyterhub_config.py")],
                                         cwd=state, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        import requests  # noqa: PLC0415

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyterhub exited: {self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.base}/hub/api/", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"jupyterhub not ready: {self.log.read_text()[-3000:]}")

    @property
    def _service(self) -> dict[str, str]:
        return {"Authorization": f"token {self.service_token}"}

    def login(self, name: str):
        """Log ``name`` in through the hub's login form (PAM); returns the browser-like session."""
        import requests  # noqa: PLC0415

        s = requests.Session()
        page = s.get(f"{self.base}/hub/login", timeout=120)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
        done = s.post(f"{self.base}/hub/login?next=", allow_redirects=False, timeout=120,
                      data={"username": name, "password": self.users[name], "_xsrf": xsrf})
        if done.status_code != 302 or "jupyterhub-hub-login" not in s.cookies:
            raise RuntimeError(f"login of {name} refused: HTTP {done.status_code}")
        s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path="/hub/")
        return s

    def start_server(self, session, name: str, timeout: float = 180) -> float:
        """Start ``name``'s single-user server as that user would (their session); seconds until ready."""
        import requests  # noqa: PLC0415

        start = time.monotonic()
        asked = session.post(f"{self.base}/hub/api/users/{name}/server", timeout=120)
        if asked.status_code not in (201, 202):
            raise RuntimeError(f"spawn of {name}: HTTP {asked.status_code} {asked.text[:300]}")
        while time.monotonic() - start < timeout:
            user = requests.get(f"{self.base}/hub/api/users/{name}", headers=self._service, timeout=120).json()
            server = user["servers"].get("")
            if server and server["ready"]:
                return time.monotonic() - start
            if not user["pending"] and not server:
                raise RuntimeError(f"spawn of {name} failed: {self.log.read_text()[-2000:]}")
            time.sleep(0.2)
        raise TimeoutError(f"server of {name} not ready after {timeout} s")

    def stop_server(self, name: str, timeout: float = 60) -> None:
        """Stop ``name``'s server and wait until the hub says it is gone."""
        import requests  # noqa: PLC0415

        requests.delete(f"{self.base}/hub/api/users/{name}/server", headers=self._service, timeout=120)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            user = requests.get(f"{self.base}/hub/api/users/{name}", headers=self._service, timeout=120).json()
            if not user["servers"] and not user["pending"]:
                return
            time.sleep(0.2)
        raise TimeoutError(f"server of {name} still there after {timeout} s")

    def server(self, name: str) -> "Server":
        """A client of ``name``'s server with a token the hub issued to ``name``."""
        import requests  # noqa: PLC0415

        made = requests.post(f"{self.base}/hub/api/users/{name}/tokens", headers=self._service, timeout=120,
                             json={"note": "course test", "expires_in": 7200})
        made.raise_for_status()
        return Server(self.base, name, made.json()["token"])

    def close(self) -> None:
        """Stop the hub; it stops the servers and the proxy."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class Server:
    """A learner's single-user server, reached through the proxy with the learner's token."""

    def __init__(self, base: str, name: str, token: str):
        self.name, self.url = name, f"{base}/user/{name}"
        self.headers = {"Authorization": f"token {token}"}

    def api(self, method: str, path: str, **kw):
        import requests  # noqa: PLC0415

        got = requests.request(method, f"{self.url}/api/{path}", headers=self.headers, timeout=120, **kw)
        got.raise_for_status()
        return got.json() if got.content else None

    def put_notebook(self, path: str, notebook: dict) -> None:
        """Upload ``notebook`` (a dict) to ``path`` in the learner's home (the contents API)."""
        self.api("PUT", f"contents/{path}", json={"type": "notebook", "format": "json", "content": notebook})

    def start_kernel(self, path: str = "") -> str:
        return self.api("POST", "kernels", json={"name": "python3", "path": path})["id"]

    def page_config(self) -> dict:
        """The page configuration JupyterLab's /lab page carries (federated extensions and all)."""
        import requests  # noqa: PLC0415

        page = requests.get(f"{self.url}/lab", headers=self.headers, timeout=120)
        page.raise_for_status()
        found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page.text, re.S)
        return json.loads(found.group(1))

    def run(self, kernel: str, cells: list[str], timeout: float = 300) -> list["Ran"]:
        """Run ``cells`` in order in ``kernel``; one :class:`Ran` per cell."""
        return asyncio.run(self._run(kernel, cells, timeout))

    async def _run(self, kernel: str, cells: list[str], timeout: float) -> list["Ran"]:
        from tornado.httpclient import HTTPRequest  # noqa: PLC0415
        from tornado.websocket import websocket_connect  # noqa: PLC0415

        session = uuid.uuid4().hex
        url = self.url.replace("http", "ws", 1) + f"/api/kernels/{kernel}/channels?session_id={session}"
        request = HTTPRequest(url, headers=self.headers, connect_timeout=timeout, request_timeout=timeout)
        conn = await websocket_connect(request, max_message_size=256 << 20)
        done: list[Ran] = []
        try:
            for code in cells:
                msg_id, start = uuid.uuid4().hex, time.monotonic()
                conn.write_message(json.dumps({
                    "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.name,
                               "session": session, "date": "", "version": "5.3"},
                    "parent_header": {}, "metadata": {}, "buffers": [], "channel": "shell",
                    "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                                "allow_stdin": False, "stop_on_error": False}}))
                ran, idle = Ran(code), False
                while ran.status is None or not idle:
                    raw = await asyncio.wait_for(conn.read_message(), timeout)
                    if raw is None:
                        raise RuntimeError("the kernel's websocket closed")
                    if isinstance(raw, bytes):
                        continue
                    msg = json.loads(raw)
                    if msg.get("parent_header", {}).get("msg_id") != msg_id:
                        continue
                    kind, content = msg["msg_type"], msg["content"]
                    if kind == "execute_reply":
                        ran.status = content["status"]
                    elif kind == "status":
                        idle = content["execution_state"] == "idle"
                    elif kind in ("stream", "display_data", "execute_result", "error", "update_display_data"):
                        ran.outputs.append({"output_type": kind, **content})
                ran.seconds = time.monotonic() - start
                done.append(ran)
        finally:
            conn.close()
        return done


class Ran:
    """One executed cell: its code, status ("ok"/"error"), outputs (nbformat-like) and seconds."""

    def __init__(self, code: str):
        self.code, self.status, self.outputs, self.seconds = code, None, [], 0.0

    @property
    def text(self) -> str:
        """Everything the cell showed, as text: streams, plain text, HTML and error lines."""
        parts = []
        for out in self.outputs:
            parts.append(out.get("text", ""))
            data = out.get("data", {})
            parts += [data.get("text/plain", ""), data.get("text/html", "")]
            if out["output_type"] == "error":
                parts += [out.get("ename", ""), out.get("evalue", "")]
        return "\n".join(parts)


def code_cells(notebook: dict) -> list[str]:
    """The code cells' sources of a notebook (a dict as saved)."""
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
