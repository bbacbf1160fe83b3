"""Assemble a lab project to check: the starter, then the solution, then one mutant, overlaid file by file.

The specification (tests, fixtures, pyproject) always comes from the lab's own ``starter/``; only the package
varies. Checking a learner's copy works the same way — the starter's tests with the learner's package copied in
— so the spec a learner is measured against is the lab's, and the checked folder gets no caches or bytecode.

Examples
--------
>>> import tempfile
>>> from reference_impl.labs.catalogue import get_lab
>>> lab = get_lab("feature-store")
>>> with tempfile.TemporaryDirectory() as tmp:
...     out = assemble(lab, Path(tmp) / "p", solution=True)
...     "reference_impl" in (out / "featurestore_lab" / "point_in_time.py").read_text()
True
"""

from __future__ import annotations

import shutil
from pathlib import Path

from reference_impl.errors import ErrorKind
from reference_impl.labs.catalogue import Lab, LabError

#: Never copied: caches and bytecode a previous run left behind.
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis", ".ruff_cache", ".mypy_cache")


def assemble(
    lab: Lab,
    dest: Path,
    *,
    solution: bool = False,
    mutant: str | None = None,
    code_from: Path | None = None,
) -> Path:
    """Write the project to check into ``dest`` (which must not exist) and return it.

    ``solution`` overlays ``solution/``; ``mutant`` overlays the solution and then ``mutants/<name>/``;
    ``code_from`` replaces the starter's package with the package found in that directory (a learner's copy).
    """
    dest = Path(dest)
    if mutant is not None:
        lab.mutant(mutant)  # unknown name: one line listing the known ones
        solution = True
    if code_from is not None and solution:
        raise LabError("check either a learner's code (--path) or the solution/a mutant, not both")
    shutil.copytree(lab.starter, dest, ignore=IGNORED)
    if code_from is not None:
        package = package_dir(lab, code_from)
        shutil.rmtree(dest / lab.package)
        shutil.copytree(package, dest / lab.package, ignore=IGNORED)
    if solution:
        overlay(lab.solution, dest)
    if mutant is not None:
        overlay(lab.root / "mutants" / mutant, dest)
    return dest


def package_dir(lab: Lab, project: Path) -> Path:
    """``project/<package>`` after checking it is there: a missing folder or package is one line."""
    project = Path(project)
    if not project.is_dir():
        raise LabError(f"{project} is not a directory", kind=ErrorKind.NOT_FOUND)
    package = project / lab.package
    if not (package / "__init__.py").is_file():
        raise LabError(f"{project} has no package {lab.package}/ (expected {package / '__init__.py'})")
    return package


def overlay(source: Path, dest: Path) -> list[Path]:
    """Copy every file under ``source`` over ``dest`` (same relative paths); returns the files written."""
    if not source.is_dir():
        raise LabError(f"{source} does not exist", kind=ErrorKind.NOT_FOUND)
    written = []
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_dir() or "__pycache__" in rel.parts or path.suffix == ".pyc" or path.name == "MUTANTS.toml":
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        written.append(target)
    return written
