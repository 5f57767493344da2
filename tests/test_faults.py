"""Faults and bad input: each test checks what the user sees and that the kernel (or shell, or
session) still works afterwards.  Kernel-level faults use real kernels (jupyter_client).

Runner-level checks that already live in test_runner.py (timeout, output cap, non-UTF-8,
offline hint) are taken here one level up: through the magics, with the next cell working.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from IPython.core.error import UsageError

from golink_magic.engine import cache
from golink_magic.engine import procs
from golink_magic.engine import runner
from golink_magic.engine.toolchain import cache_root

from .gocases import main_only

ROOT = Path(__file__).resolve().parent.parent


def leftovers(pattern: str) -> list[str]:
    """Command lines of live processes matching ``pattern``.

    The first character is put in brackets so the pattern never matches pgrep itself.
    """
    bracketed = f"[{re.escape(pattern[0])}]{re.escape(pattern[1:])}"
    proc = subprocess.run(["pgrep", "-af", bracketed], capture_output=True, text=True)
    return proc.stdout.splitlines()


def wait_gone(pattern: str, deadline: float) -> list[str]:
    """Poll until no process matches ``pattern`` or ``deadline`` (monotonic) passes."""
    while True:
        found = leftovers(pattern)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def wait_for(pattern: str, timeout: float) -> None:
    """Poll until a process matches ``pattern``."""
    deadline = time.monotonic() + timeout
    while not leftovers(pattern):
        assert time.monotonic() < deadline, f"no process matching {pattern!r} appeared"
        time.sleep(0.05)


# -- through a real kernel -----------------------------------------------------------------------
class Kernel:
    """A real IPython kernel with golink_magic loaded, driven over jupyter_client."""

    def __init__(self, cwd: Path, env: dict | None = None):
        from jupyter_client import KernelManager

        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(cwd=str(cwd), **({"env": env} if env is not None else {}))
        self.updates: list[tuple[str, str]] = []  # (display id, text) of every display and update, in order
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)
        self.run("%load_ext golink_magic")
        self.workspace = Path(self.run(
            "from golink_magic import magics\n"
            "print(magics._LOADED[id(get_ipython())].session.workspace.base)"
        ).strip())

    def send(self, code: str) -> str:
        """Start executing ``code``; returns the message id."""
        return self.kc.execute(code, store_history=False)

    def collect(self, msg_id: str, timeout: float = 300) -> tuple[str, str | None, str]:
        """(status, error name, text shown) of the cell ``msg_id`` once the kernel is idle again."""
        text, ename = [], None
        deadline = time.monotonic() + timeout
        while True:
            msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                text.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                text.append(content["data"].get("text/plain", ""))
            if kind in ("display_data", "update_display_data"):
                display_id = content.get("transient", {}).get("display_id", "")
                self.updates.append((display_id, content["data"].get("text/plain", "")))
            elif kind == "error":
                ename = content["ename"]
                text.append(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                break
        while True:
            reply = self.kc.get_shell_msg(timeout=10)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply["content"]["status"], ename, "".join(text)

    def run(self, code: str, timeout: float = 300) -> str:
        """Execute a cell that must succeed; returns what it showed."""
        status, ename, text = self.collect(self.send(code), timeout)
        assert status == "ok", f"{ename}: {text}"
        return text

    def shutdown(self) -> None:
        """A graceful shutdown, as JupyterLab's Shut Down Kernel does."""
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=False)


@pytest.fixture
def kernel(tmp_path):
    k = Kernel(tmp_path)
    yield k
    if k.km.is_alive():
        k.shutdown()


def slow_source(functions: int = 30000) -> str:
    """A package main the compiler needs many seconds for (thousands of chained functions)."""
    salt = random.randrange(1 << 30)  # never already in a shared GOCACHE
    body = "\n".join(
        f"func f{i}(x int) int {{ if x > {i} {{ return x*{i} + f{max(i - 1, 0)}(x-1) }}; return x ^ {i + salt} }}"
        for i in range(functions)
    )
    return f'package main\n\nimport "fmt"\n\n{body}\n\nfunc main() {{ fmt.Println(f{functions - 1}(3)) }}\n'


