"""Milestone 5: the point-in-time training set of a "limit breach tomorrow" model.

One row per (counterparty, business-day close ``d`` that has a next business day): the features as
known at the cut-off ``d + FEATURE_CUTOFF`` (``event_timestamp``), and the label — utilisation above 1
at the next business day's close, *as finally known* (the latest version of that close's
``credit_utilisation`` row). The volatility is that of the counterparty's ``largest_instrument_id`` as
of the same cut-off (a second point-in-time join).
"""

from __future__ import annotations

import pandas as pd

from featurestore_lab.stores import OfflineStore

FEATURE_CUTOFF = pd.Timedelta(hours=2, minutes=30)
FEATURES: tuple[str, ...] = (
    "limit_utilisation",
    "exposure_change_1d",
    "exposure_change_5d",
    "largest_instrument_share",
    "n_instruments",
    "volatility_10d",
)
LABEL = "breach_next_day"


def breach_training_set(offline: OfflineStore) -> pd.DataFrame:
    """Columns ``counterparty_id``, ``event_timestamp``, ``close_ts``, ``next_close_ts``, :data:`LABEL`
    (1.0 / 0.0), and every feature of the four views, read from ``offline``."""
    raise NotImplementedError("TODO m5: the breach training set")


def time_split(frame: pd.DataFrame, *, test_share: float = 0.3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train on the first business days, test on the last ``test_share`` of them; drop training rows whose
    label (``next_close_ts``) falls in the test period. A ``test_share`` outside (0, 1) is an error."""
    raise NotImplementedError("TODO m5: a purged time split")
