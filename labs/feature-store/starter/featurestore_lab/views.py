"""Milestone 1: declare the credit-risk feature views, and build each view's rows from the data.

A view is a *declaration* (Feast style): a name, the entity's join keys, the source table and its two
timestamps, the features, a TTL and an owner. Everything else in the store reads it.

Feature rows carry the keys, ``event_ts`` (the close the value describes), ``available_at`` (when that
value could first be read) and one column per feature. For the credit views you may compute the values
with ``reference_impl.features.credit`` (this lab is about the store, not the formulas): its
``credit_state_rows(exposures, credit_limits)`` gives every counterparty state ever known,
``view_rows(state, features)`` keeps one view's columns, and ``instrument_volatility_rows(prices,
calendar)`` the volatility rows. Read its module docstring: it explains the correction semantics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

#: The four views, in declaration order.
VIEW_NAMES: tuple[str, ...] = (
    "credit_utilisation",
    "credit_exposure_growth",
    "credit_concentration",
    "instrument_volatility",
)


@dataclass(frozen=True)
class ViewSpec:
    """One feature view's declaration (given: you fill in the values in :func:`credit_views`)."""

    name: str
    keys: tuple[str, ...]
    features: tuple[str, ...]
    source_table: str
    event_timestamp: str
    created_timestamp: str
    ttl: pd.Timedelta | None
    owner: str
    description: str = ""

    def columns(self) -> list[str]:
        """Column order of the view's rows."""
        return [*self.keys, "event_ts", "available_at", *self.features]


def credit_views() -> dict[str, ViewSpec]:
    """The four credit views by name (:data:`VIEW_NAMES`).

    * ``credit_utilisation`` (key ``counterparty_id``): ``exposure_usd``, ``limit_usd``, ``limit_utilisation``;
    * ``credit_exposure_growth``: ``exposure_change_1d``, ``exposure_change_5d``;
    * ``credit_concentration``: ``largest_instrument_share``, ``n_instruments``, ``largest_instrument_id``;
    * ``instrument_volatility`` (key ``instrument_id``): ``volatility_10d``, ``return_1d``.

    Counterparty views read table ``exposures`` (event ``as_of_ts``, created ``published_ts``); the
    volatility view reads ``prices`` (``ts`` for both). TTL: 5 days for every view. Give each an owner.
    """
    raise NotImplementedError("TODO m1: declare the four credit views")


def view_rows(name: str, data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The rows of view ``name`` from ``data`` (``exposures``, ``credit_limits``, ``prices``, ``calendar``).

    Exactly the columns of ``credit_views()[name].columns()``, keys as strings, timestamps tz-aware UTC,
    ``available_at >= event_ts``; a correction's row is available from the instant it was *published*.
    Unknown ``name``: :class:`~featurestore_lab.errors.FeatureStoreError` naming it.
    """
    raise NotImplementedError("TODO m1: build a view's feature rows")
