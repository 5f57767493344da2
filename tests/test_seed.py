"""The blog post this course is built from, pasted cell by cell as a learner would.

The post lives beside the checkout (../shared/seed/); where it is absent the test says so loudly.
"""

import re
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "go-linkname-blog.md"


@pytest.fixture(scope="module")
def blocks():
    if not SEED.exists():
        pytest.skip(f"SKIPPED LOUDLY: the seed post is not at {SEED}; these paste tests need it")
    return re.findall(r"```go\n(.*?)```", SEED.read_text(), re.S)


def _paste_and_run(shell, block, expect, objdump=""):
    shell.run("%goreset")
    shell.run("%%gotxtar\n" + block)
    return shell.run(f"%gorun --expect {expect} {objdump}")


def test_first_example_is_a_compile_error(shell, blocks):
    r = _paste_and_run(shell, blocks[0], "compile-error")
    assert "undefined: hello.msg" in r.build_output


def test_example1_prints_the_private_message(shell, blocks):
    r = _paste_and_run(shell, blocks[1], "ok")
    assert r.stdout == "Exported message\nprivate message\n"
    assert any("example1/hello.msg(SB)" in row.text for row in r.function("main.main").instructions)


def test_expl_links_vars_bytes_and_functions(shell, blocks):
    block = next(b for b in blocks if "module expl" in b)
    r = _paste_and_run(shell, block, "ok")
    assert "hello.privInt64=5, ciao.linkedInt64=5" in r.stdout
    assert "ciao.linkedAddFunc(10)=15" in r.stdout


def test_example2_writes_through_the_alias(shell, blocks):
    block = next(b for b in blocks if "example2/main.go" in b)
    assert _paste_and_run(shell, block, "ok").stdout == "5\n10\n"


def test_example3_store_goes_to_the_other_symbol(shell, blocks):
    block = next(b for b in blocks if "example3/hello/hello.go" in b)
    r = _paste_and_run(shell, block, "ok")
    rows = [row.text for row in r.function("main.main").instructions]
    assert "MOVQ $0xa, example3/hello.age(SB)" in rows


def test_fragments_without_package_clause_fail_clearly(shell, blocks):
    fragment = next(b for b in blocks if b.lstrip().startswith("// -- hello/hello.go --") and "package" not in b)
    r = _paste_and_run(shell, fragment, "compile-error")
    assert "expected 'package'" in r.build_output
