"""Counterparty credit limits and daily exposures, with the late corrections a real risk feed carries.

A credit-risk engine values every counterparty's positions at the close of each business day and
publishes one exposure row per (counterparty, instrument) shortly after (the *overnight run*). Some
runs are late (published the next morning), and some rows are corrected days later (a missed trade,
a wrong mark): the correction is a *new row* for the same business day with a higher ``version`` and
a later ``published_ts``. Nothing is overwritten, so "what did we know at 23:30 on Tuesday?" stays
answerable — that is what the feature store's point-in-time join needs.

Exposures move with the market (each position's value follows :func:`~reference_impl.data.make_prices`
times a sensitivity per asset class) and with trading (a random walk of the position size with
occasional new deals and unwinds). Limits are set with headroom over the first exposure and revised
for a few counterparties during the period. Every draw comes from ``numpy.random.default_rng``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from reference_impl.data.market import price_matrix
from reference_impl.data.quality import QualityIssue, QualityReport, _issue, _kind_of
from reference_impl.data.reference import check_seed, take_str, utc_from_ns
from reference_impl.data.schemas import Identifier, StoredTimestamp
from reference_impl.errors import ConfigError, DataValidationError

#: Column order of the ``exposures`` table.
EXPOSURE_COLUMNS: tuple[str, ...] = (
    "counterparty_id",
    "instrument_id",
    "asset_class",
    "business_date",
    "as_of_ts",
    "published_ts",
    "version",
    "is_correction",
    "exposure_usd",
)
#: Column order of the ``credit_limits`` table.
LIMIT_COLUMNS: tuple[str, ...] = ("counterparty_id", "limit_usd", "effective_ts", "created_ts")
#: Expected kind of every column (``str``, ``float``, ``bool``, ``utc``), as in :data:`~reference_impl.data.quality.TRADE_SCHEMA`.
EXPOSURE_SCHEMA: dict[str, str] = {
    "counterparty_id": "str",
    "instrument_id": "str",
    "asset_class": "str",
    "business_date": "utc",
    "as_of_ts": "utc",
    "published_ts": "utc",
    "version": "float",
    "is_correction": "bool",
    "exposure_usd": "float",
}
LIMIT_SCHEMA: dict[str, str] = {
    "counterparty_id": "str",
    "limit_usd": "float",
    "effective_ts": "utc",
    "created_ts": "utc",
}

#: The exposure snapshot of a business day is taken at this UTC time (after the New York close).
CLOSE_HOUR_UTC = 21
#: The overnight run publishes a snapshot 20 to 120 minutes after the close ...
PUBLISH_DELAY_MINUTES = (20, 120)
#: ... except on this share of (counterparty, day) batches, published the next morning (06:00-10:00 UTC).
LATE_BATCH_RATE = 0.03
#: Share of exposure rows corrected later (1 to 5 days after the close); a share of those corrected twice.
CORRECTION_RATE = 0.05
SECOND_CORRECTION_RATE = 0.2
#: How strongly a position's value moves with its instrument's price, per asset class (swap and bond
#: exposures are leveraged: a small price move is a large change in replacement cost).
SENSITIVITY: dict[str, float] = {"equity": 2.0, "fx": 6.0, "govt_bond": 8.0, "irs": 8.0}
#: Day-on-day persistence of a position's size deviation from its starting size (1 would be a random walk).
SIZE_REVERSION = 0.9
#: Typical position size (USD) per counterparty tier.
TIER_POSITION_USD: dict[str, float] = {"tier1": 40e6, "tier2": 12e6, "tier3": 4e6}
#: Share of counterparties whose limit is revised (raised or cut) once during the period.
LIMIT_REVISION_RATE = 0.12
_NS = 1_000_000_000
_MIN = 60 * _NS
_DAY_NS = 86_400 * _NS


# --------------------------------------------------------------------------- record models


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class ExposureRecord(_Strict):
    """One published exposure row: a counterparty's exposure on one instrument at one business-day close.

    >>> from datetime import datetime, timezone
    >>> close = datetime(2026, 1, 5, 21, 0, tzinfo=timezone.utc)
    >>> ExposureRecord(counterparty_id="CP00001", instrument_id="EQ.LDN.001", asset_class="equity",
    ...                business_date=close.replace(hour=0), as_of_ts=close,
    ...                published_ts=close.replace(hour=22), version=1, is_correction=False,
    ...                exposure_usd=1.5e6).version
    1
    """

    counterparty_id: Identifier
    instrument_id: Identifier
    asset_class: Annotated[str, StringConstraints(pattern=r"^(equity|fx|govt_bond|irs)$")]
    business_date: StoredTimestamp
    as_of_ts: StoredTimestamp = Field(description="the close-of-business instant the exposure describes")
    published_ts: StoredTimestamp = Field(description="when this version became available; not before as_of_ts")
    version: Annotated[int, Field(ge=1, le=100)]
    is_correction: bool
    exposure_usd: Annotated[float, Field(ge=0.0, le=1e13, allow_inf_nan=False)]

    @model_validator(mode="after")
    def _rules(self) -> ExposureRecord:
        if self.published_ts < self.as_of_ts:
            raise ValueError("published_ts is before as_of_ts: an exposure cannot be known before the close it values")
        if self.is_correction != (self.version > 1):
            raise ValueError("is_correction must be true exactly when version > 1")
        return self


class CreditLimit(_Strict):
    """A counterparty's credit limit from ``effective_ts`` on, entered into the system at ``created_ts``."""

    counterparty_id: Identifier
    limit_usd: Annotated[float, Field(gt=0.0, le=1e13, allow_inf_nan=False)]
    effective_ts: StoredTimestamp
    created_ts: StoredTimestamp

    @model_validator(mode="after")
    def _not_backdated(self) -> CreditLimit:
        if self.created_ts > self.effective_ts:
            raise ValueError("created_ts is after effective_ts: a limit cannot be backdated")
        return self


