"""Our models as MLflow ``pyfunc`` models: one wrapper for the detector, the classifier and plain estimators.

Why a wrapper rather than MLflow's sklearn flavour: the flavour exposes ``predict`` and
``predict_proba`` only. A reviewer (and ``mlflow models serve``) needs what the service returns —
score, decision and reason codes — so the wrapper calls the same ``decide`` the service calls.

How it is stored: the native object is saved with joblib; the wrapper is logged *from code*
(``pyfunc_entry.py``, MLflow's recommended alternative to pickling the wrapper) with
``model_config = {"kind", "model_digest"}``.

Loading is where an attacker's code would run (unpickling calls whatever ``__reduce__`` names), so the
artifact's SHA-256 is compared, *before* anything is deserialised, with a digest that does not travel
with the artifact: the one recorded at registration (the ``ibml.model_digest`` tag of the model
version, and of the training run when it has one). The ``model_digest`` in the ``MLmodel`` file beside
the artifact is only a consistency check — whoever can replace ``native.joblib`` can edit it too.

* :func:`reference_impl.lifecycle.registry.load_version` (and ``load_champion``, ``ibml registry
  validate``) downloads the artifact, verifies it against the registry, then loads it — without going
  through MLflow's pyfunc loader, which would also execute the model's ``python_model.py``;
* ``NativeModelWrapper.load_context`` (``mlflow.pyfunc.load_model``) takes the expected digest from
  :func:`expect_digest`, else ``$IBML_MODEL_DIGEST``, else the ``ibml.model_digest`` tags the tracking
  store holds for the versions registered from (and the run of) the run named in ``MLmodel``; with none
  of them it refuses to load;
* :func:`native_from_pyfunc` refuses a wrapper that was not verified (or verified against another digest).
"""

from __future__ import annotations

import contextlib
import contextvars
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reference_impl.errors import ErrorKind, ModelError
from reference_impl.governance.lineage import file_digest
from reference_impl.lifecycle.tracking import pip_requirements, quiet_mlflow
from reference_impl.workspace import PACKAGE_DIR

KINDS = ("detector", "classifier", "estimator")
NATIVE_ARTIFACT = "native"
NATIVE_FILE = "native.joblib"
ENTRY_FILE = Path(__file__).resolve().parent / "pyfunc_entry.py"
DIGEST_TAG = "ibml.model_digest"
DIGEST_ENV = "IBML_MODEL_DIGEST"

_expected_digest: contextvars.ContextVar[str | None] = contextvars.ContextVar("ibml_expected_digest", default=None)


@contextlib.contextmanager
def expect_digest(digest: str) -> Iterator[None]:
    """Within the block, ``load_context`` verifies the native artifact against ``digest`` (from the registry)."""
    if not digest:
        raise ModelError("no recorded model digest to verify the artifact against; refusing to load")
    token = _expected_digest.set(digest)
    try:
        yield
    finally:
        _expected_digest.reset(token)


def verify_native(path: Path | str, expected_digest: str | None) -> str:
    """Check the SHA-256 of ``path`` against ``expected_digest`` *without* deserialising; return the digest.

    Raises a one-line :class:`ModelError` when there is no expected digest or it does not match.
    """
    path = Path(path)
    if not expected_digest:
        raise ModelError(f"model artifact {path.name} has no recorded digest to verify against; refusing to load")
    if not path.is_file():
        raise ModelError(f"model artifact {path.name} is missing", kind=ErrorKind.NOT_FOUND)
    got = file_digest(path)
    if got != expected_digest:
        raise ModelError(
            f"model artifact {path.name} digest {got[:12]} does not match the digest recorded at registration "
            f"{expected_digest[:12]}; refusing to load it (tampered or replaced)"
        )
    return got


def dump_native(model: Any, path: Path) -> str:
    """Save ``model`` with joblib at ``path`` and return the SHA-256 of the bytes written."""
    import joblib

    joblib.dump(model, path, compress=0)
    return file_digest(path)


def model_digest(model: Any) -> str:
    """Content digest of a fitted model: SHA-256 of its joblib bytes (same training, same digest)."""
    with tempfile.TemporaryDirectory() as tmp:
        return dump_native(model, Path(tmp) / NATIVE_FILE)


def load_native(path: Path | str, expected_digest: str | None) -> Any:
    """Load a joblib-saved model after :func:`verify_native` (``ModelError`` without a matching digest)."""
    import joblib

    verify_native(path, expected_digest)
    return joblib.load(path)


