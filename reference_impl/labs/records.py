"""Remember each ``ibml lab check`` in the workspace, so ``ibml progress`` can show labs without re-running them.

A check takes seconds to a minute; ``ibml progress`` must answer in a moment. So every check of a learner's code
stores its per-milestone verdict in ``<IBML_HOME>/labs/<id>.json`` together with a digest of the package files it
checked. A stored verdict is trusted only while the digest still matches the files — the same rule notebook
exercises follow with their cell digest — otherwise the lab shows as "changed since last check".

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     pkg = Path(tmp) / "pkg"
...     pkg.mkdir()
...     _ = (pkg / "a.py").write_text("x = 1\\n")
...     before = package_digest(pkg)
...     _ = (pkg / "a.py").write_text("x = 2\\n")
...     before == package_digest(pkg)
False
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from reference_impl.labs.catalogue import Lab, LabError, labs_root, load_lab
from reference_impl.labs.report import LabReport
from reference_impl.workspace import atomic_write, default_home

RECORD_VERSION = 1
LabState = Literal["checked", "changed", "not_checked", "missing", "invalid"]


def package_digest(package: Path) -> str:
    """sha256 over the package's files (relative path and bytes), ignoring bytecode and caches."""
    h = hashlib.sha256()
    for path in sorted(p for p in Path(package).rglob("*") if p.is_file()):
        rel = path.relative_to(package)
        if "__pycache__" in rel.parts or path.suffix == ".pyc" or any(part.startswith(".") for part in rel.parts):
            continue
        h.update(rel.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def record_path(lab_id: str, home: Path | None = None) -> Path:
    return (default_home() if home is None else Path(home)) / "labs" / f"{lab_id}.json"


def record_check(lab: Lab, project: Path, report: LabReport, *, home: Path | None = None) -> Path:
    """Store ``report`` (a check of the learner's ``project``) with the digest of its package; returns the file."""
    project = Path(project).resolve()
    record = {
        "version": RECORD_VERSION,
        "lab": lab.id,
        "path": str(project),
        "digest": package_digest(project / lab.package),
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(report.seconds, 2),
        "milestones": [
            {
                "id": m.id,
                "title": m.title,
                "status": m.status,
                "label": m.label,
                "first_failure": m.first_failure,
                "message": m.message,
            }
            for m in report.milestones
        ],
    }
    path = record_path(lab.id, home)
    with atomic_write(path, "w") as fh:
        fh.write(json.dumps(record, indent=2) + "\n")
    return path


def read_record(lab_id: str, home: Path | None = None) -> dict[str, Any] | None:
    """The stored record, or ``None`` if never checked; an unreadable record is one line naming the file."""
    path = record_path(lab_id, home)
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LabError(f"{path}: cannot read the stored lab check ({exc}); delete it and check again") from None
    if not isinstance(record, dict) or record.get("version") != RECORD_VERSION or "milestones" not in record:
        raise LabError(f"{path}: not a lab check record of version {RECORD_VERSION}; delete it and check again")
    return record


@dataclass(frozen=True)
class LabProgress:
    """What ``ibml progress`` shows for one lab."""

    id: str
    title: str
    state: LabState
    path: str = ""
    checked_at: str = ""
    milestones: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""

    @property
    def done(self) -> int:
        return sum(m["status"] == "done" for m in self.milestones)

    @property
    def failing(self) -> int:
        return sum(m["status"] == "failing" for m in self.milestones)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "state": self.state,
            "path": self.path,
            "checked_at": self.checked_at,
            "milestones": self.milestones,
            "message": self.message,
        }


def lab_progress(lab: Lab, *, home: Path | None = None) -> LabProgress:
    """The stored verdict for ``lab``, marked "changed" when its package no longer matches the checked digest."""
    record = read_record(lab.id, home)
    if record is None:
        return LabProgress(lab.id, lab.title, "not_checked", message=f"run: ibml lab check {lab.id}")
    path = Path(record["path"])
    common = {"path": str(path), "checked_at": record.get("checked_at", ""), "milestones": record["milestones"]}
    package = path / lab.package
    if not package.is_dir():
        return LabProgress(lab.id, lab.title, "missing", **common, message=f"{package} no longer exists")
    if package_digest(package) != record.get("digest"):
        return LabProgress(
            lab.id,
            lab.title,
            "changed",
            **common,
            message=f"files changed since the last check: run ibml lab check {lab.id}"
            + ("" if path == lab.starter.resolve() else f" --path {path}"),
        )
    return LabProgress(lab.id, lab.title, "checked", **common)


def all_lab_progress(labs_dir: Path | None = None, *, home: Path | None = None) -> list[LabProgress]:
    """Every lab's progress; a lab whose lab.toml is malformed shows as "invalid" instead of hiding the others."""
    root = labs_root(labs_dir)
    out = []
    for toml in sorted(root.glob("*/lab.toml")) if root.is_dir() else []:
        try:
            lab = load_lab(toml.parent)
        except LabError as exc:
            out.append(LabProgress(toml.parent.name, "", "invalid", message=str(exc)))
            continue
        try:
            out.append(lab_progress(lab, home=home))
        except LabError as exc:
            out.append(LabProgress(lab.id, lab.title, "invalid", message=str(exc)))
    return out


def progress_text(labs: list[LabProgress]) -> list[str]:
    """Lines for ``ibml progress``: one per lab, one per milestone of a checked lab, failures indented."""
    labels = {
        "checked": "",
        "changed": "CHANGED since last check",
        "not_checked": "not checked",
        "missing": "MISSING",
        "invalid": "INVALID lab.toml",
    }
    lines = ["labs (stored results of `ibml lab check`)"]
    if not labs:
        lines.append("  (no labs found)")
    for lab in labs:
        if lab.state in ("not_checked", "invalid"):
            lines.append(f"  {lab.id:<22} {labels[lab.state]}".rstrip())
            if lab.message:
                lines.append(f"{'':8}{lab.message}")
            continue
        head = f"{lab.done}/{len(lab.milestones)} milestones done"
        extra = f" — {labels[lab.state]}" if labels[lab.state] else ""
        lines.append(f"  {lab.id:<22} {head}{extra} (checked {lab.checked_at})")
        if lab.message:
            lines.append(f"{'':8}{lab.message}")
        for m in lab.milestones:
            lines.append(f"    {m['id']:<4} {m['label']:<18} {m['title']}")
            if m["status"] == "failing" and m.get("message"):
                lines.append(f"{'':10}{m['message']}")
    return lines
