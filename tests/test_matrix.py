"""One case on several real Go versions and GOARCHes, side by side (%gorun lists, CLI lists)."""

import json
import subprocess
import sys
from pathlib import Path

from IPython.core.error import UsageError

from .gocases import main_only

CASES = Path(__file__).resolve().parent.parent / "notebooks" / "cases"
LOCKDOWN = (CASES / "lockdown-unannotated.txtar").read_text()
METHOD_PULL = (CASES / "method-pull-no-receiver.txtar").read_text()


def test_lockdown_links_before_go_1_23_only(shell, go122):
    shell.run("%%gotxtar\n" + LOCKDOWN)
    results = shell.run("%gorun --go 1.22,1.27 --expect ok,link-error")
    assert [r.go_version for r in results] == ["go version go1.22.10 linux/amd64", "go version go1.27.3 linux/amd64"]
    old, new = results
    assert old.stdout == "first non-space at 3\n"
    assert old.function("main.main") is not None  # each column has its own listing
    assert "link: main: invalid reference to strings.indexFunc" in new.build_output
    assert "first non-space at 3" in shell.shown and "invalid reference" in shell.shown

    err = shell.fails("%gorun --go 1.22,1.27")  # no --expect: a non-ok column fails the cell...
    assert isinstance(err, UsageError) and "go1.27.3 linux/amd64 (link-error)" in str(err)
    assert "go1.22.10" not in str(err)
    assert "first non-space at 3" in shell.shown  # ...after showing every column
    html = shell.displayed()[-1]["text/html"]  # side by side: one HTML view with both columns
    assert "go1.22.10 linux/amd64" in html and "go1.27.3 linux/amd64" in html

    err = shell.fails("%gorun --go 1.22,1.27 --expect link-error")  # one outcome for all columns
    assert str(err) == "1 of 2 columns missed the expected outcome: go1.22.10 linux/amd64 (ok)"


def test_checklinkname_is_go_1_22s_own_link_error(shell, go122):
    shell.run("%%gotxtar\n" + LOCKDOWN)
    old, new = shell.run("%gorun --go 1.22,1.27 --ldflags=-checklinkname=0 --expect link-error,ok")
    assert "flag provided but not defined: -checklinkname" in old.build_output
    assert new.stdout == "first non-space at 3\n"


def test_versions_times_goarches_in_column_order(shell, go122):
    # Receiver dropped from a pulled method: harmless with amd64's register ABI, while on 386's
    # stack ABI the call reads the 777 an earlier call left behind.
    shell.run("%%gotxtar --case pull\n" + METHOD_PULL)
    # The case's header checks the amd64 value; a matrix over GOARCHes gives one value per column.
    err = shell.fails("%gorun --case pull --go 1.22,1.27 --goarch amd64,386")
    assert "expected stdout to contain 'valueNoRecv()=5', got " in str(err) and "linux/386 (ok)" in str(err)
    results = shell.run("%gorun --case pull --go 1.22,1.27 --goarch amd64,386 "
                        "--expect-stdout 'valueNoRecv()=5,valueNoRecv()=777,valueNoRecv()=5,valueNoRecv()=777'")
    assert [r.go_version.split()[2:] for r in results] == [
        ["go1.22.10", "linux/amd64"], ["go1.22.10", "linux/386"], ["go1.27.3", "linux/amd64"], ["go1.27.3", "linux/386"],
    ]
    for r in results:
        assert r.name == "pull" and r.outcome == "ok" and r.stdout.startswith('valueWithRecv("x")=5\n')
        assert r.stdout.endswith("valueNoRecv()=5\n" if r.goarch == "amd64" else "valueNoRecv()=777\n")
        assert r.function("full/hello.Box.value") is not None  # the case's objdump: header applies
    store = [i.text for i in results[1].function("full/hello.Box.value").instructions]
    assert any(t.startswith("MOVL") and "(SP)" in t for t in store)  # 386 returns on the stack


def test_matrix_mistakes_are_short_and_harmless(shell, go122):
    err = shell.fails("%gorun --go 1.22,1.27")
    assert isinstance(err, UsageError) and "workspace is empty" in str(err)
    shell.run("%%gofile main.go\n" + main_only('\tprintln("still here")'))
    for bad, says in (
        ("%gorun --go 1.22,1.24.99", "Go 1.24.99 is not installed here: run `golink-magic toolchains install 1.24.99`"),
        ("%gorun --go 1.22,1.27 --expect ok,ok,ok", "3 outcomes for 2 columns"),
        ("%gorun --go 1.22,1.27 --expect ok,maybe", "--expect maybe: choose one of"),
        ("%gorun --expect ok,ok", "a list such as ok,link-error is for several"),
    ):
        err = shell.fails(bad)
        assert isinstance(err, UsageError) and says in str(err), (bad, str(err))
    # repeats of one toolchain collapse into one column
    results = shell.run("%gorun --go 1.22,1.22.10 --goarch 386,386 --no-objdump")
    assert len(results) == 1 and results[0].stderr == "still here\n"


def test_cli_run_prints_a_list_per_toolchain(go122):
    proc = subprocess.run(
        [sys.executable, "-m", "golink_magic", "run", str(CASES / "lockdown-unannotated.txtar"), "--go", "1.22,1.27", "--json"],
        capture_output=True, text=True,
    )
    data = json.loads(proc.stdout)
    assert [(d["go_version"], d["outcome"]) for d in data] == [
        ("go version go1.22.10 linux/amd64", "ok"), ("go version go1.27.3 linux/amd64", "link-error"),
    ]
    # the case's header expects link-error, so the 1.22 column fails the run
    assert proc.returncode == 1 and "expected link-error, got ok" in proc.stderr
