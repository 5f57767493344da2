"""A class on one host, for real: JupyterHub with configurable-http-proxy on loopback, PAM login,
the local-process spawner, three Unix learners the test creates and removes, and the host's
read-only warm cache (`golink-magic warm --system`).  Each learner logs in through the hub's form,
starts a server, uploads the start-here notebook and runs it in a kernel through the proxy; then
a hostile program of one learner tries the others' workspace, cache and kernel, and the host
cache."""

from __future__ import annotations

import json
import pwd
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests import hubkit

pytestmark = pytest.mark.go

START_HERE = hubkit.ROOT / "notebooks" / "00-start-here.ipynb"
WHO = "import os, sys\nfrom golink_magic.frontends.magics import kernel_session\n" \
      "print(os.getuid(), os.getpid(), sys.executable, kernel_session(get_ipython()).workspace.base)"

HOSTILE = """%%gofile main.go
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

func main() {{
	entries, _ := filepath.Glob("{system}/go/*/gocache/*/*-d")
	fmt.Println("host cache entries seen:", len(entries) > 0)
	fmt.Println("replace a host cache entry:", os.WriteFile(entries[0], []byte("planted"), 0o644))
	fmt.Println("plant a host cache entry:", os.WriteFile(filepath.Join(filepath.Dir(entries[0]), "00-d"), nil, 0o644))
	_, err := os.ReadDir("{workspace}")
	fmt.Println("read the other learner's workspace:", err)
	_, err = os.ReadDir("{cache}")
	fmt.Println("read the other learner's cache:", err)
	fmt.Println("stop the other learner's kernel:", syscall.Kill({pid}, syscall.SIGKILL))
}}
"""


@pytest.fixture(scope="module")
def hub(system_cache, tmp_path_factory):
    why = hubkit.why_not_here()
    if why:
        pytest.skip(f"SKIPPED LOUDLY: no real JupyterHub with Unix learners here ({why})")
    system, _ = system_cache
    names = [f"glnk-h{letter}-{uuid.uuid4().hex[:4]}" for letter in "abc"]
    with hubkit.learners(names) as (homes, users):
        hub = hubkit.Hub(tmp_path_factory.mktemp("hub"), users, hubkit.learner_environment(system))
        try:
            yield hub, system, homes
        finally:
            hub.close()


def _learner_runs_start_here(hub: hubkit.Hub, name: str) -> dict:
    session = hub.login(name)
    hub.start_server(session, name)
    server = hub.server(name)
    notebook = json.loads(START_HERE.read_text())
    server.put_notebook(START_HERE.name, notebook)
    kernel = server.start_kernel(START_HERE.name)
    ran = server.run(kernel, hubkit.code_cells(notebook) + [WHO])
    return {"server": server, "kernel": kernel, "ran": ran,
            "extensions": [e["name"] for e in server.page_config().get("federated_extensions", [])]}


@pytest.fixture(scope="module")
def class_ran(hub):
    """All three learners log in, start their servers and run start-here at the same time."""
    hub, system, homes = hub
    before = hubkit.tree(system)
    with ThreadPoolExecutor(len(hub.users)) as pool:
        done = dict(zip(hub.users, pool.map(lambda n: _learner_runs_start_here(hub, n), hub.users)))
    return hub, system, homes, before, done


def test_each_learner_runs_start_here_through_the_hub(class_ran):
    hub, system, homes, before, done = class_ran
    for name, got in done.items():
        cells = got["ran"]
        failed = [(c.code[:60], c.text[-500:]) for c in cells if c.status != "ok"]
        assert failed == [], (name, failed)
        gorun = next(c for c in cells if c.code.startswith("%gorun"))
        assert "only hello may read this" in gorun.text  # the program's output, in the view
        assert "go version go1.27.3" in gorun.text
        assert "course/hello.motto(SB)" in gorun.text  # the load the --expect-ref checked
        assert "cached build" in gorun.text  # the build the warm step ran, read from the host cache
        kinds = {k for out in gorun.outputs for k in out.get("data", {})}
        assert {"application/vnd.jupyter.widget-view+json", "text/html"} <= kinds
        uid, _, python, _ = cells[-1].text.split()
        assert int(uid) == pwd.getpwnam(name).pw_uid and python == str(hubkit.LEARNER_PYTHON)
        assert "golink-magic-highlight" in got["extensions"]  # the single-user server serves it
    assert hubkit.tree(system) == before  # learners read the host cache and never write it
    for name in done:
        own = subprocess.run(["du", "-sm", str(homes / name / ".cache" / "golink_magic")], capture_output=True,
                             text=True).stdout.split()[0]
        assert int(own) <= 15, f"{name}: {own} MB in the learner's own cache"


def test_a_hostile_learner_cannot_touch_the_others_or_the_host_cache(class_ran):
    hub, system, homes, _, done = class_ran
    victim, attacker = list(done)[:2]
    _, pid, _, workspace = done[victim]["ran"][-1].text.split()
    cell = HOSTILE.format(system=system, workspace=workspace, cache=homes / victim / ".cache" / "golink_magic",
                          pid=pid)
    server = done[attacker]["server"]
    ran = server.run(done[attacker]["kernel"], ["%goreset", cell, "%gorun --no-objdump --expect ok"])
    said = ran[-1].text
    assert ran[-1].status == "ok", said[-2000:]
    assert "host cache entries seen: true" in said
    for what in ("replace a host cache entry", "plant a host cache entry", "read the other learner's workspace",
                 "read the other learner's cache"):
        assert f"{what}: open " in said and "permission denied" in said.split(what, 1)[1].splitlines()[0], what
    assert "stop the other learner's kernel: operation not permitted" in said
    again = done[victim]["server"].run(done[victim]["kernel"], ["%gorun --expect ok --no-objdump"])
    assert again[0].status == "ok" and "only hello may read this" in again[0].text  # the victim goes on


def test_stopped_servers_leave_no_learner_process(class_ran):
    hub, _, _, _, done = class_ran
    for name in done:
        hub.stop_server(name)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(hubkit.user_pids(n) for n in done):
        time.sleep(0.2)
    assert {n: hubkit.user_pids(n) for n in done} == {n: [] for n in done}