def interrupt_and_check(kernel: Kernel, cell: str, running: str, gone: list[str]) -> None:
    """Start ``cell``, wait for a process matching ``running``, press Kernel → Interrupt, and check
    the cell ends with KeyboardInterrupt within 2.5 s with nothing matching ``gone`` left."""
    msg = kernel.send(cell)
    wait_for(running, 60)
    time.sleep(0.3)
    assert leftovers(running), f"{cell} ended before the interrupt"
    start = time.monotonic()
    kernel.km.interrupt_kernel()
    status, ename, text = kernel.collect(msg, timeout=30)
    took = time.monotonic() - start
    assert (status, ename) == ("error", "KeyboardInterrupt"), text
    assert took < 2.5, f"the cell took {took:.1f} s to stop"
    for pattern in gone:
        assert wait_gone(pattern, start + 2.5) == [], pattern


def test_interrupt_during_build_and_run_stops_children_and_keeps_workspace(kernel):
    sleeper = f"sleep {random.randrange(10000, 99999)}"
    # A stubborn program: it ignores SIGINT and SIGTERM, so only the SIGKILL step stops it.
    loop = main_only(
        f'\tsignal.Ignore(os.Interrupt, syscall.SIGTERM)\n\texec.Command("sleep", "{sleeper.split()[1]}").Start()\n'
        '\tfmt.Println("looping")\n\tfor {\n\t}',
        'import (\n\t"fmt"\n\t"os"\n\t"os/exec"\n\t"os/signal"\n\t"syscall"\n)\n',
    )
    kernel.run("%%gofile main.go\n" + main_only('\tfmt.Println("still fine")', 'import "fmt"\n'))
    kernel.run("%%gofile loop/main.go\n" + loop)
    kernel.run(f"get_ipython().run_cell_magic('gofile', 'slow/main.go', {slow_source()!r})")
    ws = str(kernel.workspace)

    # During the build: once the compiler is at work on the huge file (its command line names
    # WS/runs/…/slow/main.go, go build's names WS/runs/…/bin/prog).
    interrupt_and_check(kernel, "%gorun ./slow --no-objdump", f"{ws}/runs/", [f"{ws}/runs/"])
    # During the run: once the program and the child it started are up.
    interrupt_and_check(kernel, "%gorun ./loop --timeout 300 --no-objdump", sleeper, [f"{ws}/runs/", sleeper])

    # The workspace is intact and the next run works.
    for rel in ("main.go", "loop/main.go", "slow/main.go"):
        assert (kernel.workspace / "module" / rel).is_file(), rel
    listing = kernel.run("%gofiles")
    assert "loop/main.go" in listing and "slow/main.go" in listing
    assert "still fine" in kernel.run("r = %gorun main.go\nprint(r.stdout)")


def test_workspace_removed_on_goreset_and_kernel_shutdown(kernel):
    module = kernel.workspace / "module"
    kernel.run("%%gofile old/main.go\n" + main_only('\tprintln("old")'))
    assert (module / "old" / "main.go").is_file()
    kernel.run("%gorun ./old --no-objdump --expect ok")
    assert (kernel.workspace / "runs").is_dir()
    kernel.run("%goreset")
    assert list(module.rglob("*")) == []
    assert not (kernel.workspace / "runs").exists()
    kernel.run("%%gofile main.go\n" + main_only('\tprintln("new")'))
    assert "new" in kernel.run("r = %gorun --no-objdump\nprint(r.stderr)")
    assert kernel.workspace.is_dir()
    kernel.shutdown()
    assert not kernel.km.is_alive()
    assert not kernel.workspace.exists()


