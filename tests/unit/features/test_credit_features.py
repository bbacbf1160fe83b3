"""Credit features under late corrections: hand-worked cases, and no leakage proved against a replay of the feed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference_impl.errors import FeatureStoreError
from reference_impl.features import credit_state_rows, instrument_volatility_rows, point_in_time_join
from reference_impl.features.credit import view_rows

CLOSE = pd.Timestamp("2026-01-05 21:00", tz="UTC")


def close(day: int) -> pd.Timestamp:
    return CLOSE + pd.Timedelta(days=day)


def exposures(rows: list[tuple]) -> pd.DataFrame:
    """(counterparty, instrument, day, published hours after day 0's close, version, value)."""
    cp, inst, day, pub, ver, val = zip(*rows)
    return pd.DataFrame(
        {
            "counterparty_id": pd.Series(cp, dtype="str"),
            "instrument_id": pd.Series(inst, dtype="str"),
            "as_of_ts": pd.Series([close(d) for d in day], dtype="datetime64[ns, UTC]"),
            "published_ts": pd.Series([CLOSE + pd.Timedelta(hours=h) for h in pub], dtype="datetime64[ns, UTC]"),
            "version": list(ver),
            "exposure_usd": pd.Series(val, dtype="float64"),
        }
    )


def limits(rows: list[tuple[str, float, int]]) -> pd.DataFrame:
    """(counterparty, limit, effective hours after day 0's close - 13h, i.e. 08:00 of day 0 is 0)."""
    base = CLOSE - pd.Timedelta(hours=13)
    return pd.DataFrame(
        {
            "counterparty_id": pd.Series([r[0] for r in rows], dtype="str"),
            "limit_usd": [float(r[1]) for r in rows],
            "effective_ts": pd.Series([base + pd.Timedelta(hours=r[2]) for r in rows], dtype="datetime64[ns, UTC]"),
            "created_ts": pd.Series([base + pd.Timedelta(hours=r[2]) for r in rows], dtype="datetime64[ns, UTC]"),
        }
    )


def test_a_correction_changes_the_value_only_from_its_publication():
    exp = exposures([("C1", "X", 0, 1, 1, 80.0), ("C1", "Y", 0, 1, 1, 10.0), ("C1", "X", 0, 40, 2, 110.0)])
    state = credit_state_rows(exp, limits([("C1", 100.0, 0)]))
    assert state["available_at"].tolist() == [CLOSE + pd.Timedelta(hours=1), CLOSE + pd.Timedelta(hours=40)]
    assert state["limit_utilisation"].tolist() == pytest.approx([0.9, 1.2])
    assert state["largest_instrument_share"].tolist() == pytest.approx([80 / 90, 110 / 120])
    assert state["event_ts"].nunique() == 1, "a correction re-issues the same close, it is not a new day"


def test_growth_row_is_reissued_when_the_lagged_day_is_corrected():
    # day 0 = 100, day 1 = 120 (published at 25h); day 0 corrected to 150 at 30h -> day 1's growth changes
    exp = exposures([("C1", "X", 0, 1, 1, 100.0), ("C1", "X", 1, 25, 1, 120.0), ("C1", "X", 0, 30, 2, 150.0)])
    state = credit_state_rows(exp, limits([("C1", 1000.0, 0)]))
    day1 = state[state["event_ts"] == close(1)]
    assert day1["exposure_change_1d"].tolist() == pytest.approx([0.2, 120 / 150 - 1])
    assert day1["exposure_usd"].tolist() == [120.0, 120.0]
    growth = view_rows(state, ["exposure_change_1d"])
    util = view_rows(state, ["limit_utilisation"])
    assert len(growth) == len(state) and len(util) == len(state) - 1, "an unchanged utilisation gets no new row"


def test_five_day_growth_needs_five_earlier_business_days():
    exp = exposures([("C1", "X", d, 24 * d + 1, 1, 100.0 + d) for d in range(7)])
    state = credit_state_rows(exp, limits([("C1", 1000.0, 0)]))
    got = state["exposure_change_5d"].to_numpy()
    assert np.isnan(got[:5]).all()
    assert got[5] == pytest.approx(105 / 100 - 1) and got[6] == pytest.approx(106 / 101 - 1)


def test_limit_in_force_at_the_close_and_backdated_limits_count_from_entry():
    exp = exposures([("C1", "X", d, 24 * d + 1, 1, 100.0) for d in range(3)])
    lim = limits([("C1", 200.0, 0), ("C1", 50.0, 24)])  # cut to 50 on day 1 at 08:00
    backdated = lim.copy()
    backdated.loc[1, "created_ts"] = close(2) - pd.Timedelta(hours=1)  # entered on day 2, effective day 1
    assert credit_state_rows(exp, lim)["limit_usd"].tolist() == [200.0, 50.0, 50.0]
    assert credit_state_rows(exp, backdated)["limit_usd"].tolist() == [200.0, 200.0, 50.0]


def test_an_instrument_published_later_joins_the_total_when_it_arrives():
    exp = exposures([("C1", "X", 0, 1, 1, 60.0), ("C1", "Y", 0, 3, 1, 40.0)])
    state = credit_state_rows(exp, limits([("C1", 100.0, 0)]))
    assert state["exposure_usd"].tolist() == [60.0, 100.0]
    assert state["n_instruments"].tolist() == [1.0, 2.0]


def test_naive_timestamps_and_missing_columns_are_refused():
    exp = exposures([("C1", "X", 0, 1, 1, 60.0)])
    lim = limits([("C1", 100.0, 0)])
    with pytest.raises(FeatureStoreError, match="'published_ts'.*tz-aware"):
        credit_state_rows(exp.assign(published_ts=exp["published_ts"].dt.tz_localize(None)), lim)
    with pytest.raises(FeatureStoreError, match="credit_limits is missing column"):
        credit_state_rows(exp, lim.drop(columns=["limit_usd"]))
    with pytest.raises(FeatureStoreError, match="non-negative"):
        credit_state_rows(exp.assign(exposure_usd=-1.0), lim)


def test_volatility_is_the_annualised_std_of_daily_close_returns():
    ts = pd.date_range("2026-01-04", "2026-01-24", freq="1h", tz="UTC")
    rng = np.random.default_rng(0)
    prices = pd.DataFrame(
        {"instrument_id": "A", "ts": ts, "price": 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(ts))))}
    )
    days = pd.date_range("2026-01-01", periods=40, freq="D")
    calendar = pd.DataFrame({"date": days.date, "is_trading_day": days.day_of_week < 5})
    rows = instrument_volatility_rows(prices, calendar)
    closes = prices.set_index("ts")["price"].reindex(rows["event_ts"]).to_numpy()
    returns = np.diff(np.log(closes))
    assert rows["return_1d"].iloc[1:].to_numpy() == pytest.approx(returns)
    i = 12  # the window of 10 returns ending at row i
    expected = np.std(returns[i - 10 : i], ddof=1) * np.sqrt(252)
    assert rows["volatility_10d"].iloc[i] == pytest.approx(expected)
    assert rows["volatility_10d"].iloc[:5].isna().all(), "fewer than 5 returns give no volatility"
    assert (rows["event_ts"] == rows["available_at"]).all()


