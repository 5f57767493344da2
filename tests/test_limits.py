"""No process escapes and no resource is exhausted: real Go programs that setsid, double-fork,
leave thousands of children, fork without end, write huge files or eat memory — each ends with
a classified outcome and a one-sentence note, and nothing they started is left running."""

from __future__ import annotations

import random
import threading
import time

import pytest

from golink_magic import Options
from golink_magic.engine import procs

from .test_faults import Kernel, leftovers, wait_for, wait_gone

EXEC = 'import (\n\t"fmt"\n\t"os"\n\t"os/exec"\n\t"syscall"\n)\n\nvar _ = fmt.Sprint\nvar _ = os.Exit\nvar _ = syscall.Setsid\nvar _ = exec.Command\n'


def program(body: str) -> str:
    return f"package main\n\n{EXEC}\nfunc main() {{\n{body}\n}}\n"


def nap() -> str:
    """A sleep length no other process on the machine uses: its pgrep pattern finds only ours."""
    return str(random.randrange(100000, 999999))


def run(session, source: str, **opts):
    session.reset()
    session.write("main.go", source)
    return session.run(Options(no_objdump=True, **opts))


def test_a_setsid_child_and_a_double_fork_die_with_the_program(session):
    a, b = nap(), nap()
    r = run(session, program(
        f'\tc := exec.Command("sleep", "{a}")\n\tc.SysProcAttr = &syscall.SysProcAttr{{Setsid: true}}\n\tc.Start()\n'
        f'\texec.Command("sh", "-c", "sleep {b} &").Run()\n\tfmt.Println("started")'))
    assert (r.outcome, r.stdout) == ("ok", "started\n")
    assert "the program left 2 processes running when it ended; golink stopped them" in r.notes
    assert leftovers(f"sleep {a}") == [] and leftovers(f"sleep {b}") == []


def test_thousands_of_children_then_a_panic_leave_nothing(session):
    n = nap()
    r = run(session, program(
        f'\tfor i := 0; i < 3000; i++ {{\n\t\tif exec.Command("sleep", "{n}").Start() != nil {{ break }}\n\t}}\n'
        '\tpanic("enough")'), max_tasks=4000)
    assert r.outcome == "panic" and "panic: enough" in r.stderr
    assert any(note.startswith("the program left ") and note.endswith("golink stopped them") for note in r.notes)
    assert wait_gone(f"sleep {n}", time.monotonic() + 5) == []


def test_a_fork_loop_hits_the_task_limit(session):
    n = nap()
    r = run(session, program(f'\tfor {{\n\t\texec.Command("sleep", "{n}").Start()\n\t}}'), max_tasks=200, timeout=60)
    assert r.outcome == "limit"
    assert "stopped: the program and its children went over 200 processes and threads (--max-tasks)" in r.notes
    assert r.timings["run"] < 30
    assert wait_gone(f"sleep {n}", time.monotonic() + 5) == []
    assert run(session, program('\tfmt.Println("next")')).stdout == "next\n"  # and the next run works


def test_a_huge_file_hits_the_file_size_limit(session, tmp_path):
    target = tmp_path / "big.bin"
    r = run(session, program(
        f'\tf, _ := os.Create("{target}")\n\tbuf := make([]byte, 1<<20)\n'
        '\tfor i := 0; i < 64; i++ {\n\t\tif _, err := f.Write(buf); err != nil {\n'
        '\t\t\tfmt.Fprintln(os.Stderr, err)\n\t\t\tos.Exit(1)\n\t\t}\n\t}'), max_file_mb=8)
    assert r.outcome == "limit", (r.outcome, r.stderr)
    assert "the program tried to write a file larger than 8 MiB (--max-file-mb)" in r.notes
    assert target.stat().st_size <= 8 << 20


def test_a_memory_hog_hits_the_address_space_limit(session):
    r = run(session, program(
        '\tvar keep [][]byte\n\tfor i := 0; i < 40; i++ {\n\t\tb := make([]byte, 64<<20)\n'
        '\t\tfor j := range b { b[j] = 1 }\n\t\tkeep = append(keep, b)\n\t}\n\tfmt.Println(len(keep))'),
        max_memory_mb=1024)
    assert r.outcome == "limit", (r.outcome, r.stderr[-300:])
    assert "the program ran out of its 1024 MiB address space (--max-memory-mb)" in r.notes


def test_timeout_and_interrupt_stop_escaped_descendants(session):
    a = nap()
    escape = (f'\tc := exec.Command("sleep", "{a}")\n\tc.SysProcAttr = &syscall.SysProcAttr{{Setsid: true}}\n'
              '\tc.Start()\n\tfor {\n\t}')
    r = run(session, program(escape), timeout=1)
    assert r.outcome == "timeout"
    assert wait_gone(f"sleep {a}", time.monotonic() + 3) == []

    b = nap()
    session.reset()
    session.write("main.go", program(escape.replace(a, b)))
    stopper = threading.Thread(target=lambda: (wait_for(f"sleep {b}", 60), procs.stop_all()))
    stopper.start()
    with pytest.raises(KeyboardInterrupt):
        session.run(Options(no_objdump=True, timeout=120))
    stopper.join()
    assert wait_gone(f"sleep {b}", time.monotonic() + 3) == []