def test_interrupt_of_parallel_cases_stops_every_job_and_caches_nothing(toolchain, tmp_path):
    import signal
    import threading

    from golink_magic import Options

    sleeper = f"sleep {random.randrange(10000, 99999)}"
    loop = main_only(f'\texec.Command("sleep", "{sleeper.split()[1]}").Start()\n\tfor {{\n\t}}', 'import "os/exec"\n')
    jobs = [("slow", {"main.go": slow_source(60000)}, Options(no_objdump=True), toolchain, tmp_path / "slow"),
            ("loop", {"main.go": loop}, Options(timeout=300, no_objdump=True), toolchain, tmp_path / "loop")]
    results = cache_root() / "results"
    before = set(results.iterdir()) if results.exists() else set()
    stamp = {}

    def interrupt_when_both_run():
        wait_for(sleeper, 60)
        wait_for(f"{tmp_path}/slow/", 60)  # golink reads a big source before its go build starts
        stamp["start"] = time.monotonic()
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_when_both_run, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        runner.run_many(jobs)
    assert time.monotonic() - stamp["start"] < 2.5
    assert wait_gone(str(tmp_path), stamp["start"] + 2.5) == []
    assert leftovers(sleeper) == []
    time.sleep(0.5)  # the worker threads wind down; none may store the killed build as a failure
    assert set(results.iterdir()) - before == set() if results.exists() else True


# -- through the magics in a real InteractiveShell ------------------------------------------------
def test_infinite_loop_times_out_kills_the_group_and_the_next_cell_runs(shell):
    sleeper = f"sleep {random.randrange(10000, 99999)}"
    shell.run("%%gofile main.go\n" + main_only(
        f'\texec.Command("sleep", "{sleeper.split()[1]}").Start()\n\tfor {{\n\t}}', 'import "os/exec"\n'))
    err = shell.fails("%gorun --timeout 1 --no-objdump")
    assert isinstance(err, UsageError) and str(err).startswith("timeout")
    assert "stopped after the 1 s timeout" in shell.shown
    assert leftovers(sleeper) == []
    assert shell.run("%gorun --timeout 1 --no-objdump --expect timeout").outcome == "timeout"
    shell.run("%%gofile main.go\n" + main_only('\tprintln("after the loop")'))
    assert shell.run("%gorun --no-objdump").stderr == "after the loop\n"


def test_huge_and_invalid_output_is_capped_with_the_amount_cut(shell):
    shell.run("%%gofile main.go\n" + main_only(
        "\tb := make([]byte, 1<<20)\n\tfor i := range b {\n\t\tb[i] = 'y'\n\t}\n"
        "\tfor i := 0; i < 100; i++ {\n\t\tos.Stdout.Write(b)\n\t}\n"
        "\tos.Stderr.Write([]byte{'a', 0xff, 0xfe, 'b'})",
        'import "os"\n'))
    r = shell.run("%gorun --no-objdump")
    assert r.outcome == "ok"
    kept, _, note = r.stdout.partition("\n[…")
    assert kept == "y" * procs.OUTPUT_CAP
    assert f"{100 * (1 << 20) - procs.OUTPUT_CAP:,} more bytes of stdout cut" in note
    assert r.stderr == "a\ufffd\ufffdb"
    shell.run("%%gofile main.go\n" + main_only('\tprintln("small again")'))
    assert shell.run("%gorun --no-objdump").stderr == "small again\n"


