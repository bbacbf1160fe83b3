"""Finding 5, the local loader: a replaced ``detector.joblib`` never runs, even with a recomputed digest.

The reviewer's repro: someone who can write the model directory replaces the pickle with one whose
``__reduce__`` writes a marker file, and rewrites ``detector.joblib.sha256`` to match. A digest beside the file
proves nothing against that, so ``load_detector`` checks the *seal* (an HMAC of the digest under a key kept
outside the workspace) before unpickling: the load is refused with a one-line error and the marker never appears.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

import pytest

from reference_impl.errors import ConfigError, ModelError
from reference_impl.governance.lineage import file_digest
from reference_impl.governance.seal import ModelSealSettings, seal_key

sys.path.insert(0, str(Path(__file__).parents[1] / "unit" / "anomaly"))
from anomaly_fixtures import fitted, trade_data  # noqa: F401  (pytest fixtures)


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _replace_with_evil(path: Path, marker: Path, *, fix_digest: bool) -> None:
    from reference_impl.anomaly.persistence import DIGEST_FILE, MODEL_FILE

    (path / MODEL_FILE).write_bytes(pickle.dumps(_Evil(marker)))
    if fix_digest:
        (path / DIGEST_FILE).write_text(f"{file_digest(path / MODEL_FILE)}  {MODEL_FILE}\n")


def test_a_replaced_pickle_with_a_recomputed_digest_is_refused_before_it_runs(fitted, tmp_path):
    from reference_impl.anomaly import load_detector, save_detector

    path = save_detector(fitted, tmp_path / "trade-anomaly")
    marker = tmp_path / "pwned"
    _replace_with_evil(path, marker, fix_digest=True)
    with pytest.raises(ModelError, match="seal check"):
        load_detector(path, warm_up=False)
    assert not marker.exists()


def test_a_missing_seal_or_key_is_refused_and_nothing_is_unpickled(fitted, tmp_path, monkeypatch):
    from reference_impl.anomaly import load_detector, save_detector
    from reference_impl.anomaly.persistence import SEAL_FILE

    path = save_detector(fitted, tmp_path / "trade-anomaly")
    marker = tmp_path / "pwned"
    _replace_with_evil(path, marker, fix_digest=True)
    (path / SEAL_FILE).unlink()  # the attacker deletes the seal rather than forging it
    with pytest.raises(ModelError, match="unsealed"):
        load_detector(path, warm_up=False)
    sealed = save_detector(fitted, tmp_path / "sealed")
    _replace_with_evil(sealed, marker, fix_digest=True)
    monkeypatch.setenv("IBML_MODEL_SEAL_KEY_FILE", str(tmp_path / "elsewhere" / "no.key"))  # the key is gone
    with pytest.raises(ModelError, match="cannot be verified"):
        load_detector(sealed, warm_up=False)
    assert not marker.exists()


def test_a_seal_made_with_another_key_does_not_verify(fitted, tmp_path, monkeypatch):
    """Copying a sealed detector from another host (another key) is refused: the seal binds host and file."""
    from reference_impl.anomaly import load_detector, save_detector

    monkeypatch.setenv("IBML_MODEL_SEAL_KEY_FILE", str(tmp_path / "host-a" / "seal.key"))
    path = save_detector(fitted, tmp_path / "trade-anomaly")
    monkeypatch.setenv("IBML_MODEL_SEAL_KEY_FILE", str(tmp_path / "host-b" / "seal.key"))
    seal_key(create=True)
    with pytest.raises(ModelError, match="seal check"):
        load_detector(path, warm_up=False)
    monkeypatch.setenv("IBML_MODEL_SEAL_KEY_FILE", str(tmp_path / "host-a" / "seal.key"))
    assert load_detector(path, warm_up=False).model_version_ == fitted.model_version_


def test_the_key_lives_outside_the_workspace_with_mode_0600(fitted, tmp_path, monkeypatch):
    from reference_impl.anomaly import save_detector

    save_detector(fitted, tmp_path / "trade-anomaly")
    key = ModelSealSettings().key_path()
    home = Path(os.environ["IBML_HOME"]).resolve()
    assert key.is_file() and not key.is_relative_to(home)
    assert key.stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("IBML_MODEL_SEAL_KEY_FILE", str(home / "seal.key"))
    with pytest.raises(ConfigError, match="inside the workspace"):
        save_detector(fitted, tmp_path / "again")
    assert not (tmp_path / "again").exists()  # refused before anything was written
