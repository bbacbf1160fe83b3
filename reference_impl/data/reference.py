"""Static reference data: desks, instruments, counterparties, traders, the trading calendar and FX rates.

Reference data is the "golden source" every trade is checked against: a trade naming an
instrument, desk or counterparty that is not here is a data-quality problem, not a trade.
Everything is generated from one seed so that two runs produce identical tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from reference_impl.errors import ConfigError

#: Four asset classes; the trade generator scales sizes and price scatter per class.
ASSET_CLASSES: tuple[str, ...] = ("equity", "fx", "govt_bond", "irs")

#: Desk table: local time zone and core trading hours (local), notional limit and booking SLA.
#: FX desks really trade 24 hours; here they have desk hours so that "off-hours" means something.
DESK_TABLE: tuple[tuple[str, str, str, str, str, float, int], ...] = (
    # desk,       asset_class, tz,                 open,    close,   notional_limit_usd, booking_sla_minutes
    ("EQ_LDN", "equity", "Europe/London", "08:00", "16:30", 50e6, 30),
    ("EQ_NYC", "equity", "America/New_York", "09:30", "16:00", 50e6, 30),
    ("EQ_FRA", "equity", "Europe/Berlin", "09:00", "17:30", 50e6, 30),
    ("FX_LDN", "fx", "Europe/London", "07:00", "17:00", 250e6, 15),
    ("FX_TKY", "fx", "Asia/Tokyo", "08:00", "17:00", 250e6, 15),
    ("RATES_NYC", "govt_bond", "America/New_York", "08:00", "17:00", 500e6, 60),
    ("RATES_LDN", "govt_bond", "Europe/London", "07:30", "17:00", 500e6, 60),
    ("SWAPS_LDN", "irs", "Europe/London", "07:30", "17:30", 1e9, 120),
    ("SWAPS_NYC", "irs", "America/New_York", "08:00", "17:00", 1e9, 120),
)

#: Currencies with a USD rate, their starting ``usd_per_unit`` and annual volatility.
FX_START: dict[str, tuple[float, float]] = {
    "USD": (1.0, 0.0),
    "EUR": (1.08, 0.07),
    "GBP": (1.27, 0.08),
    "JPY": (0.0067, 0.10),
    "CHF": (1.13, 0.07),
    "AUD": (0.66, 0.10),
}

_EQUITY_CCY = {"EQ_LDN": "GBP", "EQ_NYC": "USD", "EQ_FRA": "EUR"}
_FX_PAIRS = {
    "FX_LDN": ("EURUSD", "GBPUSD", "EURGBP", "USDCHF", "EURCHF"),
    "FX_TKY": ("USDJPY", "EURJPY", "AUDUSD", "AUDJPY"),
}
_BONDS = {
    "RATES_NYC": (("UST2Y", "USD"), ("UST5Y", "USD"), ("UST10Y", "USD"), ("UST30Y", "USD")),
    "RATES_LDN": (
        ("GILT5Y", "GBP"),
        ("GILT10Y", "GBP"),
        ("GILT30Y", "GBP"),
        ("BUND2Y", "EUR"),
        ("BUND10Y", "EUR"),
        ("OAT10Y", "EUR"),
    ),
}
_SWAPS = {
    "SWAPS_LDN": (
        ("EUR2Y", "EUR"),
        ("EUR5Y", "EUR"),
        ("EUR10Y", "EUR"),
        ("EUR30Y", "EUR"),
        ("GBP5Y", "GBP"),
        ("GBP10Y", "GBP"),
    ),
    "SWAPS_NYC": (("USD2Y", "USD"), ("USD5Y", "USD"), ("USD10Y", "USD"), ("USD30Y", "USD")),
}
#: Fixed 2026 market holidays (one shared calendar; real desks follow their own exchanges).
HOLIDAYS_2026: tuple[str, ...] = (
    "2026-01-01",
    "2026-04-03",
    "2026-04-06",
    "2026-05-04",
    "2026-05-25",
    "2026-08-31",
    "2026-12-25",
    "2026-12-28",
)
_COUNTRIES = ("GB", "US", "DE", "FR", "CH", "JP", "NL", "IE", "LU", "SG", "HK", "AU", "CA", "IT", "ES")
_CP_STEMS = (
    "Northgate",
    "Harbour",
    "Meridian",
    "Albion",
    "Rhine",
    "Sakura",
    "Summit",
    "Bluewater",
    "Kestrel",
    "Granite",
    "Aurora",
    "Lindqvist",
    "Castellan",
    "Pembroke",
    "Fairhaven",
    "Ironbridge",
    "Marlow",
    "Solent",
    "Tamar",
    "Wexford",
    "Bergmann",
    "Delacroix",
    "Okada",
    "Vantage",
    "Halcyon",
    "Redwood",
    "Larkspur",
    "Ashdown",
    "Calloway",
    "Montclair",
)
_CP_KINDS = (
    "Capital",
    "Asset Management",
    "Partners",
    "Securities",
    "Bank",
    "Investments",
    "Pension Fund",
    "Advisors",
    "Holdings",
    "Markets",
)
_CP_SUFFIX = ("Ltd", "LLC", "GmbH", "SA", "plc", "AG", "LP", "KK", "BV")

_STR = pd.StringDtype("pyarrow", na_value=np.nan)
DEFAULT_START = "2026-01-05"
N_COUNTERPARTIES = 400
NEW_COUNTERPARTY_SHARE = 0.15
#: New counterparties may be onboarded up to this many days before the first calendar day.
NEW_COUNTERPARTY_LEAD_DAYS = 14
TRADERS_PER_DESK = 8
BOOKS_PER_DESK = 3


def check_seed(seed: object) -> int:
    """Return ``seed`` as an int, or raise :class:`ConfigError` naming the bad value.

    >>> check_seed(7)
    7
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def take_str(categories: np.ndarray | list[str] | pa.Array, codes: np.ndarray) -> pd.Series:
    """``categories[codes]`` as a pandas ``str`` Series (code -1 gives NaN), without a Python loop.

    >>> take_str(["a", "b"], np.array([1, 0, -1])).tolist()
    ['b', 'a', nan]
    """
    codes = np.asarray(codes, dtype="int64")
    mask = codes < 0
    dictionary = (
        categories
        if isinstance(categories, pa.Array)
        else pa.array(np.asarray(categories, dtype=object), pa.large_string())
    )
    indices = pa.array(np.where(mask, 0, codes), mask=mask if mask.any() else None)
    decoded = pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.large_string())
    return pd.Series(decoded, dtype=_STR)


