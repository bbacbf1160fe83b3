"""``decide_frame`` (columnar, batch scoring) gives exactly what the per-row ``decide`` path gives.

The reference is the detector output built from ``Decision`` objects (``decisions_to_frame``, what the
pyfunc returned before ``decide_frame`` existed). Frames are seeded random mutations of real feature
rows: NaN in model and rule columns, rule hits (several per row, so reasons get truncated), context-only
hits, exact and re-booked duplicates, amendments, and overrides that suppress, force-flag or have expired.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from reference_impl.anomaly import DECISION_FRAME_COLUMNS, MAX_REASONS, OverrideSet
from reference_impl.errors import ModelInputError
from reference_impl.lifecycle.pyfunc import decisions_to_frame, predict_frame

from anomaly_fixtures import fitted, test_features, trade_data  # noqa: F401  (pytest fixtures)

NOW = datetime(2026, 2, 1, tzinfo=timezone.utc)
RULE_PUSHES = {  # column -> value that makes its rule fire
    "notional_to_desk_limit": 2.5,
    "abs_price_deviation_bps": 90.0,
    "off_hours": 1.0,
    "booking_delay_sla_ratio": 4.0,
    "opposite_side_matches_1h": 2.0,
}


def _random_frame(features: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` rows drawn from real features, then mutated so every branch of a decision occurs."""
    rng = np.random.default_rng(seed)
    frame = features.iloc[rng.integers(0, len(features), n)].reset_index(drop=True)
    frame["trade_id"] = [f"T{seed}-{i}" for i in range(n)]
    for col, value in RULE_PUSHES.items():
        frame.loc[rng.random(n) < 0.04, col] = value
    young = rng.random(n) < 0.03
    frame.loc[young, "counterparty_age_days"], frame.loc[young, "notional_zscore_7d"] = 3.0, 5.0
    for col in ("notional_zscore_7d", "booking_delay_s", "abs_price_deviation_bps", "counterparty_age_days"):
        frame.loc[rng.random(n) < 0.05, col] = np.nan
    frame.loc[rng.random(n) < 0.1, "event_type"] = "amend"
    if n >= 4:  # re-bookings: same economics, new id, later booking time; one exact copy (same booking time)
        src = rng.choice(n, size=max(n // 20, 2), replace=False)
        copies = frame.iloc[src].copy()
        copies["trade_id"] = [f"T{seed}-dup{i}" for i in range(len(copies))]
        copies["booking_ts"] = copies["booking_ts"] + pd.to_timedelta(rng.integers(0, 600, len(copies)), unit="s")
        frame = pd.concat([frame, copies], ignore_index=True).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return frame


def _overrides(frame: pd.DataFrame, detector) -> OverrideSet:
    """Suppress the busiest counterparty, force-flag the second, and an override that has expired by NOW+3d."""
    cps = frame["counterparty_id"].astype(str).value_counts().index
    traders = frame["trader_id"].astype(str).value_counts().index
    s = OverrideSet(authorised_users=frozenset({"ops.lead"}))
    s = s.add(action="suppress", match={"counterparty_id": cps[0]}, reason="known month-end rebalancing",
              actor="ops.lead", expires_at=NOW + timedelta(days=30), now=NOW)
    s = s.add(action="force_flag", match={"counterparty_id": cps[min(1, len(cps) - 1)]}, reason="under investigation",
              actor="ops.lead", expires_at=NOW + timedelta(days=30), now=NOW)
    return s.add(action="force_flag", match={"trader_id": traders[-1]}, reason="short review window, now over",
                 actor="ops.lead", expires_at=NOW + timedelta(days=1), now=NOW)


def _both_paths(detector, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    now = NOW + timedelta(days=3)
    return detector.decide_frame(frame, now=now), decisions_to_frame(detector.decide(frame, now=now))


@pytest.mark.parametrize("n, seed", [(1, 0), (2, 1), (8, 2), (30, 3), (300, 4), (1500, 5), (1500, 6)])
@pytest.mark.parametrize("with_overrides", [False, True])
def test_decide_frame_equals_per_row_decisions(fitted, test_features, n, seed, with_overrides):
    det = copy.deepcopy(fitted)
    frame = _random_frame(test_features, n, seed)
    det.set_params(overrides=_overrides(frame, det) if with_overrides else None)
    columnar, per_row = _both_paths(det, frame)
    assert tuple(columnar.columns) == DECISION_FRAME_COLUMNS
    pd.testing.assert_frame_equal(columnar, per_row, check_exact=True)  # scores, flags, codes, dtypes
    assert columnar["score"].tolist() == det.anomaly_score(frame).tolist()


def test_random_frames_cover_every_branch(fitted, test_features):
    """The equality above is only worth something if the frames hit every kind of decision."""
    det = copy.deepcopy(fitted)
    frame = _random_frame(test_features, 1500, 5)
    det.set_params(overrides=_overrides(frame, det))
    out, _ = _both_paths(det, frame)
    codes = out["reason_codes"].str.split(";")
    has = lambda code: codes.map(lambda c: code in c)  # noqa: E731
    below = out["score"] < out["threshold"]
    assert has("R_DUPLICATE").any() and has("O_SUPPRESS").any() and has("O_FORCE_FLAG").any()
    assert (~out["flagged"] & has("O_SUPPRESS")).any()  # suppressed rows keep their reasons
    assert (out["flagged"] & below & has("O_FORCE_FLAG")).any()
    assert (out["flagged"] & below & ~has("O_FORCE_FLAG")).any()  # flagged by a rule alone
    assert (~out["flagged"] & frame["off_hours"].eq(1.0) & out["reason_codes"].eq("")).any()  # context never flags
    assert (codes.map(len) == MAX_REASONS).any() and (codes.map(len) <= MAX_REASONS).all()
    assert frame[det.features_].isna().any(axis=1).any()


def test_all_clear_and_empty_frames(fitted, test_features):
    det = copy.deepcopy(fitted).set_params(overrides=None)
    scores = det.anomaly_score(test_features)
    quiet = test_features[(scores < det.threshold_) & test_features["off_hours"].eq(0.0)].head(50)
    columnar, per_row = _both_paths(det, quiet)
    pd.testing.assert_frame_equal(columnar, per_row, check_exact=True)
    assert not columnar["flagged"].any() and columnar["reason_codes"].eq("").all()
    for path in (det.decide_frame, det.decide):
        with pytest.raises(ModelInputError, match="empty"):
            path(test_features.iloc[:0])


def test_predict_frame_uses_the_columnar_path(fitted, test_features, monkeypatch):
    det = copy.deepcopy(fitted).set_params(overrides=None)
    frame = _random_frame(test_features, 200, 7)
    expected = decisions_to_frame(det.decide(frame))
    monkeypatch.setattr(det, "decide", lambda *a, **k: pytest.fail("predict_frame built per-row decisions"))
    pd.testing.assert_frame_equal(predict_frame("detector", det, frame), expected, check_exact=True)
