"""Shared fixtures: every test gets a private HOME and a private IBML_HOME workspace.

Jupyter, matplotlib and MLflow write under HOME; the project writes under IBML_HOME. Pointing
both at temporary directories keeps tests hermetic and lets them run in parallel.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MPLBACKEND", "Agg")

_SESSION_HOME = tempfile.mkdtemp(prefix="ibml-test-home-")
os.environ["HOME"] = _SESSION_HOME
os.environ.setdefault("MPLCONFIGDIR", os.path.join(_SESSION_HOME, ".matplotlib"))

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A fresh, empty workspace (``IBML_HOME``) for one test."""
    from reference_impl.workspace import Workspace

    home = tmp_path / "ibml-home"
    monkeypatch.setenv("IBML_HOME", str(home))
    return Workspace(home)


def shared_dataset(relpath: str) -> Path:
    """Path to a file in ../shared/datasets; skip outside CI when absent, fail in CI."""
    path = SHARED_DATASETS / relpath
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"shared dataset {path} is missing in CI")
        pytest.skip(f"shared dataset {path} not available on this machine")
    return path
