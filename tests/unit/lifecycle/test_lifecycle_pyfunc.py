"""The pyfunc face of our models: output columns per kind and the artifact digest check."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from reference_impl.errors import ModelError
from reference_impl.lifecycle.pyfunc import dump_native, load_native, model_digest, predict_frame


@dataclass
class _Decision:
    trade_id: str
    score: float

    def to_dict(self):
        return {"trade_id": self.trade_id, "score": self.score, "threshold": 0.5, "flagged": self.score > 0.5,
                "reasons": [{"code": "FAT_FINGER"}, {"code": "NEW_CPTY"}] if self.score > 0.5 else [],
                "fallback_used": False}


class _Detector:
    def decide(self, frame):
        return [_Decision(t, s) for t, s in zip(frame["trade_id"], frame["x"])]


def test_detector_output_has_scores_decisions_and_reason_codes():
    out = predict_frame("detector", _Detector(), pd.DataFrame({"trade_id": ["t1", "t2"], "x": [0.9, 0.1]}))
    assert list(out.columns) == ["trade_id", "score", "threshold", "flagged", "reason_codes", "fallback_used"]
    assert out["reason_codes"].tolist() == ["FAT_FINGER;NEW_CPTY", ""]
    assert out["flagged"].tolist() == [True, False]


class _ColumnarDetector(_Detector):
    def __init__(self):
        self.seen = None

    def decide_frame(self, frame):
        self.seen = frame
        return pd.DataFrame({"trade_id": frame["trade_id"].astype(str), "score": frame["x"], "threshold": 0.5,
                             "flagged": frame["x"] > 0.5, "reason_codes": "", "fallback_used": False})

    def decide(self, frame):
        raise AssertionError("a detector with decide_frame must not be asked for per-row decisions")


def test_detector_with_decide_frame_is_scored_by_columns():
    det = _ColumnarDetector()
    frame = pd.DataFrame({"trade_id": ["t1", "t2"], "x": [0.9, 0.1], "ts": pd.Timestamp("2026-01-05 09:00")})
    out = predict_frame("detector", det, frame)
    assert out["flagged"].tolist() == [True, False] and out["score"].tolist() == [0.9, 0.1]
    assert str(det.seen["ts"].dt.tz) == "UTC"  # naive signature timestamps are restored to UTC first


def test_estimator_output_for_outlier_detector_and_classifier():
    from sklearn.ensemble import IsolationForest
    from sklearn.linear_model import LogisticRegression

    X = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3})
    iso = IsolationForest(n_estimators=5, random_state=0).fit(X)
    out = predict_frame("estimator", iso, X)
    assert np.allclose(out["score"], -iso.score_samples(X))
    clf = LogisticRegression().fit(X, (X["a"] > 9).astype(int))
    out = predict_frame("estimator", clf, X)
    assert list(out.columns) == ["label", "confidence"] and (out["confidence"] >= 0.5).all()


def test_unknown_kind_is_refused():
    with pytest.raises(ModelError, match="unknown model kind"):
        predict_frame("oracle", object(), pd.DataFrame())


def test_tampered_artifact_is_refused(tmp_path):
    path = tmp_path / "m.joblib"
    digest = dump_native({"w": [1, 2, 3]}, path)
    assert load_native(path, digest) == {"w": [1, 2, 3]}
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ModelError, match="does not match"):
        load_native(path, digest)


def test_model_digest_is_deterministic_and_content_sensitive():
    from sklearn.ensemble import IsolationForest

    X = np.random.default_rng(1).normal(size=(50, 2))
    a = IsolationForest(n_estimators=5, random_state=0).fit(X)
    b = IsolationForest(n_estimators=5, random_state=0).fit(X)
    c = IsolationForest(n_estimators=5, random_state=1).fit(X)
    assert model_digest(a) == model_digest(b) != model_digest(c)
