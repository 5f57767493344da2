"""The golink-magic command, run as a course author would in CI."""

import json
import subprocess
import sys

from .gocases import DUPLICATE, EXAMPLE1_BLOG_STYLE


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "golink_magic", *args], capture_output=True, text=True, cwd=cwd)


def test_run_one_case_json(tmp_path):
    case = tmp_path / "example1.txtar"
    case.write_text("expect: ok\n" + EXAMPLE1_BLOG_STYLE)
    proc = _cli("run", str(case), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["outcome"] == "ok" and data["stdout"].endswith("kept inside hello\n")
    assert data["go_version"].startswith("go version go1.27.3") and data["goarch"] == "amd64"
    main = next(f for f in data["functions"] if f["symbol"] == "main.main")
    assert {"file", "line", "pc", "hex", "text"} <= set(main["instructions"][0])
    assert set(data["timings"]) >= {"build", "run", "objdump"}
    assert data["commands"][0].startswith("go build")


def test_run_folder_checks_expectations(tmp_path):
    (tmp_path / "a-good.txtar").write_text("expect: link-error\n" + DUPLICATE)
    (tmp_path / "b-wrong.txtar").write_text("expect: ok\n" + DUPLICATE)
    proc = _cli("run", str(tmp_path))
    assert proc.returncode == 1
    assert "b-wrong: expected ok, got link-error" in proc.stderr
    assert "a-good" not in proc.stderr
    assert proc.stdout.index("a-good") < proc.stdout.index("b-wrong")


def test_bad_usage_is_short(tmp_path):
    proc = _cli("run", str(tmp_path / "nope.txtar"))
    assert proc.returncode == 2 and "no such file" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_options_and_binary_cases_are_short_errors(tmp_path):
    case = tmp_path / "c.txtar"
    case.write_text("-- main.go --\npackage main\nfunc main() {}\n")
    proc = _cli("run", str(case), "--timeout", "-1")
    assert proc.returncode == 2 and "--timeout must be a positive" in proc.stderr
    junk = tmp_path / "junk.txtar"
    junk.write_bytes(b"\xff\xfe\x00binary")
    proc = _cli("run", str(junk))
    assert proc.returncode == 2 and "not UTF-8" in proc.stderr and "Traceback" not in proc.stderr


def test_every_course_case_meets_its_own_header():
    """Each notebooks/cases/*.txtar declares what it shows (outcome, printed values, symbols); the
    folder run checks all of them and ends with one summary line per case."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    cases = sorted((Path(__file__).parent.parent / "notebooks" / "cases").glob("*.txtar"))
    proc = subprocess.run([sys.executable, "-m", "golink_magic", "run", str(cases[0].parent), "--quiet"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["case", "outcome", "expected", "time"]
    for case in cases:
        assert any(re.match(rf"{re.escape(case.stem)}\s.*✔", ln) for ln in lines), case.stem
    assert lines[-1] == f"{len(cases)} of {len(cases)} met their expectation"
