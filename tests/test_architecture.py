"""The package's shape, read from its code: layers import only downward (imports inside
functions included), there is no import cycle, one module starts processes, and no function is
longer than 80 lines.  docs/architecture.md explains the layers."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "golink_magic"

# Bottom up; a module may import its own layer (without cycles) and the layers below.
LAYERS = {
    "engine": {"errors", "version", "options", "result", "txtar", "procs", "toolchain", "catalog", "workspace",
               "plan", "outcome", "cache", "objdump", "runner", "replay", "progress", "compare", "case", "asm_help", "go_symbols"},
    "rendering": {"view", "listing_html"},
    "display": {"widgets"},
    "front": {"api", "magics", "cli", "exercises", "__init__", "__main__"},
}
ORDER = list(LAYERS)
LAYER_OF = {m: layer for layer, mods in LAYERS.items() for m in mods}
MODULES = {p.stem: p for p in PACKAGE.glob("*.py")}


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(package modules, third-party/stdlib top-level names) imported anywhere in ``path``."""
    own, other = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                own.add(node.module.split(".")[0])
            else:
                own.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("golink_magic"):
            parts = node.module.split(".")
            own.update([parts[1]] if len(parts) > 1 else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            other.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            other.add(node.module.split(".")[0])
    return own & set(MODULES), other


GRAPH = {name: _imports(path)[0] for name, path in MODULES.items()}


def test_every_module_has_a_layer():
    assert set(MODULES) <= set(LAYER_OF), set(MODULES) - set(LAYER_OF)


def test_nothing_imports_upward():
    upward = [(m, dep) for m, deps in GRAPH.items() for dep in deps
              if ORDER.index(LAYER_OF[dep]) > ORDER.index(LAYER_OF[m])]
    assert not upward


def test_no_import_cycle():
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in GRAPH[node]:
            if state.get(dep) == 1:
                cycles.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for name in GRAPH:
        if name not in state:
            visit(name, [name])
    assert not cycles


def test_only_procs_starts_processes():
    starters = {name for name, path in MODULES.items() if _imports(path)[1] & {"subprocess", "multiprocessing", "pty"}}
    assert starters == {"procs"}
    calls = [name for name, path in MODULES.items() if name != "procs"
             and any(w in path.read_text() for w in ("os.system(", "os.popen(", "os.fork(", "os.exec", "os.spawn"))]
    assert not calls


def test_rendering_and_engine_know_nothing_of_ipython():
    for name, path in MODULES.items():
        if LAYER_OF.get(name) in ("engine", "rendering"):
            assert not _imports(path)[1] & {"IPython", "ipywidgets", "traitlets", "ipykernel"}, name


def test_no_function_longer_than_80_lines():
    long = [(name, node.name, node.end_lineno - node.lineno + 1)
            for name, path in MODULES.items() for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 80]
    assert not long
