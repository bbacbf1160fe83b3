"""The lab catalogue: every ``labs/<id>/lab.toml`` of the checkout, parsed and validated.

A lab is data (``lab.toml``), so adding one never edits this package: the framework discovers it, checks it
and exports it. Validation stops at the first problem with one line naming the file and the field at fault
(``labs/x/lab.toml: [[milestones]][2].tests: tests/test_m3.py does not exist``), because a mentor adding a lab
should not have to read a traceback to find a typo.

Examples
--------
>>> lab = get_lab("feature-store")
>>> lab.package, [m.id for m in lab.milestones][:2]
('featurestore_lab', ['m1', 'm2'])
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from reference_impl.errors import ConfigError, ErrorKind

#: The checkout's ``labs/`` directory: the one next to the ``reference_impl`` package.
LABS_DIR = Path(__file__).resolve().parents[2] / "labs"

_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_PACKAGE = re.compile(r"^[a-z_][a-z0-9_]*$")
_MILESTONE = re.compile(r"^m[1-9][0-9]*$")
_PROJECTS = ("A", "B", "C", "D")
_MODULE_ATTR = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


class LabError(ConfigError):
    """A lab is unknown, its ``lab.toml`` or ``MUTANTS.toml`` is malformed, or a path given for it is unusable."""


@dataclass(frozen=True)
class Milestone:
    """One milestone: an id (``m1``), a title, and the one test file that specifies it (relative to starter/)."""

    id: str
    title: str
    tests: str


@dataclass(frozen=True)
class Mutant:
    """A planted bug: ``mutants/<name>/`` overlays the solution and must fail ``milestone``."""

    name: str
    milestone: str
    bug: str


@dataclass(frozen=True)
class ExportSpec:
    """What ``ibml lab export`` needs beyond the files: dependencies, the ibml wheel, a service, a gate."""

    dependencies: tuple[str, ...]
    uses_ibml: bool
    service: str | None = None
    validation_gate: str | None = None


@dataclass(frozen=True)
class Lab:
    """A validated lab: ``root`` is ``labs/<id>/``."""

    id: str
    title: str
    project: str
    package: str
    summary: str
    root: Path
    milestones: tuple[Milestone, ...]
    export: ExportSpec
    mutants: tuple[Mutant, ...] = field(default=())

    @property
    def starter(self) -> Path:
        return self.root / "starter"

    @property
    def solution(self) -> Path:
        return self.root / "solution"

    def milestone(self, milestone_id: str) -> Milestone:
        for m in self.milestones:
            if m.id == milestone_id:
                return m
        raise LabError(f"lab {self.id} has no milestone {milestone_id!r} (it has {', '.join(self.milestone_ids)})")

    @property
    def milestone_ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.milestones)

    def mutant(self, name: str) -> Mutant:
        for m in self.mutants:
            if m.name == name:
                return m
        known = ", ".join(m.name for m in self.mutants) or "none"
        raise LabError(f"lab {self.id} has no mutant {name!r} (known: {known})", kind=ErrorKind.NOT_FOUND)


def labs_root(labs_dir: Path | None = None) -> Path:
    """``labs_dir``, or the checkout's :data:`LABS_DIR` (looked up at call time, so tests can point it elsewhere)."""
    return LABS_DIR if labs_dir is None else Path(labs_dir)


def discover(labs_dir: Path | None = None) -> list[Lab]:
    """Every lab under ``labs_dir`` (default :data:`LABS_DIR`), sorted by id; directories without lab.toml are skipped."""
    root = labs_root(labs_dir)
    if not root.is_dir():
        raise LabError(
            f"no labs directory at {root} (ibml lab needs the repository checkout)", kind=ErrorKind.NOT_FOUND
        )
    labs = [load_lab(p.parent) for p in sorted(root.glob("*/lab.toml"))]
    return sorted(labs, key=lambda lab: lab.id)


def get_lab(lab_id: str, labs_dir: Path | None = None) -> Lab:
    """The lab called ``lab_id`` (only its own lab.toml is read); an unknown id is one line listing the known ones."""
    root = labs_root(labs_dir)
    if (root / lab_id / "lab.toml").is_file() and _ID.match(lab_id):
        return load_lab(root / lab_id)
    known = ", ".join(sorted(p.parent.name for p in root.glob("*/lab.toml"))) or "none"
    raise LabError(f"unknown lab {lab_id!r} (known: {known})", kind=ErrorKind.NOT_FOUND)


def load_lab(lab_dir: Path) -> Lab:
    """Parse and validate ``lab_dir/lab.toml`` (and ``mutants/MUTANTS.toml`` when present)."""
    lab_dir = Path(lab_dir)
    path = lab_dir / "lab.toml"
    doc = _read_toml(path)
    v = _Validator(path)
    lab = v.table(doc, "lab")
    lab_id = v.string(lab, "lab.id", pattern=_ID)
    if lab_id != lab_dir.name:
        v.fail("lab.id", f"{lab_id!r} must equal the directory name {lab_dir.name!r}")
    package = v.string(lab, "lab.package", pattern=_PACKAGE)
    project = v.string(lab, "lab.project")
    if project not in _PROJECTS:
        v.fail("lab.project", f"must be one of {', '.join(_PROJECTS)}, got {project!r}")
    starter = lab_dir / "starter"
    for needed in (starter / "pyproject.toml", starter / package / "__init__.py"):
        if not needed.is_file():
            v.fail("lab.package", f"{needed.relative_to(lab_dir)} does not exist")
    milestones = _milestones(v, doc, starter)
    export = _export(v, doc)
    mutants = _mutants(lab_dir, package, {m.id for m in milestones})
    return Lab(
        id=lab_id,
        title=v.string(lab, "lab.title"),
        project=project,
        package=package,
        summary=v.string(lab, "lab.summary"),
        root=lab_dir.resolve(),
        milestones=milestones,
        export=export,
        mutants=mutants,
    )


