"""``ibml lab export``: write a lab as a standalone repository a learner can push and a CI can run.

What an export holds, and why:

* the starter (or, ``with_solution``, starter + solution: for mentors and this repository's CI), its tests and
  fixtures — the specification travels with the code;
* ``README.md`` — the lab's own, with links into this repository rewritten (files it links to are copied under
  ``docs/ibml/``), and an "Install and run" section whose commands the export test executes verbatim;
* ``requirements.txt`` — pins and hashes copied from ``requirements.lock`` for the closure of the lab's
  ``[export] dependencies`` (:mod:`reference_impl.labs.pins`), installed with ``--require-hashes``;
* ``vendor/ibml-*.whl`` when the lab builds on ibml (``uses_ibml``), installed ``--no-deps``: the lab's closure
  already holds what the parts of ibml it uses import;
* a ``Dockerfile`` (python:3.11-slim, non-root, hashed install, HEALTHCHECK) and ``.dockerignore`` when the lab
  has a ``service``; ``.github/workflows/ci.yml`` running the specification and the ``validation_gate``.

Everything is written into a temporary sibling of the destination and renamed into place, so a failure leaves
nothing half-written; a destination that exists and is not empty is refused.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reference_impl import __version__
from reference_impl.errors import ErrorKind, WorkspaceError
from reference_impl.labs.assembly import IGNORED, overlay
from reference_impl.labs.catalogue import Lab, LabError
from reference_impl.labs.pins import LOCK_FILE, pinned_requirements

REPO = Path(__file__).resolve().parents[2]
PORT = 8000
_LINK = re.compile(r"(?<!!)\[(?P<text>[^\]\n]+)\]\((?P<target>[^)\s]+)\)")
_WHEEL_SOURCES = ("pyproject.toml", "README.md")


@dataclass(frozen=True)
class ExportResult:
    """What was written (paths relative to ``dest``) and the commands a learner runs next."""

    dest: Path
    files: list[str]
    next_commands: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        lines = [f"exported to {self.dest} ({len(self.files)} files):"]
        lines += [f"  {f}" for f in self.files]
        lines.append("next:")
        lines += [f"  {c}" for c in self.next_commands]
        return "\n".join(lines)


def install_commands(lab: Lab, wheel: str | None) -> list[str]:
    """The commands that install an export into an active virtualenv (README, CI and the export test use them)."""
    cmds = ["python -m pip install --require-hashes -r requirements.txt"]
    if wheel is not None:
        cmds.append(f"python -m pip install --no-deps vendor/{wheel}")
    cmds.append("python -m pip install --no-deps --no-build-isolation -e .")
    return cmds


def export_lab(
    lab: Lab, dest: Path, *, with_solution: bool = False, progress: Callable[[str], None] | None = None
) -> ExportResult:
    """Write the standalone repository for ``lab`` at ``dest``; see the module docstring for its contents."""
    dest = Path(dest).absolute()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise LabError(f"{dest} already exists and is not empty: export into a new directory", kind=ErrorKind.CONFLICT)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp"))
    except OSError as exc:
        raise WorkspaceError(f"cannot write next to {dest}: {exc.strerror or exc}") from None
    try:
        wheel = _write_tree(lab, tmp, with_solution=with_solution, progress=progress)
        files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        if dest.exists():
            dest.rmdir()  # empty (checked above)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    nxt = [
        f"cd {dest}",
        "python3.11 -m venv .venv && . .venv/bin/activate",
        *install_commands(lab, wheel),
        "python -m pytest",
        "git init && git add . && git commit -m 'Start from the ibml lab'",
    ]
    return ExportResult(dest, files, nxt)


def _write_tree(lab: Lab, root: Path, *, with_solution: bool, progress: Callable[[str], None] | None) -> str | None:
    shutil.copytree(lab.starter, root, ignore=IGNORED, dirs_exist_ok=True)
    if with_solution:
        overlay(lab.solution, root)
    wheel = None
    if lab.export.uses_ibml:
        if progress:
            progress(f"building the ibml {__version__} wheel into vendor/ ...")
        wheel = build_ibml_wheel(root / "vendor")
        _depend_on_ibml(root / "pyproject.toml")
    if progress:
        progress("pinning dependencies from requirements.lock ...")
    (root / "requirements.txt").write_text(_requirements_txt(lab), encoding="utf-8")
    (root / "README.md").write_text(_readme(lab, root, wheel, with_solution=with_solution), encoding="utf-8")
    (root / ".gitignore").write_text(".venv/\n__pycache__/\n*.pyc\n.pytest_cache/\n.hypothesis/\n", encoding="utf-8")
    workflow = root / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(_workflow(lab, wheel), encoding="utf-8")
    if lab.export.service:
        (root / "Dockerfile").write_text(_dockerfile(lab, wheel), encoding="utf-8")
        (root / ".dockerignore").write_text(
            ".git\n.github\n.venv\n**/__pycache__\n**/*.pyc\n.pytest_cache\n.hypothesis\ntests\ndocs\n",
            encoding="utf-8",
        )
    return wheel


def build_ibml_wheel(out_dir: Path) -> str:
    """Build the ibml wheel from this checkout (offline: no build isolation, no index) into ``out_dir``."""
    missing = [n for n in _WHEEL_SOURCES if not (REPO / n).is_file()]
    if missing or not (REPO / "reference_impl").is_dir():
        raise LabError(f"cannot build the ibml wheel: {REPO} is not the ibml checkout (missing {', '.join(missing)})")
    with tempfile.TemporaryDirectory(prefix="ibml-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name in _WHEEL_SOURCES:
            shutil.copy2(REPO / name, src / name)
        shutil.copytree(REPO / "reference_impl", src / "reference_impl", ignore=IGNORED)
        out_dir.mkdir(parents=True, exist_ok=True)
        built = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "-q",
                "-w",
                str(out_dir),
                str(src),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
    wheels = sorted(out_dir.glob("ibml-*.whl"))
    if built.returncode != 0 or len(wheels) != 1:
        last = (built.stderr or built.stdout).strip().splitlines()
        raise LabError(
            f"building the ibml wheel failed: {last[-1] if last else 'no output'}", kind=ErrorKind.UNAVAILABLE
        )
    return wheels[0].name


def _depend_on_ibml(pyproject: Path) -> None:
    """Add ``ibml==<version>`` to the exported project's dependencies (it is installed from vendor/)."""
    text = pyproject.read_text(encoding="utf-8")
    new, n = re.subn(
        r"(?m)^dependencies = \[\n", f'dependencies = [\n    "ibml=={__version__}",  # vendor/\n', text, count=1
    )
    if n != 1:
        raise LabError(f"{pyproject}: [project] dependencies must be a multi-line list to add ibml to it")
    pyproject.write_text(new, encoding="utf-8")