def utc_from_ns(ns: np.ndarray) -> pd.DatetimeIndex:
    """int64 nanoseconds since the epoch to a tz-aware UTC index (cheap, no parsing)."""
    return pd.DatetimeIndex(np.asarray(ns, dtype="int64").view("datetime64[ns]")).tz_localize("UTC")


def hhmm_to_minutes(hhmm: str) -> int:
    """``"07:30"`` -> 450 (minutes after midnight)."""
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def make_desks() -> pd.DataFrame:
    """The desk table (no randomness): tz, local hours, notional limit, booking SLA."""
    frame = pd.DataFrame(
        DESK_TABLE,
        columns=["desk", "asset_class", "tz", "open_local", "close_local", "notional_limit_usd", "booking_sla_minutes"],
    )
    frame["booking_sla_minutes"] = frame["booking_sla_minutes"].astype("int64")
    return frame[
        ["desk", "tz", "open_local", "close_local", "notional_limit_usd", "booking_sla_minutes", "asset_class"]
    ]


def make_instruments(rng: np.random.Generator, n_equities_per_desk: int = 20) -> pd.DataFrame:
    """Instruments of the four asset classes, each owned by one desk and quoted in one currency.

    Prices are per unit: shares for equities, one unit of base currency for FX, 100 face for
    bonds and 100 notional for swaps (a PV-style quote), so ``notional = quantity * price``
    holds for every asset class.
    """
    rows: list[tuple[str, str, str, str, float, float]] = []
    for desk, ccy in _EQUITY_CCY.items():
        prices = np.round(np.exp(rng.normal(np.log(60.0), 0.8, n_equities_per_desk)), 2)
        for i, price in enumerate(prices, start=1):
            rows.append((f"EQ.{desk[3:]}.{i:03d}", "equity", ccy, desk, float(max(price, 1.0)), 1.0))
    for desk, pairs in _FX_PAIRS.items():
        for pair in pairs:
            base, quote = pair[:3], pair[3:]
            rate = FX_START[base][0] / FX_START[quote][0]
            rows.append((f"FX.{pair}", "fx", quote, desk, float(np.round(rate, 5)), 1000.0))
    for desk, bonds in _BONDS.items():
        for name, ccy in bonds:
            rows.append((f"GB.{name}", "govt_bond", ccy, desk, float(np.round(rng.uniform(94, 103), 3)), 1000.0))
    for desk, swaps in _SWAPS.items():
        for name, ccy in swaps:
            rows.append((f"IRS.{name}", "irs", ccy, desk, float(np.round(rng.uniform(98, 102), 3)), 10000.0))
    return pd.DataFrame(rows, columns=["instrument_id", "asset_class", "currency", "desk", "base_price", "lot_size"])


def make_calendar(start: str = DEFAULT_START, n_calendar_days: int = 365) -> pd.DataFrame:
    """One row per calendar day; weekends and :data:`HOLIDAYS_2026` are not trading days."""
    dates = pd.date_range(start, periods=n_calendar_days, freq="D")
    holidays = pd.DatetimeIndex(pd.to_datetime(list(HOLIDAYS_2026)))
    trading = (dates.day_of_week < 5) & ~dates.isin(holidays)
    return pd.DataFrame({"date": dates.date, "is_trading_day": np.asarray(trading, dtype=bool)})


