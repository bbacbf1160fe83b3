"""Milestone 1: per-trade features, computed point-in-time (what the bank knew when the trade was booked).

One row per trade event, aligned on the input's index, with :data:`KEY_COLUMNS`, ``notional_usd`` and
the float64 :data:`FEATURES`. The time rules are the whole point of this milestone:

* a trader's history is the trades **booked strictly before** this one (``booking_ts``, the time the
  bank learned of a trade — not ``exec_ts``): a trade executed at 10:00 but booked at 16:00 counts from
  16:00. Trades booked at the same instant do not see each other. Cancels are not activity.
* so the features of a trade never change when later trades are added to the frame (no look-ahead);
* missing stays missing: too little history, no reference price, an unknown desk or counterparty -> NaN.

=================================  ============================================================================
feature                            definition
=================================  ============================================================================
``log_notional_usd``               log10 of ``notional_usd`` (NaN when not positive)
``notional_to_desk_limit``         ``notional_usd`` / the desk's ``notional_limit_usd`` (``ref["desks"]``)
``notional_zscore_7d``             (notional - mean) / std of the trader's non-cancel notionals booked in
                                   ``[booking_ts - 7 days, booking_ts)``; NaN with < 3 such trades or std 0
``trader_trade_count_1d``          the trader's non-cancel trades booked in ``[booking_ts - 1 day, booking_ts)``
``abs_price_deviation_bps``        abs(price - reference) / reference * 1e4; reference = the last
                                   ``prices`` row of the instrument at or before ``exec_ts``, at most 1 day old
``off_hours``                      1.0 when executed outside the desk's ``open_local``-``close_local`` in the
                                   desk's own time zone (``tz``), at a weekend or on a non-trading day
                                   (``ref["calendar"]``), else 0.0
``is_new_counterparty``            1.0 for a ``new`` trade whose (book, counterparty) pair was never booked
                                   before, else 0.0
``counterparty_age_days``          days from the counterparty's ``onboarded_date`` (00:00 UTC) to ``exec_ts``
``booking_delay_sla_ratio``        (booking_ts - exec_ts) / the desk's ``booking_sla_minutes``
``duplicate_prior_bookings_1d``    earlier bookings (previous day, cancels excluded) by the same trader of the
                                   same instrument, counterparty, side, quantity, price and ``exec_ts``
``opposite_side_matches_1h``       earlier bookings (previous hour) by the same trader, instrument,
                                   counterparty and quantity on the other side (a wash trade's second leg)
=================================  ============================================================================
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

#: Identifier and time columns carried through to the feature frame (the rules and the audit read them).
KEY_COLUMNS: tuple[str, ...] = (
    "trade_id",
    "trader_id",
    "book",
    "counterparty_id",
    "desk",
    "instrument_id",
    "event_type",
    "exec_ts",
    "booking_ts",
)
#: The model's inputs, in this order (all float64).
FEATURES: tuple[str, ...] = (
    "log_notional_usd",
    "notional_to_desk_limit",
    "notional_zscore_7d",
    "trader_trade_count_1d",
    "abs_price_deviation_bps",
    "off_hours",
    "is_new_counterparty",
    "counterparty_age_days",
    "booking_delay_sla_ratio",
    "duplicate_prior_bookings_1d",
    "opposite_side_matches_1h",
)
#: Every column of :func:`trade_features`' frame, in order.
COLUMNS: tuple[str, ...] = (*KEY_COLUMNS, "notional_usd", *FEATURES)


def trade_features(trades: pd.DataFrame, ref: Mapping[str, pd.DataFrame], prices: pd.DataFrame) -> pd.DataFrame:
    """The feature frame of ``trades``: :data:`COLUMNS`, one row per event, same index and order.

    ``trades`` are trade-capture events (``reference_impl.data.make_trades``' columns); ``ref`` the
    reference tables (``desks`` required; ``calendar`` and ``counterparties`` used); ``prices`` has
    ``instrument_id``, ``ts`` and ``price``. Timestamps must be tz-aware: a naive ``exec_ts`` or
    ``booking_ts`` raises :class:`~anomaly_lab.errors.AnomalyLabError` naming the column, and so does
    a missing column.
    """
    raise NotImplementedError("TODO m1: trade_features — point-in-time trade features")