def test_limits_from_config_flag_and_header(shell):
    shell.run("%config GoLinkMagics.max_tasks = 150")
    n = nap()
    shell.run("%%gofile main.go\n" + program(f'\tfor {{\n\t\texec.Command("sleep", "{n}").Start()\n\t}}'))
    err = shell.fails("%gorun --no-objdump")
    assert "over 150 processes and threads" in str(err)
    shell.run("%gorun --no-objdump --max-tasks 120 --expect limit")
    assert "over 120 processes" in shell.shown
    shell.run("%%gotxtar --reset --case big\nmax-file-mb: 4\nexpect: limit\n-- main.go --\n" + program(
        '\tf, _ := os.Create("big.bin")\n\tif _, err := f.Write(make([]byte, 8<<20)); err != nil {\n'
        '\t\tfmt.Fprintln(os.Stderr, err)\n\t\tos.Exit(1)\n\t}'))
    shell.run("%gorun --case big --no-objdump")
    assert "larger than 4 MiB (--max-file-mb)" in shell.shown
    shell.run("%goreset")
    assert wait_gone(f"sleep {n}", time.monotonic() + 5) == []


def test_bad_limit_values_are_usage_errors(shell):
    shell.run("%%gofile main.go\n" + program('\tfmt.Println("x")'))
    assert "--max-tasks must be a positive whole number" in str(shell.fails("%gorun --max-tasks 0"))
    assert "invalid int value" in str(shell.fails("%gorun --max-memory-mb lots"))


@pytest.mark.parametrize("switch", ["GOLINK_NO_SUPERVISOR", "GOLINK_NO_PIDFD"])
def test_the_fallbacks_of_systems_without_subreaper_or_pidfd_still_run(session, monkeypatch, switch):
    """What macOS lacks (a child subreaper, pidfd), switched off on Linux: runs, timeouts and
    group kills still work."""
    monkeypatch.setenv(switch, "1")
    assert run(session, program('\tfmt.Println("plain")')).stdout == "plain\n"
    n = nap()
    r = run(session, program(f'\texec.Command("sleep", "{n}").Start()\n\tfor {{\n\t}}'), timeout=1)
    assert r.outcome == "timeout"
    assert wait_gone(f"sleep {n}", time.monotonic() + 3) == []


def test_kernel_shutdown_stops_a_running_program_and_its_escapees(tmp_path):
    kernel = Kernel(tmp_path)
    n = nap()
    kernel.run("%%gofile main.go\n" + program(
        f'\tc := exec.Command("sleep", "{n}")\n\tc.SysProcAttr = &syscall.SysProcAttr{{Setsid: true}}\n'
        '\tc.Start()\n\tfor {\n\t}'))
    kernel.send("%gorun --timeout 600 --no-objdump")
    wait_for(f"sleep {n}", 60)
    kernel.shutdown()
    assert wait_gone(f"sleep {n}", time.monotonic() + 10) == []


def test_the_result_cache_keeps_to_its_byte_budget(session, monkeypatch):
    from golink_magic.engine.cache import size_of
    from golink_magic.engine.toolchain import cache_root

    monkeypatch.setenv("GOLINK_RESULT_CACHE_MB", "5")
    for i in range(5):  # each entry keeps a ~2 MB binary (only runs with a listing are cached)
        session.reset()
        session.write("main.go", program(f'\tfmt.Println("entry {i}")'))
        assert session.run(Options()).outcome == "ok"
    kept = size_of(cache_root() / "results")
    assert 0 < kept <= 5_000_000, kept


def test_the_cache_command_shows_sizes_and_clears_a_part(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "GOLINK_CACHE_DIR": str(tmp_path)}
    (tmp_path / "results" / "abc").mkdir(parents=True)
    (tmp_path / "results" / "abc" / "prog").write_bytes(b"x" * 1_500_000)
    shown = subprocess.run([sys.executable, "-m", "golink_magic", "cache"], capture_output=True, text=True, env=env)
    assert shown.returncode == 0 and "results" in shown.stdout and "1.5 MB" in shown.stdout
    cleared = subprocess.run([sys.executable, "-m", "golink_magic", "cache", "clear", "results"],
                             capture_output=True, text=True, env=env)
    assert cleared.returncode == 0 and "cleared results (1.5 MB)" in cleared.stdout
    assert not (tmp_path / "results").exists()
    bad = subprocess.run([sys.executable, "-m", "golink_magic", "cache", "clear", "toolchain", "1.99"],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and bad.stderr.startswith("golink-magic: clear what? one of:")


def test_a_system_without_process_groups_is_told_in_one_sentence(monkeypatch, capsys):
    """Windows has no killpg: %load_ext and the CLI say so instead of failing mid-run."""
    from IPython.core.error import UsageError
    from IPython.core.interactiveshell import InteractiveShell

    from golink_magic.frontends import cli
    from golink_magic.frontends import magics

    monkeypatch.delattr("os.killpg")
    assert cli.main(["run", "x.txtar"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("golink-magic: golink_magic needs Linux or macOS") and "WSL2" in err
    InteractiveShell.clear_instance()
    ip = InteractiveShell.instance()
    with pytest.raises(UsageError, match="on Windows use WSL2, or open the course on Binder"):
        magics.load(ip)
    assert id(ip) not in magics._LOADED
    InteractiveShell.clear_instance()
