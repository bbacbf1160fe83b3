"""Helpers for the slow tests that play a learner: swap in a solution, then run nbval or ``ibml progress``.

They prove two of the exercise properties end to end: a learner's notebook with a correct solution, run and
saved, re-executes to its own outputs (so ``pytest --nbval`` passes), and a wrong one is reported as failing by
``ibml progress``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat

from reference_impl.progress import exercises_in

REPO = Path(__file__).resolve().parents[3]
NOTEBOOKS = REPO / "notebooks"
SANITIZE = NOTEBOOKS / "sanitize.cfg"


def notebook_with_solutions(ipynb: Path, solutions: dict[str, str]) -> nbformat.NotebookNode:
    """The shipped notebook (stored outputs kept) with the bodies of the given exercises replaced."""
    nb = nbformat.read(ipynb, as_version=4)
    found = {ex_id: (title, idx) for ex_id, title, idx, _ in exercises_in(nb)}
    for ex_id, body in solutions.items():
        title, idx = found[ex_id]
        nb.cells[idx].source = f"# Exercise {ex_id} — {title}\n{body.strip()}\n"
    return nb


def run_as_learner(nb: nbformat.NotebookNode, folder: Path, name: str) -> nbformat.NotebookNode:
    """Execute ``nb`` top to bottom in a fresh kernel, as a learner's "Run all" then "Save" would."""
    from reference_impl.notebook_tools import execute_notebook

    folder.mkdir(parents=True, exist_ok=True)
    return execute_notebook(nb, folder, 300)


def run_nbval(nb: nbformat.NotebookNode, tmp_path: Path, name: str, timeout: int = 240) -> subprocess.CompletedProcess:
    """Write ``nb`` into ``tmp_path`` and run ``pytest --nbval`` on it in a subprocess (its own kernel)."""
    path = tmp_path / name
    nbformat.write(nb, path)
    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\n")
    # a fresh environment as a learner's kernel has: MLflow's set_tracking_uri/set_registry_uri write
    # MLFLOW_TRACKING_URI/MLFLOW_REGISTRY_URI into os.environ, so earlier tests in this process must not leak them
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "IBML_")) or k == "MLFLOW_DISABLE_TELEMETRY"}
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-sanitize-with", str(SANITIZE),
         "--nbval-cell-timeout", "120", "-p", "no:randomly", "-p", "no:cacheprovider", "-q",
         "-c", str(ini), "--rootdir", str(tmp_path), str(path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout,
    )