# ----------------------------------------------------------------------------- no leakage, on random feeds

version_rows = st.lists(
    st.tuples(
        st.sampled_from(["C1", "C2"]),
        st.sampled_from(["X", "Y", "Z"]),
        st.integers(0, 6),  # business day
        st.integers(0, 100),  # publication delay after that day's close, hours
        st.integers(0, 200).map(float),
    ),
    min_size=1,
    max_size=25,
)
probe_times = st.lists(st.integers(0, 24 * 9), min_size=1, max_size=6)


def _feed(rows):
    """Random versions: each (cp, inst, day) keeps its rows in publication order as versions 1, 2, ..."""
    frame = pd.DataFrame(rows, columns=["cp", "inst", "day", "delay", "value"])
    frame = frame.drop_duplicates(["cp", "inst", "day", "delay"]).sort_values(["cp", "inst", "day", "delay"])
    frame["version"] = frame.groupby(["cp", "inst", "day"]).cumcount() + 1
    spec = [(r.cp, r.inst, r.day, 24 * r.day + r.delay, r.version, r.value) for r in frame.itertuples()]
    return exposures(spec)


def _replay(exp: pd.DataFrame, lim: pd.DataFrame, cp: str, at: pd.Timestamp, ttl: pd.Timedelta) -> dict | None:
    """What a clerk would compute at ``at`` from the feed as it stood then (a slow, literal oracle)."""
    known = exp[(exp["counterparty_id"] == cp) & (np.maximum(exp["published_ts"], exp["as_of_ts"]) <= at)]
    if known.empty:
        return None
    latest = known.sort_values(["version"]).drop_duplicates(["instrument_id", "as_of_ts"], keep="last")
    day = latest["as_of_ts"].max()
    if day < at - ttl:
        return None
    today = latest[latest["as_of_ts"] == day]
    total = today["exposure_usd"].sum()
    all_days = sorted(exp["as_of_ts"].unique())
    lagged = {}
    for lag in (1, 5):
        i = all_days.index(day) - lag
        before = latest[latest["as_of_ts"] == all_days[i]]["exposure_usd"].sum() if i >= 0 else 0.0
        lagged[lag] = total / before - 1 if before > 0 else np.nan
    return {
        "event_ts": day,
        "exposure_usd": total,
        "limit_utilisation": total / lim.set_index("counterparty_id")["limit_usd"][cp],
        "exposure_change_1d": lagged[1],
        "exposure_change_5d": lagged[5],
        "largest_instrument_share": today["exposure_usd"].max() / total if total > 0 else np.nan,
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(version_rows, probe_times)
def test_point_in_time_credit_features_equal_a_replay_of_the_feed_as_it_stood(rows, probes):
    exp = _feed(rows)
    lim = limits([("C1", 100.0, -100), ("C2", 50.0, -100)])
    ttl = pd.Timedelta(days=2)
    state = credit_state_rows(exp, lim)
    features = ["exposure_usd", "limit_utilisation", "exposure_change_1d", "exposure_change_5d"]
    features.append("largest_instrument_share")
    entity = pd.DataFrame(
        {
            "counterparty_id": pd.Series([cp for cp in ("C1", "C2") for _ in probes], dtype="str"),
            "event_timestamp": pd.Series(
                [CLOSE + pd.Timedelta(hours=h) for _ in ("C1", "C2") for h in probes], dtype="datetime64[ns, UTC]"
            ),
        }
    )
    joined = point_in_time_join(entity, state, keys=["counterparty_id"], features=features, ttl=ttl)
    for _, row in joined.iterrows():
        expected = _replay(exp, lim, row["counterparty_id"], row["event_timestamp"], ttl)
        if expected is None:
            assert all(np.isnan(row[f]) for f in features), f"value served where nothing was known: {row.to_dict()}"
            continue
        for f in features:
            assert row[f] == pytest.approx(expected[f], nan_ok=True), (f, row["event_timestamp"])