def make_fx_rates(calendar: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Daily ``usd_per_unit`` per currency (a GBM; non-trading days repeat the previous close)."""
    n_days = len(calendar)
    trading = calendar["is_trading_day"].to_numpy()
    frames = []
    for ccy, (start, vol) in FX_START.items():
        shocks = rng.normal(0.0, vol / np.sqrt(252.0), n_days) * trading
        shocks[0] = 0.0
        path = start * np.exp(np.cumsum(shocks))
        frames.append(pd.DataFrame({"date": calendar["date"].to_numpy(), "currency": ccy, "usd_per_unit": path}))
    return pd.concat(frames, ignore_index=True)


def make_counterparties(rng: np.random.Generator, calendar: pd.DataFrame, n: int = N_COUNTERPARTIES) -> pd.DataFrame:
    """Synthetic counterparties; ~15 % are onboarded during the period (``onboarded_date``).

    The onboarding date matters for the ``large_new_counterparty`` anomaly: a big ticket with a
    counterparty the bank has known for only a few days is a classic control trigger.
    """
    stems = rng.choice(len(_CP_STEMS), n)
    kinds = rng.choice(len(_CP_KINDS), n)
    suffix = rng.choice(len(_CP_SUFFIX), n)
    names = [f"{_CP_STEMS[a]} {_CP_KINDS[b]} {_CP_SUFFIX[c]}" for a, b, c in zip(stems, kinds, suffix)]
    n_new = int(round(n * NEW_COUNTERPARTY_SHARE))
    start = pd.Timestamp(calendar["date"].iloc[0])
    established = start - pd.to_timedelta(rng.integers(60, 3650, n - n_new), unit="D")  # > 30 days old
    trading_dates = pd.to_datetime(calendar.loc[calendar["is_trading_day"], "date"]).to_numpy()
    # new counterparties are onboarded from two weeks before the start over the first ~4 months, so
    # every period, however short, has some counterparties younger than 30 days
    lead = pd.bdate_range(start - pd.Timedelta(days=NEW_COUNTERPARTY_LEAD_DAYS), start, inclusive="left").to_numpy()
    onboarding_days = np.concatenate([lead, trading_dates[:80]])
    new = onboarding_days[rng.integers(0, len(onboarding_days), n_new)]
    onboarded = np.concatenate([established.to_numpy(), new])
    return pd.DataFrame(
        {
            "counterparty_id": [f"CP{i:05d}" for i in range(1, n + 1)],
            "name": names,
            "country": rng.choice(np.array(_COUNTRIES, dtype=object), n),
            "tier": rng.choice(np.array(["tier1", "tier2", "tier3"], dtype=object), n, p=[0.2, 0.45, 0.35]),
            "onboarded_date": pd.DatetimeIndex(onboarded).date,
        }
    )


def make_traders(rng: np.random.Generator, desks: pd.DataFrame) -> pd.DataFrame:
    """Traders per desk, each booking into one of the desk's books."""
    rows = []
    for desk in desks["desk"]:
        for t in range(1, TRADERS_PER_DESK + 1):
            book = f"{desk}-B{1 + (t - 1) % BOOKS_PER_DESK}"
            rows.append((f"{desk}-T{t:02d}", desk, book))
    frame = pd.DataFrame(rows, columns=["trader_id", "desk", "book"])
    # activity weights are per trader and random: some traders trade far more than others
    frame["activity"] = np.round(rng.gamma(2.0, 1.0, len(frame)), 6)
    return frame


def make_reference_data(
    seed: int = 42, *, start: str = DEFAULT_START, n_calendar_days: int = 365
) -> dict[str, pd.DataFrame]:
    """All reference tables, seeded.

    Parameters
    ----------
    seed : int
        Non-negative seed for :func:`numpy.random.default_rng`.
    start : str
        First calendar day (ISO date).
    n_calendar_days : int
        Length of the calendar and the FX-rate history.

    Returns
    -------
    dict of str to DataFrame
        ``instruments``, ``desks``, ``counterparties``, ``calendar``, ``fx_rates``, ``traders``.

    Examples
    --------
    >>> ref = make_reference_data(1)
    >>> sorted(ref["instruments"]["asset_class"].unique())
    ['equity', 'fx', 'govt_bond', 'irs']
    """
    seed = check_seed(seed)
    if not isinstance(n_calendar_days, int) or n_calendar_days < 30:
        raise ConfigError(f"n_calendar_days must be an integer >= 30, got {n_calendar_days!r}")
    try:
        pd.Timestamp(start)
    except ValueError as exc:
        raise ConfigError(f"start must be an ISO date, got {start!r}") from exc
    rng = np.random.default_rng([seed, 1])
    desks = make_desks()
    calendar = make_calendar(start, n_calendar_days)
    return {
        "instruments": make_instruments(rng),
        "desks": desks,
        "counterparties": make_counterparties(rng, calendar),
        "calendar": calendar,
        "fx_rates": make_fx_rates(calendar, rng),
        "traders": make_traders(rng, desks),
    }


__all__ = [
    "ASSET_CLASSES",
    "DESK_TABLE",
    "FX_START",
    "HOLIDAYS_2026",
    "check_seed",
    "hhmm_to_minutes",
    "take_str",
    "utc_from_ns",
    "make_calendar",
    "make_counterparties",
    "make_desks",
    "make_fx_rates",
    "make_instruments",
    "make_reference_data",
    "make_traders",
]
