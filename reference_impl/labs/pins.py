"""Pinned, hashed requirements for an exported lab: ``requirements.lock`` entries for a dependency closure.

An exported lab must install the versions its specification was proven with, and nothing else. The closure of
the lab's ``[export] dependencies`` is computed from the *installed* distributions' metadata (what ibml's own
environment resolved, markers evaluated for this interpreter), and each member's pin and hashes are copied
verbatim from ``requirements.lock`` — so ``pip install --require-hashes`` in the export gets exactly those files.

Examples
--------
>>> names = dependency_closure(["pydantic-settings"])
>>> {"pydantic", "pydantic-settings", "python-dotenv"} <= names
True
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Iterable
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from reference_impl.labs.catalogue import LabError

#: The lock file of the checkout (``make lock`` writes it).
LOCK_FILE = Path(__file__).resolve().parents[2] / "requirements.lock"
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==\S+")


def read_lock(path: Path = LOCK_FILE) -> dict[str, list[str]]:
    """``{canonical name: [entry, ...]}`` — each entry the pin line and its ``--hash`` lines, comments dropped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise LabError(f"cannot read {path} ({exc.strerror or exc}): the export pins from it") from None
    entries: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        m = _PIN.match(line)
        if m:
            current = [line.rstrip()]
            entries.setdefault(canonicalize_name(m.group("name")), []).append("")
        elif current is not None and line.strip().startswith("--hash="):
            current.append(line.rstrip())
        else:
            current = None
            continue
        last = next(reversed(entries))
        entries[last][-1] = "\n".join(current)
    for name, blocks in entries.items():
        for block in blocks:
            if "--hash=" not in block:
                raise LabError(f"{path}: {name} has no --hash lines (regenerate it with `make lock`)")
    return entries


def dependency_closure(roots: Iterable[str]) -> set[str]:
    """Canonical names of ``roots`` and everything they require, read from the installed metadata."""
    done: dict[str, set[str]] = {}
    todo = [_requirement(r, "export.dependencies") for r in roots]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        extras = set(req.extras)
        if name in done and extras <= done[name]:
            continue
        done.setdefault(name, set()).update(extras)
        try:
            requires = importlib.metadata.distribution(req.name).requires or []
        except importlib.metadata.PackageNotFoundError:
            raise LabError(
                f"export.dependencies: {req.name} is not installed, so its dependencies are unknown "
                "(install ibml's environment with `make venv`)"
            ) from None
        environments = [{"extra": e} for e in ("", *sorted(done[name]))]
        for text in requires:
            dep = _requirement(text, f"the metadata of {req.name}")
            if dep.marker is None or any(dep.marker.evaluate(env) for env in environments):
                todo.append(dep)
    return set(done)


def pinned_requirements(roots: Iterable[str], *, extra: Iterable[str] = (), lock: Path = LOCK_FILE) -> str:
    """The requirements.txt text: one locked entry per member of the closure of ``roots`` (plus ``extra``)."""
    entries = read_lock(lock)
    names = dependency_closure(roots) | {canonicalize_name(e) for e in extra}
    missing = sorted(n for n in names if n not in entries)
    if missing:
        raise LabError(
            f"{lock}: no pin for {', '.join(missing)} (needed by the lab's export.dependencies); "
            "add it to the project and run `make lock`"
        )
    return "\n".join(block for name in sorted(names) for block in entries[name]) + "\n"


def _requirement(text: str, where: str) -> Requirement:
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        raise LabError(f"{where}: {text!r} is not a valid requirement ({exc})") from None