def validate_exposure_record(record: Mapping[str, object]) -> ExposureRecord:
    """Validate one exposure row (a dict of Python values); pydantic's error names the field at fault."""
    return ExposureRecord.model_validate(dict(record))


# --------------------------------------------------------------------------- generator


def _business_days(ref: Mapping[str, pd.DataFrame], prices: pd.DataFrame) -> np.ndarray:
    """Trading days (UTC midnight, ns) whose close falls inside the price grid, as the trade generator does."""
    grid = price_matrix(prices).grid_ns
    calendar = ref["calendar"]
    days = pd.DatetimeIndex(pd.to_datetime(calendar.loc[calendar["is_trading_day"], "date"])).as_unit("ns").asi8
    days = days[(days >= grid[0] + _DAY_NS) & (days <= grid[-1] - 2 * _DAY_NS)]
    if len(days) < 2:
        raise DataValidationError("prices cover fewer than two trading days of the calendar; cannot build exposures")
    return days


def daily_closes(prices: pd.DataFrame, days_ns: np.ndarray, *, hour_utc: int = CLOSE_HOUR_UTC) -> pd.DataFrame:
    """Price of every instrument at ``hour_utc`` on each day: ``(instrument, day)`` matrix as a frame.

    Rows are instruments (index ``instrument_id``), columns the close instants (UTC ns): the last grid price
    at or before each close, as :func:`~reference_impl.data.reference_price_at` reads it.
    """
    matrix = price_matrix(prices)
    close_ns = np.asarray(days_ns, dtype=np.int64) + hour_utc * 3600 * _NS
    col = np.searchsorted(matrix.grid_ns, close_ns, side="right") - 1
    if (col < 0).any():
        raise DataValidationError("prices start after the first close; cannot read daily closes")
    return pd.DataFrame(matrix.values[:, col], index=pd.Index(matrix.ids, name="instrument_id"), columns=close_ns)


