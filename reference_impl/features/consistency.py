"""Checks that the online and offline paths agree — the guard against training/serving skew.

* :func:`check_online_offline`: for the same keys and the same ``now``, the online store serves exactly
  the value a point-in-time join of the offline rows returns (TTL applied on both sides).
* :func:`check_request_path`: features computed at request time from online state equal the batch
  features of the same trades (the serving path and the training path are one code path).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from reference_impl.errors import FeatureStoreError
from reference_impl.features.columns import CONTEXT_FEATURES, MODEL_FEATURES
from reference_impl.features.definitions import counterparty_pair_activity, get_view, trader_history
from reference_impl.features.offline import OfflineStore
from reference_impl.features.online import OnlineStore
from reference_impl.features.point_in_time import point_in_time_join
from reference_impl.features.request import request_features_from_store
from reference_impl.features.rows import build_view_rows, validate_rows
from reference_impl.features.spec import FeatureView
from reference_impl.features.transforms import build_trade_features
from reference_impl.features.validation import utc_ns


@dataclass(frozen=True)
class ConsistencyReport:
    """The outcome of a check: how many values were compared and every mismatch found (at most 20 kept)."""

    name: str
    n_compared: int
    n_mismatches: int
    mismatches: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.n_mismatches == 0 and self.n_compared > 0

    def summary(self) -> str:
        state = "consistent" if self.ok else ("nothing compared" if self.n_compared == 0 else "MISMATCH")
        return f"{self.name}: {state} ({self.n_compared} values compared, {self.n_mismatches} mismatches)"


def _differs(expected: pd.Series, got: pd.Series, rtol: float) -> np.ndarray:
    """Element-wise "not the same value" (floats within ``rtol``; missing equals missing)."""
    if pd.api.types.is_float_dtype(expected.dtype) and pd.api.types.is_float_dtype(got.dtype):
        a, b = expected.to_numpy(dtype="float64"), got.to_numpy(dtype="float64")
        return ~np.isclose(a, b, rtol=rtol, atol=1e-9, equal_nan=True)
    out = np.zeros(len(expected), dtype=bool)
    for i, (a, b) in enumerate(zip(expected.tolist(), got.tolist())):
        missing_a, missing_b = a is None or a is pd.NA or a != a, b is None or b is pd.NA or b != b
        out[i] = (missing_a != missing_b) or (not missing_a and a != b)
    return out


def _compare(
    name: str, left: pd.DataFrame, right: pd.DataFrame, columns: Sequence[str], label: Sequence[str], rtol: float
) -> ConsistencyReport:
    mismatches: list[dict] = []
    n_bad = 0
    left, right = left.reset_index(drop=True), right.reset_index(drop=True)
    for col in columns:
        bad = np.flatnonzero(_differs(left[col], right[col], rtol))
        n_bad += len(bad)
        for i in bad[: max(0, 20 - len(mismatches))]:
            mismatches.append(
                {
                    **{k: left[k].iloc[i] for k in label},
                    "feature": col,
                    "expected": left[col].iloc[i],
                    "got": right[col].iloc[i],
                }
            )
    return ConsistencyReport(name, len(left) * len(columns), n_bad, mismatches)


def check_online_offline(
    view: FeatureView | str,
    offline: OfflineStore | pd.DataFrame,
    online: OnlineStore,
    *,
    keys: Sequence[object] | None = None,
    now: pd.Timestamp | None = None,
    max_keys: int = 1000,
    rtol: float = 1e-9,
) -> ConsistencyReport:
    """Compare online reads with the offline point-in-time values for the same keys at the same ``now``.

    ``now`` defaults to the view's high-water mark (everything materialised is then in the past);
    ``keys`` default to the first ``max_keys`` keys of the offline rows, sorted.
    """
    view = view if isinstance(view, FeatureView) else get_view(view)
    rows = offline.read(view) if isinstance(offline, OfflineStore) else validate_rows(view, offline)
    now = online.high_water_mark(view) if now is None else pd.Timestamp(now)
    if now is None:
        raise FeatureStoreError(f"view {view.name!r} has never been materialised online; nothing to compare")
    if keys is None:
        unique = rows[list(view.join_keys)].drop_duplicates().sort_values(list(view.join_keys))
        keys = [tuple(r) if len(r) > 1 else r[0] for r in unique.head(max_keys).itertuples(index=False)]
    served = online.read_frame(view, keys, now=now)
    entity = served[list(view.join_keys)].assign(event_timestamp=pd.Timestamp(now))
    expected = point_in_time_join(entity, rows, keys=view.join_keys, features=list(view.feature_names), ttl=view.ttl)
    return _compare(f"online vs offline ({view.name})", expected, served, view.feature_names, view.join_keys, rtol)


def check_request_path(
    data: Mapping[str, pd.DataFrame],
    store: OnlineStore,
    *,
    cutoff: pd.Timestamp,
    max_events: int = 200,
    rtol: float = 1e-9,
    fast: bool = True,
) -> ConsistencyReport:
    """Materialise serving state up to ``cutoff`` into ``store``, then recompute the next trades at request time.

    For each trader's first event after ``cutoff`` (whose counterparty pair was not booked in between),
    the request-time features must equal the batch features of the full dataset. ``fast`` picks the
    path checked: the serving fast path (default) or the reference path (the batch transforms).
    """
    trades = data["trades"]
    booking = pd.Series(utc_ns(trades["booking_ts"], "booking_ts"), index=trades.index)
    cut = pd.Timestamp(cutoff).tz_convert("UTC").tz_localize(None).as_unit("ns").to_datetime64()
    before = {**data, "trades": trades[(booking <= cut).to_numpy()]}
    for view in (trader_history, counterparty_pair_activity):
        store.materialize(view, build_view_rows(view, before), end=pd.Timestamp(cutoff))
    after = trades[(booking > cut).to_numpy()].assign(_b=booking[booking > cut])
    first_per_trader = after.sort_values(["_b", "trade_id"]).drop_duplicates("trader_id")
    pair_first = after.groupby(["book", "counterparty_id"])["_b"].min().rename("_pair_first")
    first_per_trader = first_per_trader.join(pair_first, on=["book", "counterparty_id"])
    events = first_per_trader[first_per_trader["_b"] <= first_per_trader["_pair_first"]]
    events = events.sort_values("trade_id").head(max_events).drop(columns=["_b", "_pair_first"])
    if events.empty:
        return ConsistencyReport("request path vs batch", 0, 0)
    batch = build_trade_features(trades, data, data["prices"]).loc[events.index]
    online = pd.concat(
        [request_features_from_store(events.loc[[i]], store, data, data["prices"], fast=fast) for i in events.index]
    )
    return _compare("request path vs batch", batch, online, [*MODEL_FEATURES, *CONTEXT_FEATURES], ["trade_id"], rtol)


__all__ = ["ConsistencyReport", "check_online_offline", "check_request_path"]