def _milestones(v: _Validator, doc: dict[str, Any], starter: Path) -> tuple[Milestone, ...]:
    raw = doc.get("milestones")
    if not isinstance(raw, list) or not raw:
        v.fail("[[milestones]]", "at least one milestone is required")
    out: list[Milestone] = []
    for i, item in enumerate(raw, start=1):
        where = f"[[milestones]][{i}]"
        if not isinstance(item, dict):
            v.fail(where, "must be a table")
        m_id = v.string(item, f"{where}.id", key="id", pattern=_MILESTONE)
        if m_id != f"m{i}":
            v.fail(f"{where}.id", f"milestones are numbered in order: expected 'm{i}', got {m_id!r}")
        tests = v.string(item, f"{where}.tests", key="tests")
        if Path(tests).is_absolute() or ".." in Path(tests).parts or not (starter / tests).is_file():
            v.fail(f"{where}.tests", f"{tests} does not exist under starter/")
        if any(m.tests == tests for m in out):
            v.fail(f"{where}.tests", f"{tests} already specifies another milestone")
        out.append(Milestone(m_id, v.string(item, f"{where}.title", key="title"), tests))
    return tuple(out)


def _export(v: _Validator, doc: dict[str, Any]) -> ExportSpec:
    table = v.table(doc, "export")
    deps = table.get("dependencies")
    if not isinstance(deps, list) or not deps or not all(isinstance(d, str) and d.strip() for d in deps):
        v.fail("export.dependencies", "must be a non-empty list of distribution names")
    uses_ibml = table.get("uses_ibml")
    if not isinstance(uses_ibml, bool):
        v.fail("export.uses_ibml", "must be true or false")
    service = table.get("service")
    if service is not None and (not isinstance(service, str) or not _MODULE_ATTR.match(service)):
        v.fail("export.service", f"must look like 'package.module:app', got {service!r}")
    gate = table.get("validation_gate")
    if gate is not None and (not isinstance(gate, str) or not gate.strip()):
        v.fail("export.validation_gate", "must be a non-empty command")
    unknown = sorted(set(table) - {"dependencies", "uses_ibml", "service", "validation_gate"})
    if unknown:
        v.fail(f"export.{unknown[0]}", "is not a known field")
    return ExportSpec(tuple(d.strip() for d in deps), uses_ibml, service, gate)


def _mutants(lab_dir: Path, package: str, milestone_ids: set[str]) -> tuple[Mutant, ...]:
    path = lab_dir / "mutants" / "MUTANTS.toml"
    if not path.exists():
        return ()
    doc = _read_toml(path)
    v = _Validator(path)
    raw = doc.get("mutant", [])
    if not isinstance(raw, list):
        v.fail("[[mutant]]", "must be an array of tables")
    out: list[Mutant] = []
    for i, item in enumerate(raw, start=1):
        where = f"[[mutant]][{i}]"
        if not isinstance(item, dict):
            v.fail(where, "must be a table")
        name = v.string(item, f"{where}.name", key="name", pattern=re.compile(r"^[a-z0-9_]+$"))
        milestone = v.string(item, f"{where}.milestone", key="milestone")
        if milestone not in milestone_ids:
            v.fail(f"{where}.milestone", f"{milestone!r} is not a milestone of lab.toml")
        if any(m.name == name for m in out):
            v.fail(f"{where}.name", f"{name!r} is listed twice")
        if not (lab_dir / "mutants" / name / package).is_dir():
            v.fail(f"{where}.name", f"mutants/{name}/{package}/ does not exist")
        out.append(Mutant(name, milestone, v.string(item, f"{where}.bug", key="bug")))
    return tuple(out)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise LabError(f"{path} does not exist", kind=ErrorKind.NOT_FOUND) from None
    except tomllib.TOMLDecodeError as exc:
        raise LabError(f"{path}: not valid TOML ({exc})") from None


class _Validator:
    """Field checks that raise one :class:`LabError` naming the file and the field."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> NoReturn:
        raise LabError(f"{self.path}: {where}: {problem}")

    def table(self, doc: dict[str, Any], name: str) -> dict[str, Any]:
        value = doc.get(name)
        if not isinstance(value, dict):
            self.fail(f"[{name}]", "table is missing")
        return value

    def string(
        self, table: dict[str, Any], where: str, *, key: str | None = None, pattern: re.Pattern | None = None
    ) -> str:
        key = key or where.rsplit(".", 1)[-1]
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(where, "is missing or not a non-empty string")
        if pattern is not None and not pattern.match(value):
            self.fail(where, f"{value!r} does not match {pattern.pattern}")
        return value
