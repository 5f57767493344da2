"""The package's shape, read from its tree: each folder is a layer, layers import only downward
(imports inside functions included), there is no import cycle, one module starts processes, the
renderers never reach the engine, and no function is longer than 80 lines.  docs/architecture.md
explains the layers."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "golink_magic"

# Bottom up.  A module's layer is its folder; the modules at the top of the package are its face.
ORDER = ["model", "listing", "engine", "render", "display", "frontends", "course", "face"]


def _dotted(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "__init__"


MODULES = {_dotted(p): p for p in PACKAGE.rglob("*.py") if "labextension" not in p.parts}


def layer_of(module: str) -> str:
    """The layer of a dotted module name (relative to the package): its first folder."""
    head = module.split(".")[0]
    return head if head in ORDER[:-1] else "face"


def _resolve(name: str, node: ast.ImportFrom) -> set[str]:
    """The package modules an ``import from`` in module ``name`` names."""
    if node.level:
        package = name.split(".") if MODULES[name].name == "__init__.py" else name.split(".")[:-1]
        base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
        if name == "__init__":
            base = []
    elif node.module and (node.module == "golink_magic" or node.module.startswith("golink_magic.")):
        base = []
        node = ast.ImportFrom(module=node.module.partition(".")[2] or None, names=node.names, level=1)
    else:
        return set()
    mod = node.module.split(".") if node.module else []
    found = set()
    for alias in node.names:
        for cand in (base + mod + [alias.name], base + mod):
            key = ".".join(cand)
            if key in MODULES and key != name:
                found.add(key)
                break
    return found


def _imports(path: Path, name: str) -> tuple[set[str], set[str]]:
    """(package modules, third-party/stdlib top-level names) imported anywhere in ``path``."""
    own, other = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            found = _resolve(name, node)
            own |= found
            if not found and not node.level and node.module:
                other.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("golink_magic."):
                    own.add(alias.name.partition(".")[2])
                else:
                    other.add(alias.name.split(".")[0])
    return own, other


GRAPH = {name: _imports(path, name)[0] for name, path in MODULES.items()}


def test_every_folder_is_a_layer():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(ORDER) - {"face"}
    assert {layer_of(m) for m in MODULES} == set(ORDER)


def test_the_reader_of_imports_sees_them():
    # A check that cannot fail is no check: the graph must hold edges we know exist.
    assert "model.options" in GRAPH["model.case"]
    assert "engine.procs" in GRAPH["engine.toolchain"]
    assert "frontends.magics" in GRAPH["__init__"]  # imported inside a function


def test_nothing_imports_upward():
    upward = [(m, dep) for m, deps in GRAPH.items() for dep in deps
              if ORDER.index(layer_of(dep)) > ORDER.index(layer_of(m))]
    assert not upward


def test_renderers_never_reach_the_engine():
    # The renderer never runs go: render and display read results, they do not make them.
    reach = [(m, dep) for m, deps in GRAPH.items() for dep in deps
             if layer_of(m) in ("render", "display") and layer_of(dep) == "engine"]
    assert not reach


def test_no_import_cycle():
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in GRAPH[node]:
            if dep not in GRAPH:
                continue
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
    starters = {name for name, path in MODULES.items()
                if _imports(path, name)[1] & {"subprocess", "multiprocessing", "pty"}}
    assert starters == {"engine.procs"}
    calls = [name for name, path in MODULES.items() if name != "engine.procs"
             and any(w in path.read_text() for w in ("os.system(", "os.popen(", "os.fork(", "os.exec", "os.spawn"))]
    assert not calls


def test_lower_layers_know_nothing_of_ipython():
    for name, path in MODULES.items():
        if layer_of(name) in ("model", "listing", "engine", "render"):
            assert not _imports(path, name)[1] & {"IPython", "ipywidgets", "traitlets", "ipykernel"}, name


def test_no_function_longer_than_80_lines():
    long = [(name, node.name, node.end_lineno - node.lineno + 1)
            for name, path in MODULES.items() for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 80]
    assert not long
