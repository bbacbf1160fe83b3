"""Hand-made trade frames for the feature tests (importable helpers; fixtures live in conftest.py)."""

from __future__ import annotations

import pandas as pd


def utc(*stamps: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(stamps), utc=True))


def make_trades(rows: list[dict]) -> pd.DataFrame:
    """Trades with sensible defaults; each dict overrides some columns."""
    base = {
        "event_type": "new", "desk": "EQ_LDN", "book": "EQ_LDN-B1", "trader_id": "T1",
        "counterparty_id": "CP1", "instrument_id": "VOD", "side": "BUY", "quantity": 10.0, "price": 100.0,
        "notional_usd": 1_000.0,
    }
    records = []
    for i, row in enumerate(rows):
        rec = {"trade_id": f"X{i:03d}", **base, **row}
        rec.setdefault("exec_ts", rec.get("booking_ts"))
        records.append(rec)
    frame = pd.DataFrame.from_records(records)
    for col in ("exec_ts", "booking_ts"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    for col in ("trade_id", "event_type", "desk", "book", "trader_id", "counterparty_id", "instrument_id", "side"):
        frame[col] = frame[col].astype("str")
    return frame
