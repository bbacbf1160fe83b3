"""Tiny hand-made frames for feature tests (no generator: every expected value can be worked out by hand)."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture
def ref() -> dict[str, pd.DataFrame]:
    desks = pd.DataFrame({
        "desk": ["EQ_LDN", "EQ_NYC"], "tz": ["Europe/London", "America/New_York"],
        "open_local": ["08:00", "09:30"], "close_local": ["16:30", "16:00"],
        "notional_limit_usd": [1e6, 2e6], "booking_sla_minutes": [30, 60],
    })
    calendar = pd.DataFrame({"date": pd.date_range("2026-01-01", periods=400, freq="D").date,
                             "is_trading_day": True})
    calendar.loc[calendar["date"] == pd.Timestamp("2026-05-04").date(), "is_trading_day"] = False
    return {"desks": desks, "calendar": calendar}


@pytest.fixture
def prices() -> pd.DataFrame:
    return pd.DataFrame({
        "instrument_id": ["VOD", "VOD", "BP"],
        "ts": pd.to_datetime(["2026-03-02 09:00", "2026-03-02 10:00", "2026-03-02 09:00"], utc=True),
        "price": [100.0, 110.0, 50.0],
    })
