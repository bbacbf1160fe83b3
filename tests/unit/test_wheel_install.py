"""Installed from a wheel, the package works from any directory and keeps its workspace out of site-packages."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _setuptools_can_build() -> None:
    version = importlib.metadata.version("setuptools")
    if int(version.split(".")[0]) < 77:
        reason = f"setuptools {version} < 77 cannot build pyproject.toml (PEP 639 licence); reinstall from requirements.lock"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The package built as a wheel (from a copy of the sources) and installed with ``--target``."""
    _setuptools_can_build()
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(REPO / "reference_impl", src / "reference_impl",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    quiet = {"capture_output": True, "text": True, "timeout": 300}
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-w", str(root / "dist"), str(src)], check=False, **quiet)
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next((root / "dist").glob("ibml-*.whl"))
    target = root / "site"
    inst = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(target),
                           str(wheel)], check=False, **quiet)
    assert inst.returncode == 0, inst.stdout + inst.stderr
    return target


def _run(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("IBML_HOME", "PYTHONPATH")}
    env["PYTHONPATH"] = str(target)
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_the_wheel_ships_the_package_data(installed):
    templates = installed / "reference_impl" / "lifecycle" / "templates"
    assert list(templates.glob("mlflow-schema-*.sqlite.gz"))
    assert (templates / "model_card.md").is_file() and (templates / "model_card.html").is_file()
    assert not (installed / "tests").exists() and not (installed / "notebooks").exists()


def test_the_default_workspace_is_under_the_current_directory_not_site_packages(installed, tmp_path):
    cwd = tmp_path / "somewhere"
    cwd.mkdir()
    code = ("import reference_impl, reference_impl.workspace as w, reference_impl.lifecycle.pyfunc as p;"
            "print(reference_impl.__file__); print(w.default_home()); print(w.PACKAGE_DIR)")
    out = _run(installed, cwd, sys.executable, "-c", code)
    assert out.returncode == 0, out.stderr
    package_file, home, package_dir = out.stdout.splitlines()
    assert Path(package_file).is_relative_to(installed), "imported the installed copy, not the checkout"
    assert Path(home) == cwd.resolve() / ".ibml"
    assert Path(package_dir) == (installed / "reference_impl").resolve()  # what MLflow models ship as code_paths
    assert not list(installed.rglob(".ibml")), "nothing is written inside the installation"


def test_the_console_script_runs(installed, tmp_path):
    out = _run(installed, tmp_path, str(installed / "bin" / "ibml"), "--help")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: ibml")
    version = _run(installed, tmp_path, str(installed / "bin" / "ibml"), "--version")
    assert version.stdout.strip() == f"ibml {importlib.metadata.version('ibml')}"