def _requirements_txt(lab: Lab) -> str:
    head = (
        f"# Pinned for the {lab.id} lab by `ibml lab export` (ibml {__version__}): the dependencies in lab.toml and\n"
        "# everything they require, with versions and hashes from ibml's requirements.lock (CPython 3.11, Linux).\n"
        "# setuptools builds this project (`pip install --no-build-isolation -e .`). Install with --require-hashes.\n"
    )
    return head + pinned_requirements(lab.export.dependencies, extra=["setuptools"], lock=LOCK_FILE)


def _readme(lab: Lab, root: Path, wheel: str | None, *, with_solution: bool) -> str:
    readme = lab.root / "README.md"
    body = readme.read_text(encoding="utf-8") if readme.is_file() else f"# {lab.title}\n\n{lab.summary}\n"
    body = _rewrite_links(body, lab, root).replace("cd starter && ", "")  # the starter is the root here
    install = ["python3.11 -m venv .venv && . .venv/bin/activate", *install_commands(lab, wheel), "python -m pytest"]
    parts = [
        "## Install and run (this repository)",
        "",
        f"Exported from the ibml course (`ibml lab export {lab.id}`). With Python 3.11:",
        "",
        "```bash",
        *install,
        "```",
        "",
    ]
    if lab.export.validation_gate:
        parts += [
            "The model validation gate (CI runs it after the tests):",
            "",
            "```bash",
            lab.export.validation_gate,
            "```",
            "",
        ]
    parts.append(
        "The specification is `tests/` (one file per milestone); `.github/workflows/ci.yml` runs it on every push."
    )
    if wheel:
        parts.append(
            "`vendor/` holds the ibml wheel this lab builds on, installed without its dependencies: the "
            "pinned `requirements.txt` already has what the parts used here need."
        )
    if lab.export.service:
        parts += [
            "",
            f"Serve it: `uvicorn {lab.export.service} --port {PORT}`. The `Dockerfile` builds the same "
            f"service (non-root, hashed install, HEALTHCHECK): `docker build -t {lab.id} .` — it was linted "
            "(hadolint) where it was exported, not built (no registry access there).",
        ]
    if with_solution:
        parts += ["", "**This export has the reference solution filled in** (`--with-solution`, for mentors and CI)."]
    section = "\n" + "\n".join(parts) + "\n"
    lines = body.split("\n", 1)
    return lines[0] + "\n" + section + "\n" + (lines[1] if len(lines) > 1 else "")


