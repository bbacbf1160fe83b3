"""The "limit breach tomorrow" training set, and the same features served online.

One row per (counterparty, business day ``d``): the features **as known at the day's cut-off**
(:data:`FEATURE_CUTOFF` after the close, when the overnight run has normally published), and the label
``breach_next_day`` = utilisation above 1 at the next business day's close **as finally known** (labels
may use hindsight — the corrected truth is what we want to predict; features may not). Late batches and
later corrections therefore change the label but never the features of an earlier cut-off.

Features come from three counterparty views and, through the counterparty's largest instrument as of the
cut-off, from ``instrument_volatility`` — a chained point-in-time join. :func:`breach_features_online`
reads the same features from the online store; :func:`check_breach_features_online` proves the two agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from reference_impl.errors import FeatureStoreError
from reference_impl.features.consistency import ConsistencyReport, _compare
from reference_impl.features.credit import VOLATILITY_FEATURES
from reference_impl.features.definitions import credit_utilisation, get_view, instrument_volatility
from reference_impl.features.offline import OfflineStore, get_historical_features
from reference_impl.features.online import OnlineStore
from reference_impl.features.point_in_time import point_in_time_join
from reference_impl.features.rows import validate_rows

#: Features are read this long after the close (21:00 UTC + 2h30 = 23:30 UTC): the model's cut-off.
FEATURE_CUTOFF = pd.Timedelta(hours=2, minutes=30)
#: The counterparty views the breach model reads (all their features).
BREACH_VIEWS: tuple[str, ...] = ("credit_utilisation", "credit_exposure_growth", "credit_concentration")
#: The model's inputs, in order (the instrument volatility is that of the largest instrument).
BREACH_FEATURES: tuple[str, ...] = (
    "limit_utilisation",
    "exposure_change_1d",
    "exposure_change_5d",
    "largest_instrument_share",
    "n_instruments",
    VOLATILITY_FEATURES[0],
)
LABEL = "breach_next_day"


def _rows(source: OfflineStore | Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame:
    view = get_view(name)
    if isinstance(source, OfflineStore):
        return source.read(view)
    if name not in source:
        raise FeatureStoreError(f"no feature rows given for view {name!r}")
    return validate_rows(view, source[name])


def breach_entities(utilisation_rows: pd.DataFrame, *, cutoff: pd.Timedelta = FEATURE_CUTOFF) -> pd.DataFrame:
    """Entity rows and labels: each (counterparty, close) that has a next business day, timed at the cut-off.

    Returns ``counterparty_id``, ``event_timestamp`` (close + ``cutoff``), ``close_ts``, ``next_close_ts``,
    ``next_utilisation`` (final) and :data:`LABEL` (1.0 when it exceeds 1). Sorted by time, then key.
    """
    rows = validate_rows(credit_utilisation, utilisation_rows)
    final = rows.sort_values("available_at", kind="stable").drop_duplicates(
        ["counterparty_id", "event_ts"], keep="last"
    )
    closes = np.sort(final["event_ts"].unique())
    following = pd.Series(closes[1:], index=closes[:-1])
    out = final[["counterparty_id", "event_ts"]].rename(columns={"event_ts": "close_ts"})
    out["next_close_ts"] = out["close_ts"].map(following)
    nxt = final.rename(columns={"event_ts": "next_close_ts", "limit_utilisation": "next_utilisation"})
    out = out.dropna(subset=["next_close_ts"]).merge(
        nxt[["counterparty_id", "next_close_ts", "next_utilisation"]], on=["counterparty_id", "next_close_ts"]
    )
    out = out[out["next_utilisation"].notna()]
    out[LABEL] = (out["next_utilisation"] > 1.0).astype("float64")
    out["event_timestamp"] = out["close_ts"] + pd.Timedelta(cutoff)
    out = out.sort_values(["event_timestamp", "counterparty_id"], kind="stable").reset_index(drop=True)
    return out[["counterparty_id", "event_timestamp", "close_ts", "next_close_ts", "next_utilisation", LABEL]]


def add_instrument_volatility(frame: pd.DataFrame, volatility_rows: pd.DataFrame) -> pd.DataFrame:
    """Second hop: the volatility of each row's ``largest_instrument_id`` as of the same ``event_timestamp``."""
    rows = validate_rows(instrument_volatility, volatility_rows)
    hop = frame.assign(instrument_id=frame["largest_instrument_id"].astype("str").fillna(""))
    out = point_in_time_join(
        hop,
        rows,
        keys=["instrument_id"],
        features=list(instrument_volatility.feature_names),
        ttl=instrument_volatility.ttl,
    )
    return out.drop(columns=["instrument_id"])