def test_path_escapes_write_nothing_anywhere(shell, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    shell.run("%%gofile main.go\n" + main_only('\tprintln("kept")'))
    module = shell.ip.find_magic("gorun").__self__.session.workspace.root
    (module / "link").symlink_to(outside, target_is_directory=True)
    for bad in ("%%gofile link/evil.go\npackage evil\n",
                "%%gotxtar\n-- good.go --\npackage main\n-- ../evil.go --\npackage evil\n",
                f"%%gotxtar\n-- good.go --\npackage main\n-- {outside}/evil.go --\npackage evil\n"):
        err = shell.fails(bad)
        assert isinstance(err, UsageError) and "\n" not in str(err), bad
    assert list(outside.iterdir()) == []
    assert not (module / "good.go").exists() and not (module.parent / "evil.go").exists()
    (module / "link").unlink()
    assert shell.run("%gorun --no-objdump").stderr == "kept\n"


@pytest.mark.parametrize("cell", [
    "%gorun --bogus", "%gocase x --nope", "%goreset --hard", "%gofiles -x",
    "%%gofile main.go --mode=x\npackage main\n", "%%gotxtar --what\n-- a.go --\npackage a\n",
    "%gorun --timeout soon",
])
def test_unknown_options_are_one_line_usage_errors(shell, cell):
    shell.run("%%gofile main.go\n" + main_only('\tprintln("untouched")'))
    err = shell.fails(cell)
    assert type(err) is UsageError
    message = str(err)
    assert "\n" not in message and len(message) < 120 and "lists the options" in message
    assert "Traceback" not in shell.shown
    assert shell.run("%gorun --no-objdump").stderr == "untouched\n"


def test_third_party_import_says_offline_in_one_sentence(shell):
    shell.run("%%gofile main.go\n" + main_only("\tquote.Hello()", 'import "rsc.io/quote"\n'))
    err = shell.fails("%gorun")
    assert isinstance(err, UsageError) and "compile-error" in str(err)
    hints = [line for line in shell.shown.splitlines() if "offline" in line]
    assert len(hints) == 1 and "rsc.io/quote" in hints[0] and "vendor" in hints[0]
    assert hints[0].rstrip(".").count(". ") == 0
    shell.run("%%gofile main.go\n" + main_only('\tprintln("no imports")'))
    assert shell.run("%gorun --no-objdump").stderr == "no imports\n"


@pytest.mark.parametrize("kind", ["missing", "broken"])
def test_broken_toolchain_is_one_sentence_with_the_fix(shell, monkeypatch, tmp_path, kind):
    go = tmp_path / "nowhere" / "go"
    if kind == "broken":
        go = tmp_path / "go"
        go.write_text("#!/bin/sh\necho 'go: cannot find GOROOT directory: /gone' >&2\nexit 2\n")
        go.chmod(0o755)
    shell.run("%%gofile main.go\n" + main_only('\tprintln("with the embedded go")'))
    monkeypatch.setenv("GOLINK_GO", str(go))
    err = shell.fails("%gorun")
    message = str(err)
    assert type(err) is UsageError and "\n" not in message
    assert f"GOLINK_GO={go}" in message and "unset GOLINK_GO" in message
    assert ("give the path of a `go` binary" if kind == "missing" else "is broken") in message

    case = tmp_path / "case.txtar"
    case.write_text("-- main.go --\n" + main_only('\tprintln("cli")'))
    cli = subprocess.run([sys.executable, "-m", "golink_magic", "run", str(case)],
                         capture_output=True, text=True, env=dict(os.environ))
    assert cli.returncode == 2 and "Traceback" not in cli.stderr
    assert cli.stderr.strip() == f"golink-magic: {message}"

    monkeypatch.delenv("GOLINK_GO")
    assert shell.run("%gorun --no-objdump").stderr == "with the embedded go\n"


def test_result_cache_stays_bounded(session, monkeypatch):
    monkeypatch.setattr(cache, "RESULT_CACHE_ENTRIES", 3)
    for i in range(5):
        session.write("main.go", main_only(f'\tprintln("entry {i}")'))
        assert session.run().stderr == f"entry {i}\n"
    again = session.run()  # after the last run's store, which finishes in the background
    assert again.cached and again.stderr == "entry 4\n"
    entries = [p for p in (cache_root() / "results").iterdir() if p.is_dir()]
    assert len(entries) <= 3


# -- several processes at once ----------------------------------------------------------------
WORKER = textwrap.dedent("""
    import json, sys
    from golink_magic import Session
    word = sys.argv[1]
    s = Session()
    s.write("main.go", 'package main\\n\\nimport "fmt"\\n\\nfunc main() { fmt.Println("' + word + '") }\\n')
    results = [s.run() for _ in range(3)]
    base = str(s.workspace.base)
    s.close()
    print(json.dumps({"base": base, "stdout": [r.stdout for r in results], "outcomes": [r.outcome for r in results]}))
""")


def test_four_processes_at_once_do_not_cross_talk(tmp_path):
    salt = random.randrange(1 << 30)
    # Two processes build the very same files at the same moment: they share the result cache entry.
    words = [f"alpha-{salt}", f"beta-{salt}", f"same-{salt}", f"same-{salt}"]
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, w], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, cwd=tmp_path) for w in words]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        outs.append(json.loads(out))
    for word, out in zip(words, outs):
        assert out["outcomes"] == ["ok"] * 3
        assert out["stdout"] == [word + "\n"] * 3
        assert not Path(out["base"]).exists()
    assert len({o["base"] for o in outs}) == 4
