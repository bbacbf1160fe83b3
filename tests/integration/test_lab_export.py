"""Every lab, exported with its solution, installs in a fresh virtualenv outside the repository and passes there.

This is what a learner does after ``ibml lab export <id> DIR``: follow the export's README. The test reads the
commands from the README's "Install and run" block and runs them (in a virtualenv it creates in a temporary
directory, so nothing of this checkout's environment leaks in), then the tests, then the validation gate the
workflow runs; actionlint and hadolint must find nothing in the workflow and the Dockerfile.

Installing is the slow part (pinned wheels for pandas, scikit-learn, pyarrow...): the labs are installed two at
a time, through ``uv`` when the project venv has it, else pip with the shared pip cache. Each install's wall time
is printed (``pytest -s``) so it can be watched.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reference_impl.labs import Lab, discover
from reference_impl.labs.export import export_lab

# the module fixture installs every lab (minutes on a loaded two-core machine): above the 600 s default per test
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
UV = BIN / "uv"
LABS = discover()
# read before the test fixtures point HOME at a temporary directory: the cache is what makes installs quick
PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
README_BLOCK = "## Install and run (this repository)"


@dataclass
class Installed:
    lab: Lab
    root: Path
    python: Path
    seconds: float = 0.0
    log: list[str] = field(default_factory=list)
    error: str = ""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "IBML_HOME", "PYTHONHOME")}
    env["PIP_CACHE_DIR"] = PIP_CACHE
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def readme_commands(readme: Path) -> list[str]:
    """The shell lines of the README's install block, after the line that creates and activates the venv."""
    text = readme.read_text(encoding="utf-8").split(README_BLOCK, 1)[1]
    block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    assert lines[0].startswith("python3.11 -m venv .venv"), lines[0]
    return lines[1:]


def _argv(command: str, python: Path) -> list[str]:
    """``python -m pip install ...`` / ``python -m pytest`` with the venv's interpreter (uv for installs if present)."""
    argv = shlex.split(command)
    assert argv[0] == "python", f"README command does not start with python: {command}"
    if argv[1:4] == ["-m", "pip", "install"] and UV.exists():
        return [str(UV), "pip", "install", "--python", str(python), *argv[4:]]
    return [str(python), *argv[1:]]


def _install(lab: Lab, base: Path) -> Installed:
    root = base / lab.id / "repo"
    export_lab(lab, root, with_solution=True)
    venv = base / lab.id / "venv"  # outside the export and outside this repository
    start = time.perf_counter()
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, check=False)
    out = Installed(lab, root, venv / "bin" / "python")
    if made.returncode != 0:
        out.error = made.stderr
        return out
    for command in readme_commands(root / "README.md"):
        if command.startswith("python -m pytest"):
            continue  # run by the test itself
        done = subprocess.run(
            _argv(command, out.python), cwd=root, env=_env(), capture_output=True, text=True, check=False, timeout=900
        )
        out.log.append(f"$ {command}\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
        if done.returncode != 0:
            out.error = out.log[-1]
            break
    out.seconds = time.perf_counter() - start
    return out


@pytest.fixture(scope="module")
def installed(request, tmp_path_factory) -> dict[str, Installed]:
    """Export and install the labs the selected tests need (``-k feature-store`` installs one), two at a time."""
    wanted = {
        item.callspec.params["lab"].id
        for item in request.session.items
        if getattr(item, "module", None) is request.module and hasattr(item, "callspec")  # doctest items have no module
    }
    base = tmp_path_factory.mktemp("lab-exports")
    assert not base.resolve().is_relative_to(REPO), "the exports must live outside the repository"
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda lab: _install(lab, base), [lab for lab in LABS if lab.id in wanted]))
    for r in results:
        print(f"\n[lab export] {r.lab.id}: installed in {r.seconds:.1f} s ({'uv' if UV.exists() else 'pip'})")
    yield {r.lab.id: r for r in results}
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_the_export_installs_and_its_tests_pass_outside_the_repository(installed, lab):
    r = installed[lab.id]
    assert not r.error, f"{lab.id}: installing the export as its README says failed:\n{r.error}"
    where = subprocess.run(
        [str(r.python), "-c", "import reference_impl, sys; print(reference_impl.__file__)"],
        cwd=r.root,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if lab.export.uses_ibml:
        assert where.returncode == 0 and not Path(where.stdout.strip()).is_relative_to(REPO), where.stdout
    tests = subprocess.run(
        [str(r.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=r.root,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert tests.returncode == 0, (
        f"{lab.id}: the exported specification fails:\n{tests.stdout[-4000:]}{tests.stderr[-2000:]}"
    )
    if lab.export.validation_gate:
        gate = subprocess.run(
            [str(r.python), *shlex.split(lab.export.validation_gate)[1:]],
            cwd=r.root,
            env=_env(),
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        assert gate.returncode == 0, f"{lab.id}: the validation gate fails:\n{gate.stdout[-3000:]}{gate.stderr[-2000:]}"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_the_workflow_and_dockerfile_lint_clean(installed, lab):
    root = installed[lab.id].root
    targets = [("actionlint", root / ".github" / "workflows" / "ci.yml")]
    if lab.export.service:
        targets.append(("hadolint", root / "Dockerfile"))
    else:
        assert not (root / "Dockerfile").exists()
    for tool, path in targets:
        lint = subprocess.run([str(BIN / tool), str(path)], capture_output=True, text=True, check=False)
        assert lint.returncode == 0, f"{lab.id}: {tool} {path.name}:\n{lint.stdout}{lint.stderr}"
