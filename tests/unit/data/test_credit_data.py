"""Credit limits and exposures: determinism, the shape of late batches and corrections, and the quality report."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from reference_impl.data import (
    EXPOSURE_COLUMNS,
    LIMIT_COLUMNS,
    CreditLimit,
    make_credit_data,
    make_prices,
    make_reference_data,
    validate_credit_data,
)
from reference_impl.data.credit import CLOSE_HOUR_UTC, daily_closes, validate_exposure_record
from reference_impl.errors import ConfigError


@pytest.fixture(scope="module")
def market():
    ref = make_reference_data(5)
    return ref, make_prices(ref, n_days=15, seed=5, step_minutes=30)


@pytest.fixture(scope="module")
def credit(market):
    ref, prices = market
    return make_credit_data(ref, prices, seed=5)


def test_same_seed_same_frames_and_another_seed_differs(market, credit):
    ref, prices = market
    again = make_credit_data(ref, prices, seed=5)
    for name in ("exposures", "credit_limits"):
        pd.testing.assert_frame_equal(credit[name], again[name])
    other = make_credit_data(ref, prices, seed=6)["exposures"]
    assert not other["exposure_usd"].head(100).equals(credit["exposures"]["exposure_usd"].head(100))


def test_columns_and_types_follow_the_contract(credit):
    exposures, limits = credit["exposures"], credit["credit_limits"]
    assert tuple(exposures.columns) == EXPOSURE_COLUMNS
    assert tuple(limits.columns) == LIMIT_COLUMNS
    for col in ("business_date", "as_of_ts", "published_ts"):
        assert str(exposures[col].dt.tz) == "UTC", col
    assert exposures["published_ts"].is_monotonic_increasing
    assert (exposures["as_of_ts"].dt.hour == CLOSE_HOUR_UTC).all()


def test_generated_data_passes_its_quality_report(market, credit):
    ref, _ = market
    report = validate_credit_data(credit["exposures"], credit["credit_limits"], ref)
    assert report.ok, report.summary()


def test_corrections_are_new_versions_published_after_the_one_they_correct(credit):
    exposures = credit["exposures"]
    key = ["counterparty_id", "instrument_id", "as_of_ts"]
    corrections = exposures[exposures["is_correction"]]
    assert 0.02 < len(corrections) / len(exposures) < 0.12
    assert (exposures.groupby(key)["version"].max() == 3).any(), "some rows should be corrected twice"
    ordered = exposures.sort_values([*key, "version"])
    gap = ordered.groupby(key)["published_ts"].diff().dropna()
    assert (gap > pd.Timedelta(0)).all()
    late = corrections["published_ts"] - corrections["as_of_ts"]
    assert (late > pd.Timedelta(hours=6)).all(), "a correction arrives days later, not in the overnight run"
    changed = ordered.groupby(key)["exposure_usd"].transform(lambda v: v.nunique()) > 1
    assert changed[ordered["is_correction"].to_numpy()].mean() > 0.9, "a correction changes the value"


def test_some_batches_miss_the_overnight_run(credit):
    originals = credit["exposures"][~credit["exposures"]["is_correction"]]
    delay = originals["published_ts"] - originals["as_of_ts"]
    assert (delay >= pd.Timedelta(minutes=20)).all()
    next_morning = delay > pd.Timedelta(hours=6)
    assert 0.005 < next_morning.mean() < 0.08
    # one publication instant per (counterparty, close) batch
    per_batch = originals.groupby(["counterparty_id", "as_of_ts"])["published_ts"].nunique()
    assert (per_batch == 1).all()


def test_exposures_move_with_their_instrument_prices(market, credit):
    ref, prices = market
    exp = credit["exposures"]
    final = exp[~exp["is_correction"]]
    days = pd.DatetimeIndex(final["business_date"].unique()).sort_values().as_unit("ns").asi8
    closes = daily_closes(prices, days)
    closes.columns = pd.to_datetime(closes.columns, utc=True)  # the close instants
    ret = np.log(closes).diff(axis=1)
    by_pos = final.pivot_table(index=["counterparty_id", "instrument_id"], columns="as_of_ts", values="exposure_usd")
    exp_ret = np.log(by_pos).diff(axis=1)
    assert list(exp_ret.columns) == list(ret.columns)
    inst = exp_ret.index.get_level_values("instrument_id")
    paired = pd.DataFrame({"exp": exp_ret.to_numpy().ravel(), "px": ret.loc[inst].to_numpy().ravel()}).dropna()
    assert paired["exp"].corr(paired["px"]) > 0.2


def test_limits_give_headroom_and_a_few_are_revised(credit):
    exp, limits = credit["exposures"], credit["credit_limits"]
    assert (limits["created_ts"] <= limits["effective_ts"]).all()
    revised = limits["counterparty_id"].duplicated().sum()
    assert 0 < revised < 0.3 * limits["counterparty_id"].nunique()
    first = exp[exp["as_of_ts"] == exp["as_of_ts"].min()].groupby("counterparty_id")["exposure_usd"].sum()
    initial = limits.drop_duplicates("counterparty_id").set_index("counterparty_id")["limit_usd"]
    assert (first / initial.reindex(first.index) < 1.0).mean() > 0.95


def test_max_counterparties_and_bad_parameters(market):
    ref, prices = market
    small = make_credit_data(ref, prices, seed=1, max_counterparties=20)
    assert small["exposures"]["counterparty_id"].nunique() <= 20
    for kw in ({"correction_rate": 0.9}, {"late_batch_rate": -0.1}, {"max_counterparties": 0}):
        with pytest.raises(ConfigError, match=next(iter(kw))):
            make_credit_data(ref, prices, seed=1, **kw)
    with pytest.raises(ConfigError, match="seed"):
        make_credit_data(ref, prices, seed=-1)


# ----------------------------------------------------------------------------- quality report


def _break(kind, exp, lim):
    exp, lim = exp.copy(), lim.copy()
    if kind == "missing_column":
        exp = exp.drop(columns=["published_ts"])
    elif kind == "wrong_type":
        exp["as_of_ts"] = exp["as_of_ts"].dt.tz_localize(None)
    elif kind == "invalid_value":
        exp.loc[3, "exposure_usd"] = -5.0
    elif kind == "null_values":
        exp.loc[2, "exposure_usd"] = np.nan
    elif kind == "duplicate_version":
        exp = pd.concat([exp, exp.iloc[[0]]], ignore_index=True)
    elif kind == "correction_flag":
        exp.loc[exp.index[exp["is_correction"]][0], "is_correction"] = False
    elif kind == "correction_before_original":
        i = exp.index[exp["version"] == 2][0]
        exp.loc[i, "published_ts"] = exp.loc[i, "as_of_ts"] + pd.Timedelta(minutes=1)
    elif kind == "published_before_close":
        exp.loc[5, "published_ts"] = exp.loc[5, "as_of_ts"] - pd.Timedelta(hours=1)
    elif kind == "backdated_limit":
        lim.loc[0, "created_ts"] = lim.loc[0, "effective_ts"] + pd.Timedelta(days=2)
    elif kind == "no_limit":
        lim = lim[lim["counterparty_id"] != exp["counterparty_id"].iloc[0]]
    elif kind == "unknown_reference":
        exp.loc[1, "instrument_id"] = "NOPE.001"
    elif kind == "version_gap":
        exp.loc[exp.index[exp["version"] == 1][0], "version"] = 4
    return exp, lim


@pytest.mark.parametrize(
    "kind",
    [
        "missing_column",
        "wrong_type",
        "invalid_value",
        "null_values",
        "duplicate_version",
        "correction_flag",
        "correction_before_original",
        "published_before_close",
        "backdated_limit",
        "no_limit",
        "unknown_reference",
        "version_gap",
    ],
)
def test_each_fault_is_reported_by_kind(market, credit, kind):
    ref, _ = market
    exp, lim = _break(kind, credit["exposures"], credit["credit_limits"])
    report = validate_credit_data(exp, lim, ref)
    assert kind in report.kinds(), report.summary()


def test_record_models_reject_bad_rows_naming_the_rule():
    close = datetime(2026, 1, 5, 21, tzinfo=UTC)
    good = {
        "counterparty_id": "CP00001",
        "instrument_id": "EQ.LDN.001",
        "asset_class": "equity",
        "business_date": close.replace(hour=0),
        "as_of_ts": close,
        "published_ts": close.replace(hour=22),
        "version": 1,
        "is_correction": False,
        "exposure_usd": 1.0e6,
    }
    assert validate_exposure_record(good).exposure_usd == 1.0e6
    bad_rows = [
        ({"published_ts": close.replace(hour=20)}, "before as_of_ts"),
        ({"version": 2}, "is_correction"),
        ({"as_of_ts": close.replace(tzinfo=None)}, "timezone"),
        ({"exposure_usd": -1.0}, "exposure_usd"),
        ({"surprise": 1}, "surprise"),
    ]
    for change, message in bad_rows:
        with pytest.raises(ValidationError, match=message):
            validate_exposure_record({**good, **change})
    with pytest.raises(ValidationError, match="backdated"):
        CreditLimit(counterparty_id="CP1", limit_usd=1e6, effective_ts=close, created_ts=close.replace(hour=23))