def _recorded_digest(model_dir: Path) -> str | None:
    """The digest the tracking store recorded for the model in ``model_dir``, if exactly one.

    The ``MLmodel`` file names the run (and MLflow 3's model id); the store holds the
    ``ibml.model_digest`` tag of the model versions registered from it and of the run. Several
    different recorded digests are ambiguous: ``None`` (then the load is refused).
    """
    try:
        with quiet_mlflow():
            from mlflow import MlflowClient
            from mlflow.models import Model

            mlmodel = Model.load(str(model_dir / "MLmodel"))
            run_id, model_id = mlmodel.run_id, getattr(mlmodel, "model_id", None)
            if not run_id:
                return None
            client = MlflowClient()
            found = {
                mv.tags.get(DIGEST_TAG)
                for mv in client.search_model_versions(f"run_id = '{run_id}'")
                if not model_id or not getattr(mv, "model_id", None) or mv.model_id == model_id
            }
            found.add(client.get_run(run_id).data.tags.get(DIGEST_TAG))
    except Exception:  # noqa: BLE001 -- no store, no run, no tag: nothing trusted to compare with (then refuse)
        return None
    found.discard(None)
    found.discard("")
    return found.pop() if len(found) == 1 else None


def trusted_digest(model_dir: Path) -> str | None:
    """The digest ``load_context`` verifies against: :func:`expect_digest`, ``$IBML_MODEL_DIGEST``, the run tag."""
    from reference_impl.lifecycle.settings import LifecycleSettings

    return _expected_digest.get() or LifecycleSettings().model_digest or _recorded_digest(model_dir)


def _as_frame(model_input: Any) -> pd.DataFrame:
    if isinstance(model_input, pd.DataFrame):
        return model_input
    return pd.DataFrame(model_input)


