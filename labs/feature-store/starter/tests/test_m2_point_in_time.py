"""Milestone 2: the point-in-time join — no leakage, TTL, created-timestamp tie-break, naive timestamps refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from featurestore_lab import FeatureStoreError, point_in_time_join

T0 = pd.Timestamp("2026-03-02 09:00", tz="UTC")


def _ts(minutes) -> pd.Series:
    return pd.Series([T0 + pd.Timedelta(minutes=int(m)) for m in minutes], dtype="datetime64[ns, UTC]")


def features(rows):
    """(key, event minute, available minute, value)."""
    k, ev, av, v = zip(*rows)
    return pd.DataFrame(
        {"k": pd.Series(k, dtype="str"), "event_ts": _ts(ev), "available_at": _ts(av), "v": pd.Series(v, dtype=float)}
    )


def entities(rows):
    k, t = zip(*rows)
    return pd.DataFrame({"k": pd.Series(k, dtype="str"), "event_timestamp": _ts(t)})


def join(ents, feats, **kw):
    return point_in_time_join(ents, feats, keys=["k"], features=["v"], **kw)["v"].tolist()


def same(got, want):
    return all((np.isnan(a) and np.isnan(b)) or a == b for a, b in zip(got, want)) and len(got) == len(want)


def test_latest_known_value_and_a_left_join():
    got = join(entities([("a", -1), ("a", 5), ("a", 10), ("c", 50)]), features([("a", 0, 0, 1.0), ("a", 10, 10, 2.0)]))
    assert same(got, [np.nan, 1.0, 2.0, np.nan]), f"expected [nan, 1.0, 2.0, nan] (left join, latest value), got {got}"


def test_a_late_arriving_row_is_invisible_until_it_arrives():
    got = join(entities([("a", 30), ("a", 60)]), features([("a", 0, 0, 1.0), ("a", 10, 60, 2.0)]))
    assert got == [1.0, 2.0], (
        f"leakage: a row available at minute 60 was used at minute 30 (got {got}, want [1.0, 2.0])"
    )


def test_a_newer_event_wins_over_a_later_correction_of_an_older_one():
    got = join(entities([("a", 50)]), features([("a", 20, 20, 5.0), ("a", 10, 40, 1.0)]))
    assert got == [5.0], f"the latest event_ts must win, not the latest arrival (got {got}, want [5.0])"


def test_the_created_timestamp_breaks_event_ties():
    got = join(entities([("a", 20), ("a", 30)]), features([("a", 10, 30, 2.0), ("a", 10, 15, 1.0)]))
    assert got == [1.0, 2.0], f"same event_ts: the later available_at wins once available (got {got}, want [1.0, 2.0])"


def test_ttl_keeps_a_value_exactly_ttl_old_and_drops_an_older_one():
    got = join(entities([("a", 59), ("a", 60), ("a", 61)]), features([("a", 0, 0, 1.0)]), ttl=pd.Timedelta(minutes=60))
    assert same(got, [1.0, 1.0, np.nan]), f"ttl 60 min: ages 59/60/61 should give [1, 1, nan], got {got}"


def test_index_order_and_other_columns_are_kept():
    ents = entities([("a", 5), ("b", 5), ("a", -5)]).set_axis([30, 10, 20])
    ents["label"] = [1, 0, 1]
    out = point_in_time_join(ents, features([("a", 0, 0, 1.0)]), keys=["k"], features=["v"])
    assert out.index.tolist() == [30, 10, 20], (
        f"the entity frame's index and order must be kept, got {out.index.tolist()}"
    )
    assert list(out.columns) == ["k", "event_timestamp", "label", "v"], f"columns: got {list(out.columns)}"


@pytest.mark.parametrize(
    "frame, column",
    [("entity", "event_timestamp"), ("features", "event_ts"), ("features", "available_at")],
)
def test_naive_timestamps_are_refused_naming_the_column(frame, column):
    ents, feats = entities([("a", 0)]), features([("a", 0, 0, 1.0)])
    target = ents if frame == "entity" else feats
    target[column] = target[column].dt.tz_localize(None)
    with pytest.raises(FeatureStoreError, match=column):
        point_in_time_join(ents, feats, keys=["k"], features=["v"])


def test_a_missing_column_is_refused():
    with pytest.raises(FeatureStoreError, match="available_at"):
        point_in_time_join(
            entities([("a", 0)]),
            features([("a", 0, 0, 1.0)]).drop(columns=["available_at"]),
            keys=["k"],
            features=["v"],
        )


def _brute_force(ents, feats, ttl):
    out = []
    for _, e in ents.iterrows():
        ok = feats[(feats["k"] == e["k"]) & (feats["available_at"] <= e["event_timestamp"])]
        if ttl is not None:
            ok = ok[ok["event_ts"] >= e["event_timestamp"] - ttl]
        if ok.empty:
            out.append(np.nan)
            continue
        best = ok.assign(_i=np.arange(len(ok))).sort_values(["event_ts", "available_at", "_i"]).iloc[-1]
        out.append(best["v"])
    return out


@pytest.mark.parametrize("seed", range(15))
def test_random_frames_match_a_brute_force_reading_of_the_rule(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 25))
    ev = rng.integers(0, 40, n)
    feats = features(list(zip(rng.choice(["a", "b"], n), ev, ev + rng.integers(0, 30, n), np.arange(n, dtype=float))))
    ents = entities(list(zip(rng.choice(["a", "b", "c"], 10), rng.integers(-5, 80, 10))))
    ttl = None if seed % 3 == 0 else pd.Timedelta(minutes=int(rng.integers(1, 40)))
    got, want = join(ents, feats, ttl=ttl), [float(v) for v in _brute_force(ents, feats, ttl)]
    assert same(got, want), f"seed {seed}, ttl {ttl}: got {got}, brute force says {want}"
