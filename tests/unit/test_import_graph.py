"""The package's module import graph: no import cycles, and lower layers never import higher ones.

The graph is built from the source with :mod:`ast`, so it sees every import — module-level, inside
functions (the lazy imports that keep pyspark and MLflow out of ``import reference_impl.batch``) and
under ``if TYPE_CHECKING:`` — without importing anything. A lazy import still couples two modules: a
cycle through one is a cycle, just one that fails later.

:func:`import_graph` and :func:`find_cycles` are general; the assertions below state the rules of
docs/architecture.md: no cycle anywhere, the layers as data (``ALLOWED``), and the serving rooms apart.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterable, Mapping

import pytest

import reference_impl

PACKAGE = "reference_impl"
PACKAGE_DIR = Path(reference_impl.__file__).parent


def module_files(package_dir: Path = PACKAGE_DIR, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (a package's ``__init__.py`` under the package's own name)."""
    out = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join([package, *parts])] = path
    return out


def _resolve(target: str, modules: Mapping[str, Path]) -> str | None:
    """The longest known module that ``target`` names or lies in (``None`` outside the package)."""
    parts = target.split(".")
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in modules:
            return candidate
    return None


def imports_of(name: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The package's modules that module ``name`` (at ``path``) imports anywhere in its source."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's own package, up level - 1 more
                base_parts = name.split(".") if is_package else name.split(".")[:-1]
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            # `from pkg import sub` imports the submodule; `from pkg import name` imports pkg itself
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            resolved = _resolve(target, modules)
            if resolved is not None and resolved != name:
                out.add(resolved)
    return out


def import_graph(modules: Mapping[str, Path] | None = None) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    modules = module_files() if modules is None else modules
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycles(graph: Mapping[str, Iterable[str]], within: Iterable[str] | None = None) -> list[list[str]]:
    """Import cycles among the modules ``within`` (default: all), as sorted strongly connected components.

    Tarjan's algorithm over the edges between those modules; every component of two or more modules
    is a cycle (a module never counts as importing itself).
    """
    nodes = set(graph) if within is None else set(within)
    edges = {n: sorted(m for m in graph.get(n, ()) if m in nodes and m != n) for n in nodes}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # recursion depth is bounded by the package's module count
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return sorted(cycles)


def in_package(graph: Mapping[str, Iterable[str]], package: str) -> set[str]:
    """The modules of ``package`` (the package itself and everything under it)."""
    return {m for m in graph if m == package or m.startswith(package + ".")}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


# --------------------------------------------------------------------------- the helpers themselves


def test_find_cycles_sees_imports_inside_functions(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from pkg.sub.a import f\n")
    (pkg / "sub" / "a.py").write_text("from . import b\n\ndef f():\n    return b\n")
    (pkg / "sub" / "b.py").write_text("def g():\n    from pkg.sub.c import h\n    return h\n")
    (pkg / "sub" / "c.py").write_text("import pkg.sub.a\n\ndef h():\n    return 1\n")
    (pkg / "d.py").write_text("from pkg.sub import a, f\n")
    g = import_graph(module_files(pkg, "pkg"))
    assert g["pkg.sub.a"] == {"pkg.sub.b"} and g["pkg.sub.b"] == {"pkg.sub.c"}
    assert g["pkg.d"] == {"pkg.sub", "pkg.sub.a"}  # a submodule, and the package for a name it defines
    assert find_cycles(g) == [["pkg.sub.a", "pkg.sub.b", "pkg.sub.c"]]
    assert find_cycles(g, within=["pkg.sub.a", "pkg.sub.b", "pkg.d"]) == []  # the cycle needs c


def test_the_graph_covers_the_package(graph):
    assert {"reference_impl.features.transforms", "reference_impl.batch.job", "reference_impl.cli"} <= set(graph)
    assert "reference_impl.features.columns" in graph["reference_impl.features.transforms"]
    # a function-level import is an edge: run_batch imports the engines only when it is called
    assert "reference_impl.batch.pandas_engine" in graph["reference_impl.batch.job"]


# --------------------------------------------------------------------------- the assertions


@pytest.mark.parametrize("package", ["reference_impl.features", "reference_impl.batch"])
def test_no_import_cycle_within(graph, package):
    cycles = find_cycles(graph, within=in_package(graph, package))
    assert cycles == [], f"import cycles in {package}: " + "; ".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("higher", ["serving", "batch", "lifecycle", "monitoring"])
def test_features_imports_no_higher_layer(graph, higher):
    bad = {(m, t) for m in in_package(graph, "reference_impl.features") for t in graph[m]
           if t == f"{PACKAGE}.{higher}" or t.startswith(f"{PACKAGE}.{higher}.")}
    assert not bad, f"features must not import {higher}: " + ", ".join(f"{m} -> {t}" for m, t in sorted(bad))


def test_only_the_dispatcher_imports_an_engine(graph):
    engines = {"reference_impl.batch.pandas_engine", "reference_impl.batch.spark_engine"}
    importers = {m for m in graph if graph[m] & engines}
    assert importers == {"reference_impl.batch.job"}


def test_batch_main_does_not_import_the_whole_command_line(graph):
    assert "reference_impl.cli" not in graph["reference_impl.batch.__main__"]


# --------------------------------------------------------------------------- the whole package

#: Who may import whom, by top-level module of ``reference_impl``: the layers of docs/architecture.md as data.
#: The foundation (the package root, errors, workspace) may be imported by everyone; the top (commands, cli,
#: demo, progress, notebook_tools, exercises, and every ``__main__`` entry point) may import anything.
FOUNDATION = {"reference_impl", "errors", "workspace"}
TOP = {"commands", "cli", "demo", "progress", "notebook_tools", "exercises"}
ALLOWED: dict[str, set[str]] = {
    "labs": set(),  # the lab catalogue, checker and exporter: only the foundation (errors, workspace)
    "data": {"governance"},
    "features": {"data"},  # features.credit reads the close calendar from data.credit: one definition of a close
    "evaluation": set(),
    "governance": set(),
    "anomaly": {"features", "evaluation", "governance"},
    "kyc": {"data", "evaluation", "governance"},
    "lifecycle": {"data", "features", "evaluation", "governance", "anomaly", "kyc"},
    "batch": {"data", "features", "evaluation", "governance", "anomaly", "lifecycle"},
    "serving": {"data", "features", "evaluation", "governance", "anomaly", "kyc", "lifecycle"},
    "monitoring": {"data", "features", "evaluation", "governance", "serving"},
    "consumer": {"governance", "lifecycle", "serving"},  # the trade room's pipeline, fed from a queue instead of HTTP
}


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_no_import_cycle_anywhere_in_the_package(graph):
    cycles = find_cycles(graph)
    assert cycles == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_every_package_is_placed_in_a_layer(graph):
    placed = FOUNDATION | TOP | set(ALLOWED)
    assert {_top(m) for m in graph} <= placed, f"place new packages in ALLOWED: {sorted({_top(m) for m in graph} - placed)}"


def test_lower_layers_never_import_higher_ones(graph):
    bad = []
    for module, targets in graph.items():
        layer = _top(module)
        if layer in FOUNDATION | TOP or module.endswith(".__main__"):
            if layer in FOUNDATION:
                bad += [(module, t) for t in targets if _top(t) not in FOUNDATION]
            continue
        bad += [(module, t) for t in targets if _top(t) not in FOUNDATION | ALLOWED[layer] | {layer}]
    assert not bad, "imports against the layers: " + ", ".join(f"{m} -> {t}" for m, t in sorted(bad))


SERVING_ROOMS = ("reference_impl.serving.trades", "reference_impl.serving.kyc")
#: Assembly helpers, not the service: ``testing`` composes both rooms' fakes (``fake_rooms``) and ``demo``
#: builds a small real deployment (it trains both projects' models) for notebooks, tests and benchmarks.
ROOM_ASSEMBLY = {"reference_impl.serving.testing", "reference_impl.serving.demo"}


def _under(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_serving_core_imports_no_room(graph):
    core = {m for m in in_package(graph, "reference_impl.serving") if not _under(m, *SERVING_ROOMS)} - ROOM_ASSEMBLY
    bad = {(m, t) for m in core for t in graph[m]
           if _under(t, *SERVING_ROOMS, "reference_impl.anomaly", "reference_impl.kyc")}
    assert not bad, "the serving core must reach rooms only via rooms.ROOM_FACTORIES: " + \
        ", ".join(f"{m} -> {t}" for m, t in sorted(bad))


@pytest.mark.parametrize("room,forbidden", [
    ("reference_impl.serving.trades", ("reference_impl.serving.kyc", "reference_impl.kyc")),
    ("reference_impl.serving.kyc", ("reference_impl.serving.trades", "reference_impl.anomaly")),
])
def test_a_room_never_imports_the_other_project(graph, room, forbidden):
    bad = {(m, t) for m in in_package(graph, room) for t in graph[m] if _under(t, *forbidden)}
    assert not bad, ", ".join(f"{m} -> {t}" for m, t in sorted(bad))