def breach_training_set(
    source: OfflineStore | Mapping[str, pd.DataFrame], *, cutoff: pd.Timedelta = FEATURE_CUTOFF
) -> pd.DataFrame:
    """The point-in-time training frame: :func:`breach_entities` plus every breach feature as of the cut-off.

    ``source`` is the offline store or a mapping of view name to feature rows (``credit_utilisation``,
    ``credit_exposure_growth``, ``credit_concentration``, ``instrument_volatility``).
    """
    entities = breach_entities(_rows(source, "credit_utilisation"), cutoff=cutoff)
    rows = {name: _rows(source, name) for name in BREACH_VIEWS}
    features = get_historical_features(entities, list(BREACH_VIEWS), rows)
    return add_instrument_volatility(features, _rows(source, "instrument_volatility"))


def time_split(frame: pd.DataFrame, *, test_share: float = 0.3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split by business day: the first days train, the last ``test_share`` of days test (no shuffling)."""
    if not 0.0 < test_share < 1.0:
        raise FeatureStoreError(f"test_share must be within (0, 1), got {test_share!r}")
    days = np.sort(frame["close_ts"].unique())
    if len(days) < 2:
        raise FeatureStoreError("time_split needs at least two business days")
    first_test = days[min(len(days) - 1, max(1, int(round(len(days) * (1.0 - test_share)))))]
    test = (frame["close_ts"] >= first_test).to_numpy()
    # the label of the last training day is the first test day's close: purge it, or the split leaks
    train = frame[~test & (frame["next_close_ts"] < first_test).to_numpy()]
    return train, frame[test]


def breach_features_online(online: OnlineStore, counterparty_ids: Sequence[str], *, now: pd.Timestamp) -> pd.DataFrame:
    """The breach features of each counterparty as served online at ``now`` (one row per id, in order)."""
    out = pd.DataFrame({"counterparty_id": pd.Series(list(counterparty_ids), dtype="str")})
    out["event_timestamp"] = pd.Timestamp(now)
    for name in BREACH_VIEWS:
        served = online.read_frame(name, list(counterparty_ids), now=now)
        for col in get_view(name).feature_names:
            out[col] = served[col].to_numpy()
    out["largest_instrument_id"] = out["largest_instrument_id"].astype("str")
    ids = out["largest_instrument_id"].astype("str").fillna("")
    known = [i for i in ids if i]
    vols = online.read_frame("instrument_volatility", known, now=now) if known else None
    for col in instrument_volatility.feature_names:
        values = np.full(len(out), np.nan)
        if vols is not None:
            values[(ids != "").to_numpy()] = vols[col].to_numpy(dtype="float64")
        out[col] = values
    return out


def check_breach_features_online(
    training: pd.DataFrame, online: OnlineStore, *, now: pd.Timestamp, rtol: float = 1e-9
) -> ConsistencyReport:
    """The online breach features at ``now`` equal the training rows whose ``event_timestamp`` is ``now``."""
    rows = training[training["event_timestamp"] == pd.Timestamp(now)].sort_values("counterparty_id")
    if rows.empty:
        return ConsistencyReport("breach features online vs training", 0, 0)
    served = breach_features_online(online, rows["counterparty_id"].tolist(), now=now)
    return _compare(
        "breach features online vs training",
        rows,
        served,
        [*BREACH_FEATURES, "largest_instrument_id"],
        ["counterparty_id"],
        rtol,
    )


__all__ = [
    "BREACH_FEATURES",
    "BREACH_VIEWS",
    "FEATURE_CUTOFF",
    "LABEL",
    "add_instrument_volatility",
    "breach_entities",
    "breach_features_online",
    "breach_training_set",
    "check_breach_features_online",
    "time_split",
]