def to_signature_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as naive UTC: MLflow signatures cannot carry a time zone (``predict_frame`` restores it).

    >>> f = pd.DataFrame({"ts": pd.to_datetime(["2026-01-05 09:00+01:00"])})
    >>> str(to_signature_frame(f)["ts"].iloc[0])
    '2026-01-05 08:00:00'
    """
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_convert("UTC").dt.tz_localize(None)
    return out


def _restore_utc(frame: pd.DataFrame) -> pd.DataFrame:
    naive = [
        c
        for c in frame.columns
        if pd.api.types.is_datetime64_dtype(frame[c].dtype) and not isinstance(frame[c].dtype, pd.DatetimeTZDtype)
    ]
    if not naive:
        return frame
    out = frame.copy()
    for col in naive:
        out[col] = out[col].dt.tz_localize("UTC")
    return out


def decisions_to_frame(decisions: Sequence[Any]) -> pd.DataFrame:
    """The detector output columns from per-row decisions (objects with ``to_dict`` or plain dicts).

    The path for detectors without ``decide_frame``; ``TradeAnomalyDetector.decide_frame`` returns the same
    frame (a test compares them row for row).
    """
    decisions = [d.to_dict() if hasattr(d, "to_dict") else dict(d) for d in decisions]
    return pd.DataFrame(
        {
            "trade_id": [str(d.get("trade_id", "")) for d in decisions],
            "score": [float(d["score"]) for d in decisions],
            "threshold": [float(d["threshold"]) for d in decisions],
            "flagged": [bool(d["flagged"]) for d in decisions],
            "reason_codes": [";".join(str(r["code"]) for r in d.get("reasons", [])) for d in decisions],
            "fallback_used": [bool(d.get("fallback_used", False)) for d in decisions],
        }
    )


def predict_frame(kind: str, model: Any, model_input: Any) -> pd.DataFrame:
    """What the pyfunc ``predict`` returns for ``kind``: one row per input row.

    * ``detector``: trade_id, score, threshold, flagged, reason_codes (``;``-joined), fallback_used;
    * ``classifier``: label, confidence, route, reason (input column ``text``; a bare sklearn
      classifier gives label and confidence only);
    * ``estimator``: score (higher = more anomalous) and flagged for outlier detectors, else
      label and confidence.
    """
    frame = _as_frame(model_input)
    if kind == "detector":
        frame = _restore_utc(frame)  # naive timestamps arriving through an MLflow signature are UTC
        if hasattr(model, "decide_frame"):  # columnar: no Python object per trade (batch scoring's hot path)
            return model.decide_frame(frame)
        return decisions_to_frame(model.decide(frame))
    if kind == "classifier":
        if "text" not in frame.columns:
            raise ModelError("classifier input needs a 'text' column", kind=ErrorKind.INVALID)
        texts = frame["text"].astype(str).tolist()
        if hasattr(model, "decide"):  # the routed KycModel: label, confidence and the route it takes
            routed = [d.to_dict() for d in model.decide(texts)]
            return pd.DataFrame(
                {
                    "label": [d["label"] or "" for d in routed],
                    "confidence": [float(d["confidence"]) for d in routed],
                    "route": [str(d["route"]) for d in routed],
                    "reason": [str(d["reason"]) for d in routed],
                }
            )
        proba = np.asarray(model.predict_proba(texts))
        classes = np.asarray(model.classes_)
        return pd.DataFrame({"label": classes[proba.argmax(axis=1)].astype(str), "confidence": proba.max(axis=1)})
    if kind == "estimator":
        if hasattr(model, "score_samples"):
            out = pd.DataFrame({"score": -np.asarray(model.score_samples(frame), dtype=float)})
            if hasattr(model, "predict"):
                out["flagged"] = np.asarray(model.predict(frame)) == -1
            return out
        if hasattr(model, "predict_proba"):
            proba = np.asarray(model.predict_proba(frame))
            return pd.DataFrame(
                {"label": np.asarray(model.classes_)[proba.argmax(axis=1)].astype(str), "confidence": proba.max(axis=1)}
            )
        return pd.DataFrame({"label": np.asarray(model.predict(frame)).astype(str)})
    raise ModelError(f"unknown model kind {kind!r}; expected one of {', '.join(KINDS)}", kind=ErrorKind.INVALID)


try:  # the class is only usable with MLflow installed; the module imports without it for doctests
    with quiet_mlflow():
        from mlflow.pyfunc import PythonModel
except ImportError:  # pragma: no cover
    PythonModel = object  # type: ignore[assignment,misc]


class NativeModelWrapper(PythonModel):
    """``mlflow.pyfunc`` face of a native ibml model; ``.model`` is the native object once loaded."""

    def __init__(self) -> None:
        self.model: Any = None
        self.kind: str = "estimator"
        self.verified_digest: str | None = None

    def load_context(self, context: Any) -> None:
        config = dict(context.model_config or {})
        self.kind = str(config.get("kind", "estimator"))
        native = Path(context.artifacts[NATIVE_ARTIFACT])
        expected = trusted_digest(native.parent.parent)  # <model dir>/artifacts/native.joblib
        if expected and config.get("model_digest") not in (None, expected):
            raise ModelError(
                f"MLmodel records digest {str(config.get('model_digest'))[:12]} but registration recorded "
                f"{expected[:12]}; refusing to load {native.name}"
            )
        self.model = load_native(native, expected)
        self.verified_digest = expected

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        return predict_frame(self.kind, self.model, model_input)


@dataclass(frozen=True)
class LoggedModel:
    """What :func:`log_native_model` logged: where, and the digest of the native bytes."""

    model_uri: str
    model_id: str
    model_digest: str
    kind: str


def log_native_model(
    model: Any,
    *,
    kind: str,
    input_example: pd.DataFrame,
    name: str = "model",
    extra_pip_requirements: Sequence[str] = (),
    code_paths: Sequence[str] | None = None,
) -> LoggedModel:
    """Log ``model`` to the active run as a pyfunc model with signature, input example and pins.

    ``pip_requirements`` are explicit (MLflow's inference costs seconds per call). ``code_paths``
    defaults to the ``reference_impl`` package so the logged model (and a Docker image built from
    it) carries the exact code that trained it.
    """
    if kind not in KINDS:
        raise ModelError(f"unknown model kind {kind!r}; expected one of {', '.join(KINDS)}", kind=ErrorKind.INVALID)
    with quiet_mlflow():
        import mlflow
        from mlflow.models import infer_signature

        input_example = to_signature_frame(input_example)
        output_example = predict_frame(kind, model, input_example)
        signature = infer_signature(input_example, output_example)
        with tempfile.TemporaryDirectory() as tmp:
            native = Path(tmp) / NATIVE_FILE
            digest = dump_native(model, native)
            info = mlflow.pyfunc.log_model(
                name=name,
                python_model=str(ENTRY_FILE),
                artifacts={NATIVE_ARTIFACT: str(native)},
                model_config={"kind": kind, "model_digest": digest},
                signature=signature,
                input_example=input_example,
                pip_requirements=[*pip_requirements(), *extra_pip_requirements],
                code_paths=list(code_paths) if code_paths is not None else [str(PACKAGE_DIR)],
            )
    return LoggedModel(model_uri=info.model_uri, model_id=str(info.model_id), model_digest=digest, kind=kind)


def native_from_pyfunc(pyfunc_model: Any, expected_digest: str | None = None) -> Any:
    """The native object inside a loaded pyfunc model, which ``load_context`` verified before unpickling.

    Refuses a wrapper that was not verified, or (with ``expected_digest``, e.g. the registry's) one
    verified against a different digest.
    """
    wrapper = pyfunc_model.unwrap_python_model()
    if not isinstance(wrapper, NativeModelWrapper):
        raise ModelError(f"model is a {type(wrapper).__name__}, not an ibml NativeModelWrapper", kind=ErrorKind.INVALID)
    if not wrapper.verified_digest or (expected_digest and wrapper.verified_digest != expected_digest):
        raise ModelError("the pyfunc model's native artifact was not verified against the recorded digest")
    return wrapper.model


__all__ = [
    "KINDS",
    "LoggedModel",
    "NativeModelWrapper",
    "decisions_to_frame",
    "DIGEST_ENV",
    "DIGEST_TAG",
    "dump_native",
    "expect_digest",
    "load_native",
    "log_native_model",
    "model_digest",
    "native_from_pyfunc",
    "predict_frame",
    "to_signature_frame",
    "trusted_digest",
    "verify_native",
]