def _rewrite_links(text: str, lab: Lab, root: Path) -> str:
    """Links into this repository: kept when the target is in the export, copied under docs/ibml/ when it is a
    file elsewhere in the repository, reduced to their text otherwise (a folder of the course repository)."""

    def fix(m: re.Match[str]) -> str:
        label, target = m.group("text"), m.group("target")
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            return m.group(0)
        path_part, _, anchor = target.partition("#")
        resolved = (lab.root / path_part).resolve()
        repo = lab.root.parent.parent  # labs/<id>/ sits in the repository root
        suffix = f"#{anchor}" if anchor else ""
        starter = lab.starter.resolve()
        if resolved.is_relative_to(starter):
            return f"[{label}]({resolved.relative_to(starter).as_posix() or '.'}{suffix})"
        if resolved.is_file() and resolved.is_relative_to(repo) and not resolved.is_relative_to(lab.root):
            rel = resolved.relative_to(repo)
            copy = root / "docs" / "ibml" / rel
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(resolved, copy)
            return f"[{label}](docs/ibml/{rel.as_posix()}{suffix})"
        return f"{label} (in the ibml course repository)"

    return _LINK.sub(fix, text)


def _workflow(lab: Lab, wheel: str | None) -> str:
    install = "\n".join(f"          {c}" for c in install_commands(lab, wheel))
    gate = ""
    if lab.export.validation_gate:
        gate = f"      - name: Model validation gate\n        run: {lab.export.validation_gate}\n"
    docker = ""
    if lab.export.service:
        docker = (
            "  image:\n    runs-on: ubuntu-latest\n    needs: test\n    steps:\n"
            "      - uses: actions/checkout@v5\n"
            f"      - name: Build the service image\n        run: docker build -t {lab.id}:ci .\n"
        )
    return (
        f"# CI for the {lab.id} lab: install the pinned environment, run the specification"
        + (" and the validation gate" if gate else "")
        + ".\n"
        "name: ci\n\non:\n  push:\n  pull_request:\n\npermissions:\n  contents: read\n\njobs:\n"
        "  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 20\n    steps:\n"
        "      - uses: actions/checkout@v5\n"
        '      - uses: actions/setup-python@v6\n        with:\n          python-version: "3.11"\n'
        f"      - name: Install (pinned, hashed)\n        run: |\n{install}\n"
        "      - name: Specification\n        run: python -m pytest\n"
        f"{gate}{docker}"
    )


def _dockerfile(lab: Lab, wheel: str | None) -> str:
    module, _, attr = (lab.export.service or "").partition(":")
    vendor = "COPY vendor/ ./vendor/\n" if wheel else ""
    wheel_install = f" \\\n && pip install --no-cache-dir --no-deps vendor/{wheel}" if wheel else ""
    return (
        f"# The {lab.id} service. Build: docker build -t {lab.id} .   Run: docker run -p {PORT}:{PORT} {lab.id}\n"
        "FROM python:3.11-slim\n\n"
        "ENV PYTHONDONTWRITEBYTECODE=1 \\\n    PYTHONUNBUFFERED=1 \\\n    PIP_DISABLE_PIP_VERSION_CHECK=1\n\n"
        "WORKDIR /app\n\n"
        "# dependencies first (a layer that changes only when the pins do), every file checked against its hash\n"
        f"COPY requirements.txt ./\n{vendor}"
        f"RUN pip install --no-cache-dir --require-hashes -r requirements.txt{wheel_install}\n\n"
        f"COPY pyproject.toml ./\nCOPY {lab.package}/ ./{lab.package}/\n"
        "RUN pip install --no-cache-dir --no-deps --no-build-isolation . \\\n"
        " && useradd --create-home --uid 10001 --shell /usr/sbin/nologin app\n\n"
        "USER 10001\n"
        f"EXPOSE {PORT}\n"
        "HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \\\n"
        f'  CMD ["python", "-c", "import socket; socket.create_connection((\'127.0.0.1\', {PORT}), 2).close()"]\n'
        f'CMD ["uvicorn", "{module}:{attr}", "--host", "0.0.0.0", "--port", "{PORT}"]\n'
    )