def make_credit_data(
    ref: Mapping[str, pd.DataFrame],
    prices: pd.DataFrame,
    seed: int = 42,
    *,
    correction_rate: float = CORRECTION_RATE,
    late_batch_rate: float = LATE_BATCH_RATE,
    max_counterparties: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Credit limits and daily exposures (with late batches and corrections) for the reference counterparties.

    Parameters
    ----------
    ref : mapping
        Output of :func:`~reference_impl.data.make_reference_data` (``counterparties``, ``instruments``,
        ``calendar``).
    prices : DataFrame
        Output of :func:`~reference_impl.data.make_prices`; exposures cover its trading days.
    seed : int
        Non-negative seed.
    correction_rate, late_batch_rate : float
        Share of exposure rows corrected later, and of (counterparty, day) batches published late.
    max_counterparties : int, optional
        Keep only the first ``n`` counterparties (smaller data for tests and labs).

    Returns
    -------
    dict
        ``credit_limits`` (columns :data:`LIMIT_COLUMNS`) and ``exposures`` (:data:`EXPOSURE_COLUMNS`, one row
        per published version, sorted by ``published_ts``).

    Examples
    --------
    >>> from reference_impl.data import make_prices, make_reference_data
    >>> ref = make_reference_data(0)
    >>> credit = make_credit_data(ref, make_prices(ref, n_days=5, seed=0, step_minutes=60), seed=0)
    >>> sorted(credit), bool(credit["exposures"]["is_correction"].any())
    (['credit_limits', 'exposures'], True)
    """
    seed = check_seed(seed)
    for name, value, top in (("correction_rate", correction_rate, 0.5), ("late_batch_rate", late_batch_rate, 0.5)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= top:
            raise ConfigError(f"{name} must be within [0, {top}], got {value!r}")
    if max_counterparties is not None and (
        isinstance(max_counterparties, bool) or not isinstance(max_counterparties, int) or max_counterparties < 1
    ):
        raise ConfigError(f"max_counterparties must be a positive integer, got {max_counterparties!r}")
    rng = np.random.default_rng([seed, 7])
    days = _business_days(ref, prices)
    n_days = len(days)
    cps = ref["counterparties"].iloc[: max_counterparties or None].reset_index(drop=True)
    instruments = ref["instruments"].reset_index(drop=True)
    closes = daily_closes(prices, days).reindex(instruments["instrument_id"]).to_numpy()
    if np.isnan(closes).any():
        raise DataValidationError("prices has no series for some reference instruments")

    # positions: each counterparty holds 1-6 instruments (chosen without replacement)
    n_pos_per_cp = 1 + rng.binomial(5, 0.4, len(cps))
    pos_cp = np.repeat(np.arange(len(cps)), n_pos_per_cp)
    pos_inst = np.concatenate([rng.choice(len(instruments), size=k, replace=False) for k in n_pos_per_cp])
    n_pos = len(pos_cp)
    classes = instruments["asset_class"].to_numpy()[pos_inst]
    tier_size = cps["tier"].map(TIER_POSITION_USD).to_numpy(dtype="float64")[pos_cp]
    size0 = tier_size * rng.lognormal(0.0, 0.8, n_pos)
    # trading: a log random walk of the position size with occasional new deals (up) and unwinds (down)
    steps = rng.normal(0.0, 0.03, (n_pos, n_days))
    steps += np.where(rng.random((n_pos, n_days)) < 0.04, rng.lognormal(np.log(0.3), 0.5, (n_pos, n_days)), 0.0)
    steps -= np.where(rng.random((n_pos, n_days)) < 0.045, rng.uniform(0.1, 0.4, (n_pos, n_days)), 0.0)
    steps[:, 0] = 0.0
    # mean-reverting (AR(1)) around the starting size: credit officers steer exposure back towards appetite
    drift = np.zeros_like(steps)
    for day in range(1, n_days):  # one step per business day, vectorised over positions
        drift[:, day] = SIZE_REVERSION * drift[:, day - 1] + steps[:, day]
    size = size0[:, None] * np.exp(drift)
    # market: value moves with the instrument's price since the first day, scaled by the class sensitivity
    sens = np.array([SENSITIVITY[c] for c in classes])
    rel = closes[pos_inst] / closes[pos_inst, :1] - 1.0
    value = np.round(size * np.maximum(0.05, 1.0 + sens[:, None] * rel), 2)

    # a counterparty has exposures from its first trading day on or after onboarding
    onboard = pd.DatetimeIndex(pd.to_datetime(cps["onboarded_date"])).as_unit("ns").asi8
    first_day = np.searchsorted(days, onboard, side="left")
    live = np.arange(n_days)[None, :] >= first_day[pos_cp][:, None]
    p_idx, d_idx = np.nonzero(live)
    close_ns = days[d_idx] + CLOSE_HOUR_UTC * 3600 * _NS

    # publication: one instant per (counterparty, day) batch; a few batches arrive the next morning
    batch_delay = rng.integers(PUBLISH_DELAY_MINUTES[0], PUBLISH_DELAY_MINUTES[1] + 1, (len(cps), n_days)) * _MIN
    next_morning = (24 - CLOSE_HOUR_UTC + 6) * 3600 * _NS + rng.integers(0, 241, (len(cps), n_days)) * _MIN
    late = rng.random((len(cps), n_days)) < late_batch_rate
    delay = np.where(late, next_morning, batch_delay)
    published = close_ns + delay[pos_cp[p_idx], d_idx]
    base = {
        "pos": p_idx,
        "day": d_idx,
        "as_of": close_ns,
        "published": published,
        "version": np.ones(len(p_idx), dtype=np.int64),
        "value": value[p_idx, d_idx],
    }

    # corrections: a new version of the same row, 1-5 days later during London/New York hours
    corrected = np.flatnonzero(rng.random(len(p_idx)) < correction_rate)
    parts = [base]
    previous = corrected
    prev_published = published[corrected]
    for version, share in ((2, 1.0), (3, SECOND_CORRECTION_RATE)):
        keep = rng.random(len(previous)) < share
        rows, after = previous[keep], prev_published[keep]
        wait_days = rng.integers(1, 6, len(rows))
        when = (after // _DAY_NS + wait_days) * _DAY_NS + 8 * 3600 * _NS + rng.integers(0, 600, len(rows)) * _MIN
        factor = np.exp(rng.normal(0.05, 0.25, len(rows)))
        parts.append(
            {
                "pos": base["pos"][rows],
                "day": base["day"][rows],
                "as_of": base["as_of"][rows],
                "published": np.maximum(when, after + _MIN),
                "version": np.full(len(rows), version, dtype=np.int64),
                "value": np.round(base["value"][rows] * factor, 2),
            }
        )
        previous, prev_published = rows, parts[-1]["published"]
    cols = {k: np.concatenate([p[k] for p in parts]) for k in base}
    order = np.lexsort((cols["version"], pos_inst[cols["pos"]], pos_cp[cols["pos"]], cols["published"]))
    cols = {k: v[order] for k, v in cols.items()}
    exposures = pd.DataFrame(
        {
            "counterparty_id": take_str(cps["counterparty_id"].to_numpy(), pos_cp[cols["pos"]]),
            "instrument_id": take_str(instruments["instrument_id"].to_numpy(), pos_inst[cols["pos"]]),
            "asset_class": take_str(classes, cols["pos"]),
            "business_date": utc_from_ns(days[cols["day"]]),
            "as_of_ts": utc_from_ns(cols["as_of"]),
            "published_ts": utc_from_ns(cols["published"]),
            "version": cols["version"].astype("int64"),
            "is_correction": cols["version"] > 1,
            "exposure_usd": cols["value"].astype("float64"),
        }
    )
    return {"credit_limits": _make_limits(rng, cps, days, first_day, pos_cp, value), "exposures": exposures}


def _make_limits(
    rng: np.random.Generator,
    cps: pd.DataFrame,
    days: np.ndarray,
    first_day: np.ndarray,
    pos_cp: np.ndarray,
    value: np.ndarray,
) -> pd.DataFrame:
    """One initial limit per counterparty with headroom over its first exposure; a few revisions later."""
    n_cp, n_days = len(cps), len(days)
    active = first_day < n_days
    start = np.minimum(first_day, n_days - 1)
    first_total = np.bincount(pos_cp, weights=value[np.arange(len(pos_cp)), start[pos_cp]], minlength=n_cp)
    headroom = 1.0 + rng.lognormal(np.log(0.7), 0.5, n_cp)
    initial = np.maximum(np.round(first_total * headroom, -5), 1e5)
    # the initial limit is entered and effective at 08:00 UTC on the counterparty's first business day
    initial_ts = days[start] + 8 * 3600 * _NS
    revised = active & (rng.random(n_cp) < LIMIT_REVISION_RATE) & (start < n_days - 2)
    rev_day = np.where(revised, rng.integers(np.minimum(start + 1, n_days - 1), n_days), 0)
    rev_limit = np.maximum(np.round(initial * rng.uniform(0.75, 1.4, n_cp), -5), 1e5)
    cp_idx = np.concatenate([np.flatnonzero(active), np.flatnonzero(revised)])
    limit = np.concatenate([initial[active], rev_limit[revised]])
    eff = np.concatenate([initial_ts[active], days[rev_day[revised]] + 8 * 3600 * _NS])
    order = np.lexsort((cp_idx, eff))
    return pd.DataFrame(
        {
            "counterparty_id": take_str(cps["counterparty_id"].to_numpy(), cp_idx[order]),
            "limit_usd": limit[order].astype("float64"),
            "effective_ts": utc_from_ns(eff[order]),
            "created_ts": utc_from_ns(eff[order]),
        }
    )


# --------------------------------------------------------------------------- quality


def _schema_issues(df: pd.DataFrame, schema: Mapping[str, str], table: str) -> tuple[list[QualityIssue], set[str]]:
    issues: list[QualityIssue] = []
    for col in schema:
        if col not in df.columns:
            issues.append(QualityIssue("missing_column", col, len(df), [], f"required column of {table} is missing"))
    for col in df.columns:
        if col not in schema:
            issues.append(QualityIssue("unexpected_column", col, len(df), [], f"column is not in the {table} schema"))
    usable: set[str] = set()
    for col, want in schema.items():
        if col not in df.columns:
            continue
        got = _kind_of(df[col])
        if got == want or df[col].isna().all():
            usable.add(col)
        elif want == "utc" and got == "naive":
            issues.append(QualityIssue("wrong_type", col, len(df), [], "timestamps are naive; expected tz-aware UTC"))
        else:
            issues.append(QualityIssue("wrong_type", col, len(df), [], f"expected {want}, found {df[col].dtype}"))
    return issues, usable


def validate_credit_data(
    exposures: pd.DataFrame,
    limits: pd.DataFrame,
    ref: Mapping[str, pd.DataFrame] | None = None,
    *,
    dataset: str = "credit",
) -> QualityReport:
    """Check an exposures table and its limits table; every problem is reported, not just the first.

    Issue kinds: ``missing_column, unexpected_column, wrong_type, null_values, invalid_value,
    duplicate_version, version_gap, correction_flag, published_before_close, correction_before_original,
    backdated_limit, no_limit, unknown_reference``.

    Examples
    --------
    >>> import pandas as pd
    >>> validate_credit_data(pd.DataFrame({"counterparty_id": ["CP1"]}), pd.DataFrame()).ok
    False
    """
    issues, usable = _schema_issues(exposures, EXPOSURE_SCHEMA, "exposures")
    limit_issues, limit_usable = _schema_issues(limits, LIMIT_SCHEMA, "credit_limits")
    issues += [QualityIssue(i.kind, f"credit_limits.{i.column}", i.count, i.examples, i.message) for i in limit_issues]
    found: list[QualityIssue | None] = []
    for frame, cols, prefix in ((exposures, usable, ""), (limits, limit_usable, "credit_limits.")):
        for col in sorted(cols):
            found.append(_issue("null_values", prefix + col, frame[col].isna(), "{n} null value(s)"))
    if "exposure_usd" in usable:
        x = exposures["exposure_usd"]
        bad = (x < 0) | ~np.isfinite(x.fillna(0.0))
        found.append(_issue("invalid_value", "exposure_usd", bad, "{n} exposure(s) negative or not finite"))
    if "limit_usd" in limit_usable:
        x = limits["limit_usd"]
        bad = (x <= 0) | ~np.isfinite(x.fillna(1.0))
        found.append(_issue("invalid_value", "credit_limits.limit_usd", bad, "{n} limit(s) not strictly positive"))
    key = ["counterparty_id", "instrument_id", "as_of_ts"]
    if {*key, "version"} <= usable:
        found.append(
            _issue(
                "duplicate_version",
                "version",
                exposures.duplicated([*key, "version"], keep="first"),
                "{n} row(s) repeat a (counterparty, instrument, as_of_ts, version)",
            )
        )
        rank = exposures.groupby(key, sort=False)["version"].rank(method="first")
        found.append(
            _issue(
                "version_gap",
                "version",
                (exposures["version"].to_numpy() > rank.to_numpy()) & ~exposures.duplicated([*key, "version"]),
                "{n} correction(s) without every earlier version of their row",
            )
        )
        if "is_correction" in usable:
            flag = exposures["is_correction"].astype(bool) != (exposures["version"] > 1)
            found.append(
                _issue("correction_flag", "is_correction", flag, "{n} row(s) with is_correction != (version > 1)")
            )
        if "published_ts" in usable:
            ordered = exposures.sort_values([*key, "version"], kind="stable")
            prev = ordered.groupby(key, sort=False)["published_ts"].shift(1)
            early = (ordered["published_ts"] <= prev).fillna(False).reindex(exposures.index)
            found.append(
                _issue(
                    "correction_before_original",
                    "published_ts",
                    early,
                    "{n} correction(s) published no later than the version they correct",
                )
            )
    if {"published_ts", "as_of_ts"} <= usable:
        found.append(
            _issue(
                "published_before_close",
                "published_ts",
                (exposures["published_ts"] < exposures["as_of_ts"]).fillna(False),
                "{n} row(s) published before the close they value (a clock error upstream)",
            )
        )
    if {"created_ts", "effective_ts"} <= limit_usable:
        found.append(
            _issue(
                "backdated_limit",
                "credit_limits.created_ts",
                (limits["created_ts"] > limits["effective_ts"]).fillna(False),
                "{n} limit(s) entered after they became effective (backdated limits are refused)",
            )
        )
    if {"counterparty_id", "as_of_ts"} <= usable and {"counterparty_id", "effective_ts"} <= limit_usable:
        first_limit = limits.groupby("counterparty_id")["effective_ts"].min()
        start = exposures["counterparty_id"].map(first_limit)
        found.append(
            _issue(
                "no_limit",
                "counterparty_id",
                start.isna().to_numpy() | (exposures["as_of_ts"] < start).fillna(False).to_numpy(),
                "{n} exposure row(s) of a counterparty with no limit in force",
            )
        )
    if ref is not None:
        checks = (
            (exposures, usable, "counterparty_id", "counterparties", "counterparty_id", ""),
            (exposures, usable, "instrument_id", "instruments", "instrument_id", ""),
            (limits, limit_usable, "counterparty_id", "counterparties", "counterparty_id", "credit_limits."),
        )
        for frame, cols, col, table, ref_col, prefix in checks:
            if col in cols and table in ref:
                unknown = frame[col].notna() & ~frame[col].isin(ref[table][ref_col])
                found.append(
                    _issue("unknown_reference", prefix + col, unknown, f"{{n}} value(s) not found in reference {table}")
                )
    issues += [i for i in found if i is not None]
    nulls = {c: int(exposures[c].isna().sum()) for c in exposures.columns}
    return QualityReport(
        dataset=dataset, n_rows=len(exposures), n_columns=exposures.shape[1], nulls=nulls, issues=issues
    )


__all__ = [
    "CLOSE_HOUR_UTC",
    "CORRECTION_RATE",
    "EXPOSURE_COLUMNS",
    "EXPOSURE_SCHEMA",
    "LATE_BATCH_RATE",
    "LIMIT_COLUMNS",
    "LIMIT_SCHEMA",
    "CreditLimit",
    "ExposureRecord",
    "daily_closes",
    "make_credit_data",
    "validate_credit_data",
    "validate_exposure_record",
]
