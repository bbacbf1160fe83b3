"""Save and load a fitted :class:`TradeAnomalyDetector`, sealed so that a replaced pickle is never run.

Layout of a saved detector (a directory, written atomically — a crash leaves the old one intact)::

    detector.joblib          the pickled detector (joblib)
    detector.joblib.sha256   its SHA-256 (for people and tools; proves nothing on its own)
    detector.joblib.seal     HMAC of that digest under the model-seal key, which lives outside the workspace
    metadata.json            model/rule-set versions, training digest, threshold, library versions

Unpickling runs code. A digest file beside the pickle stops corruption, not an attacker who can write the
directory (they recompute it), so :func:`load_detector` checks the *seal* before a byte is unpickled: forging
one needs the key in the identity directory (:mod:`reference_impl.governance.seal`, which also says what
production adds: a KMS-held signing key). MLflow's skops format would need the tree classes listed as
trusted types for IsolationForest anyway.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn

from reference_impl.anomaly.detector import TradeAnomalyDetector
from reference_impl.errors import ConfigError, ErrorKind, ModelError
from reference_impl.governance.lineage import file_digest
from reference_impl.governance.seal import seal_digest, seal_key, verify_seal
from reference_impl.workspace import atomic_dir

MODEL_FILE = "detector.joblib"
DIGEST_FILE = MODEL_FILE + ".sha256"
SEAL_FILE = MODEL_FILE + ".seal"
SEAL_PURPOSE = "trade-detector"
METADATA_FILE = "metadata.json"


def detector_metadata(detector: TradeAnomalyDetector) -> dict[str, Any]:
    """What a reviewer (or the service's /models endpoint) needs to know without unpickling.

    Raises :class:`~reference_impl.anomaly.ModelNotFittedError` for an unfitted detector.
    """
    detector._check_is_fitted()
    return {
        "model_version": detector.model_version_,
        "ruleset_version": detector.ruleset_version,
        "ruleset_digest": detector._rules().digest,
        "training_digest": detector.training_digest_,
        "threshold": detector.threshold_,
        "threshold_source": detector.threshold_source_,
        "features": detector.features_,
        "n_estimators": detector.n_estimators,
        "library_versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
    }


def save_detector(detector: TradeAnomalyDetector, path: Path | str) -> Path:
    """Write ``detector`` to the directory ``path`` (replaced as a whole); returns the path."""
    if not isinstance(detector, TradeAnomalyDetector):
        raise ModelError(
            f"save_detector expects a TradeAnomalyDetector, got {type(detector).__name__}", kind=ErrorKind.INVALID
        )
    meta = detector_metadata(detector)  # raises ModelNotFittedError (a ModelError) when unfitted
    path = Path(path)
    key = seal_key(create=True)  # before anything is written: a key problem leaves the old detector in place
    with atomic_dir(path) as tmp:
        joblib.dump(detector, tmp / MODEL_FILE)
        digest = file_digest(tmp / MODEL_FILE)
        (tmp / DIGEST_FILE).write_text(f"{digest}  {MODEL_FILE}\n")
        (tmp / SEAL_FILE).write_text(seal_digest(key, SEAL_PURPOSE, digest) + "\n")
        (tmp / METADATA_FILE).write_text(json.dumps({**meta, "sha256": digest}, indent=2, sort_keys=True))
    return path


def load_detector(path: Path | str, *, warm_up: bool = True) -> TradeAnomalyDetector:
    """Load a detector saved by :func:`save_detector`, after checking its digest and its seal.

    ``warm_up`` builds the SHAP explainer straight away (seconds, once) so the first decision is fast.

    Raises
    ------
    ModelError
        If the directory, the model file, its digest or its seal is missing, the digest does not match, or
        the seal does not verify under the model-seal key (then nothing was unpickled).
    """
    path = Path(path)
    model, digest_file = path / MODEL_FILE, path / DIGEST_FILE
    if not model.is_file():
        raise ModelError(f"no saved detector at {path} (expected {MODEL_FILE})", kind=ErrorKind.NOT_FOUND)
    if not digest_file.is_file():
        raise ModelError(f"detector at {path} has no {DIGEST_FILE}: refusing to load an unverified file")
    expected = digest_file.read_text().split()[0] if digest_file.read_text().split() else ""
    actual = file_digest(model)
    if actual != expected:
        raise ModelError(f"detector at {path} failed its integrity check (sha256 {actual[:12]}… != {expected[:12]}…)")
    seal_file = path / SEAL_FILE
    if not seal_file.is_file():
        raise ModelError(
            f"detector at {path} has no {SEAL_FILE}: refusing to unpickle an unsealed file "
            "(re-train it with `ibml anomaly train` or `ibml demo`)"
        )
    try:
        key = seal_key(create=False)
    except ConfigError as exc:
        raise ModelError(f"detector at {path} cannot be verified: {exc}") from None
    if not verify_seal(key, SEAL_PURPOSE, actual, seal_file.read_text()):
        raise ModelError(f"detector at {path} failed its seal check: it was not saved with this host's seal key")
    detector = joblib.load(model)
    if not isinstance(detector, TradeAnomalyDetector):
        raise ModelError(f"{model} holds a {type(detector).__name__}, not a TradeAnomalyDetector")
    return detector.warm_up() if warm_up else detector


__all__ = ["detector_metadata", "load_detector", "save_detector"]
