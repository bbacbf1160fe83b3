"""Point-in-time joins: hand-worked cases, and properties proved on random frames with hypothesis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference_impl.errors import FeatureStoreError
from reference_impl.features import point_in_time_join, point_in_time_join_reference

T0 = pd.Timestamp("2026-03-02 09:00", tz="UTC")


def _ts(minutes) -> pd.Series:
    return pd.Series([T0 + pd.Timedelta(minutes=int(m)) for m in minutes])


def _features(rows: list[tuple[str, int, int, float]]) -> pd.DataFrame:
    keys, ev, av, val = zip(*rows) if rows else ((), (), (), ())
    return pd.DataFrame({"k": pd.Series(keys, dtype="str"), "event_ts": _ts(ev).astype("datetime64[ns, UTC]"),
                         "available_at": _ts(av).astype("datetime64[ns, UTC]"),
                         "v": pd.Series(val, dtype="float64")})


def _entities(rows: list[tuple[str, int]]) -> pd.DataFrame:
    keys, ts = zip(*rows)
    return pd.DataFrame({"k": pd.Series(keys, dtype="str"),
                         "event_timestamp": _ts(ts).astype("datetime64[ns, UTC]")})


def _join(ents, feats, **kw):
    return point_in_time_join(ents, feats, keys=["k"], features=["v"], **kw)["v"].tolist()


def test_latest_available_value_left_join():
    feats = _features([("a", 0, 0, 1.0), ("a", 10, 10, 2.0), ("b", 0, 0, 9.0)])
    ents = _entities([("a", -1), ("a", 0), ("a", 5), ("a", 10), ("a", 99), ("c", 50)])
    got = _join(ents, feats)
    assert got[1:5] == [1.0, 1.0, 2.0, 2.0]
    assert np.isnan(got[0]) and np.isnan(got[5])


def test_late_arriving_row_is_invisible_until_it_arrives():
    # happened at 10 but only known at 60: an entity at 30 must not see it
    feats = _features([("a", 0, 0, 1.0), ("a", 10, 60, 2.0)])
    assert _join(_entities([("a", 30), ("a", 60)]), feats) == [1.0, 2.0]


def test_newer_event_wins_over_later_arrival():
    # a late correction of an *older* event must not replace a newer event already known
    feats = _features([("a", 20, 20, 5.0), ("a", 10, 40, 1.0)])
    assert _join(_entities([("a", 50)]), feats) == [5.0]


def test_created_timestamp_breaks_event_ties():
    feats = _features([("a", 10, 30, 2.0), ("a", 10, 15, 1.0)])
    assert _join(_entities([("a", 20), ("a", 30)]), feats) == [1.0, 2.0]


def test_ttl_expires_old_values():
    feats = _features([("a", 0, 0, 1.0)])
    got = _join(_entities([("a", 59), ("a", 60), ("a", 61)]), feats, ttl=pd.Timedelta(minutes=60))
    assert got[:2] == [1.0, 1.0] and np.isnan(got[2])


def test_entity_frame_index_order_and_columns_are_kept():
    feats = _features([("a", 0, 0, 1.0)])
    ents = _entities([("a", 5), ("b", 5), ("a", -5)]).set_axis([30, 10, 20])
    ents["label"] = [1, 0, 1]
    out = point_in_time_join(ents, feats, keys=["k"])
    assert out.index.tolist() == [30, 10, 20]
    assert list(out.columns) == ["k", "event_timestamp", "label", "v"]


def test_composite_keys_and_non_float_features():
    feats = pd.DataFrame({"book": ["B1", "B1"], "cp": ["X", "Y"],
                          "event_ts": _ts([0, 0]), "available_at": _ts([0, 0]), "tier": ["gold", "silver"]})
    ents = pd.DataFrame({"book": ["B1", "B1", "B2"], "cp": ["Y", "X", "X"], "event_timestamp": _ts([1, 1, 1])})
    out = point_in_time_join(ents, feats, keys=["book", "cp"])
    assert out["tier"].iloc[:2].tolist() == ["silver", "gold"] and pd.isna(out["tier"].iloc[2])


@pytest.mark.parametrize("mutate, message", [
    (lambda e, f: (e.drop(columns=["event_timestamp"]), f), "entity frame is missing column"),
    (lambda e, f: (e, f.drop(columns=["available_at"])), "feature rows is missing column"),
    (lambda e, f: (e.assign(event_timestamp=e["event_timestamp"].dt.tz_localize(None)), f), "naive"),
    (lambda e, f: (e, f.assign(event_ts=f["event_ts"].dt.tz_localize(None))), "'event_ts'"),
    (lambda e, f: (e.assign(k=[1]), f), "join key 'k' in the entity frame must be strings"),
    (lambda e, f: (e.assign(v=[0.0]), f), "already exist"),
    (lambda e, f: (e.assign(event_timestamp=pd.Series([pd.NaT], dtype="datetime64[ns, UTC]")), f), "missing"),
])
def test_bad_input_raises_naming_the_column(mutate, message):
    ents, feats = mutate(_entities([("a", 0)]), _features([("a", 0, 0, 1.0)]))
    with pytest.raises(FeatureStoreError, match=message):
        point_in_time_join(ents, feats, keys=["k"], features=["v"])


def test_timestamps_in_other_zones_are_compared_in_utc():
    feats = _features([("a", 0, 0, 1.0)])
    ents = _entities([("a", 0)])
    ents["event_timestamp"] = ents["event_timestamp"].dt.tz_convert("Asia/Tokyo")
    assert _join(ents, feats) == [1.0]


# ----------------------------------------------------------------------------- properties

feature_rows = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 40), st.integers(0, 30), st.integers(0, 10**6)),
    max_size=30,
)
entity_rows = st.lists(st.tuples(st.sampled_from(["a", "b", "d"]), st.integers(-5, 80)), min_size=1, max_size=15)
ttls = st.one_of(st.none(), st.integers(1, 50).map(lambda m: pd.Timedelta(minutes=m)))


def _random_frames(frows, erows):
    # available_at = event_ts + delay (delays of 0 make ties); values are unique so we can trace them back
    feats = _features([(k, ev, ev + d, float(i)) for i, (k, ev, d, _) in enumerate(frows)])
    return _entities(erows), feats


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feature_rows, entity_rows, ttls)
def test_fast_join_equals_brute_force_reference(frows, erows, ttl):
    ents, feats = _random_frames(frows, erows)
    fast = point_in_time_join(ents, feats, keys=["k"], features=["v"], ttl=ttl)
    slow = point_in_time_join_reference(ents, feats, keys=["k"], features=["v"], ttl=ttl)
    pd.testing.assert_frame_equal(fast, slow)


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feature_rows, entity_rows, ttls)
def test_no_value_from_after_the_entity_timestamp_is_ever_used(frows, erows, ttl):
    ents, feats = _random_frames(frows, erows)
    out = point_in_time_join(ents, feats, keys=["k"], features=["v"], ttl=ttl)
    for (_, row) in out.iterrows():
        if np.isnan(row["v"]):
            continue
        source = feats.iloc[int(row["v"])]
        assert source["k"] == row["k"]
        assert source["available_at"] <= row["event_timestamp"]
        if ttl is not None:
            assert source["event_ts"] >= row["event_timestamp"] - ttl


@settings(max_examples=30, deadline=None)
@given(feature_rows, entity_rows)
def test_rows_arriving_after_every_entity_change_nothing(frows, erows):
    ents, feats = _random_frames(frows, erows)
    latest = ents["event_timestamp"].max()
    future = _features([("a", 500, 500, -1.0), ("b", 0, 900, -2.0)])
    future = future[future["available_at"] > latest]
    before = point_in_time_join(ents, feats, keys=["k"], features=["v"])
    after = point_in_time_join(ents, pd.concat([feats, future], ignore_index=True), keys=["k"], features=["v"])
    pd.testing.assert_frame_equal(before, after)
