"""Finding 5 (rest): ``ibml batch score`` never runs code from the artifact store.

Reproduced on the old main: batch loaded the champion with ``mlflow.pyfunc.load_model``, which executes
the artifact's ``python_model.py`` (the pyfunc entry file, code the registration digest does not cover)
before the wrapper's ``load_context`` checks anything. An attacker who can write to the artifact store
edited that file and it ran on ``ibml batch score``. Batch now loads through
``lifecycle.registry.load_version`` (only ``native.joblib`` is read, after its bytes match the digest
recorded at registration) and both engines score with that verified object.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from reference_impl.batch.demo import build_batch_demo
from reference_impl.cli import main
from reference_impl.workspace import Workspace

pytestmark = pytest.mark.slow


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def env(tmp_path, monkeypatch):
    demo = build_batch_demo(Workspace(tmp_path / "ibml-home"), n_trades=1200, n_days=8)
    monkeypatch.setenv("IBML_HOME", str(demo.workspace.root))
    monkeypatch.setenv("IBML_USER", "batch-operator")
    return demo


def _stored(demo, name: str) -> list[Path]:
    found = [p for p in demo.workspace.root.rglob(name) if "artifacts" in p.parts or p.parent.name == "model"]
    assert found, f"no stored {name} under {demo.workspace.root}"
    return found


def _tamper_entry(demo, marker: Path) -> None:
    """Append code that touches ``marker`` to every stored copy of the pyfunc entry file (python_model.py)."""
    from reference_impl.lifecycle.pyfunc import ENTRY_FILE

    entries = [p for p in demo.workspace.root.rglob("*.py") if p.name in {"python_model.py", ENTRY_FILE.name}
               and "reference_impl" not in p.parts]
    assert entries, "no stored pyfunc entry file"
    for p in entries:
        p.write_text(p.read_text() + f"\nimport pathlib\npathlib.Path({str(marker)!r}).touch()\n")


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("ibml: error: ") and "\n" not in err and "Traceback" not in err, err
    return err


def test_a_tampered_artifact_is_refused_in_one_line_without_running_it(env, tmp_path, capsys):
    from reference_impl.lifecycle.pyfunc import NATIVE_FILE

    marker = tmp_path / "PWNED"
    _tamper_entry(env, marker)
    for native in _stored(env, NATIVE_FILE):
        native.write_bytes(pickle.dumps(_Evil(marker)))
    rc = main(["batch", "score", "--engine", "pandas", "--date", env.busiest_day.isoformat()])
    assert rc != 0
    assert "does not match the digest recorded at registration" in _one_error_line(capsys)
    assert not marker.exists()


def test_an_edited_entry_file_never_runs_and_the_verified_model_scores(env, tmp_path, capsys):
    marker = tmp_path / "PWNED"
    _tamper_entry(env, marker)
    rc = main(["batch", "score", "--engine", "pandas", "--date", env.busiest_day.isoformat()])
    assert rc == 0, capsys.readouterr().err
    assert not marker.exists()
