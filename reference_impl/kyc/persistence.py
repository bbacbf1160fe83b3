"""Save and load a :class:`~reference_impl.kyc.model.KycModel` without pickle.

A model directory holds ``classifier.skops`` (the fitted pipeline in skops format, which loads only
types we list as trusted — no arbitrary code on load), ``routing.json`` (thresholds and guard
settings: a human-readable control that reviewers can diff), ``metadata.json`` and ``SHA256SUMS``.
Loading verifies every digest first, so a tampered or half-copied model is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import skops.io as sio

from reference_impl.errors import ErrorKind, ModelError
from reference_impl.governance.lineage import file_digest
from reference_impl.kyc.classifier import KycClassifier
from reference_impl.kyc.model import KycModel
from reference_impl.kyc.routing import ConfidenceRouter
from reference_impl.workspace import Workspace, atomic_dir

FILES = ("classifier.skops", "routing.json", "metadata.json")
# Types skops does not trust by default that a KycClassifier legitimately contains; anything else is refused.
TRUSTED_TYPES: frozenset[str] = frozenset(
    {
        "reference_impl.kyc.classifier.KycClassifier",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._TemperatureScaling",
    }
)


def default_model_dir(workspace: Workspace | None = None) -> Path:
    """Where ``ibml kyc train`` saves and ``ibml kyc classify`` loads: ``<IBML_HOME>/models/kyc``."""
    return (workspace or Workspace.from_env()).models_dir / "kyc"


def save_classifier(model: KycModel, path: Path | str) -> Path:
    """Write ``model`` to the directory ``path`` atomically (all files or none); return ``path``."""
    path = Path(path)
    if not hasattr(model.classifier, "model_"):
        raise ModelError("cannot save an unfitted KYC classifier")
    with atomic_dir(path) as tmp:
        sio.dump(model.classifier, tmp / "classifier.skops")
        (tmp / "routing.json").write_text(json.dumps(model.router.to_dict(), indent=2, sort_keys=True) + "\n")
        (tmp / "metadata.json").write_text(json.dumps(model.metadata, indent=2, sort_keys=True, default=str) + "\n")
        sums = "".join(f"{file_digest(tmp / name)}  {name}\n" for name in FILES)
        (tmp / "SHA256SUMS").write_text(sums)
    return path


def load_classifier(path: Path | str) -> KycModel:
    """Load a model saved by :func:`save_classifier`, verifying digests and refusing untrusted types."""
    path = Path(path)
    sums_file = path / "SHA256SUMS"
    if not sums_file.is_file():
        raise ModelError(
            f"no KYC model at {path}: run `ibml kyc train` first (or pass --model DIR)", kind=ErrorKind.NOT_FOUND
        )
    expected: dict[str, str] = {}
    for line in sums_file.read_text().splitlines():
        if line.strip():
            digest, _, name = line.partition("  ")  # sha256sum's format: "<digest>  <name>"
            expected[name] = digest
    for name in FILES:
        file = path / name
        if not file.is_file() or expected.get(name) != file_digest(file):
            raise ModelError(f"KYC model file {file} is missing or does not match SHA256SUMS (tampered or incomplete)")
    untrusted = set(sio.get_untrusted_types(file=path / "classifier.skops")) - TRUSTED_TYPES
    if untrusted:
        raise ModelError(f"KYC model {path} contains types that are not trusted: {sorted(untrusted)}")
    classifier = sio.load(path / "classifier.skops", trusted=sorted(TRUSTED_TYPES))
    if not isinstance(classifier, KycClassifier):
        raise ModelError(f"KYC model {path} does not hold a KycClassifier (got {type(classifier).__name__})")
    try:
        routing = json.loads((path / "routing.json").read_text())
        metadata = json.loads((path / "metadata.json").read_text())
    except json.JSONDecodeError as exc:
        raise ModelError(f"KYC model {path} has malformed JSON: {exc}") from None
    return KycModel(classifier, ConfidenceRouter.from_dict(routing), metadata)


__all__ = ["FILES", "TRUSTED_TYPES", "default_model_dir", "load_classifier", "save_classifier"]
