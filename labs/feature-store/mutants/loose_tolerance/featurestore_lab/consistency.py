"""Adapter: :func:`reference_impl.features.check_online_offline`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from featurestore_lab.errors import call
from featurestore_lab.stores import OfflineStore, OnlineStore
from featurestore_lab.views import reference_view

from reference_impl.features import check_online_offline as _reference_check


@dataclass(frozen=True)
class ConsistencyResult:
    n_compared: int
    n_mismatches: int

    @property
    def ok(self) -> bool:
        return self.n_compared > 0 and self.n_mismatches == 0


def check_online_offline(
    view: str,
    offline: OfflineStore,
    online: OnlineStore,
    *,
    now: pd.Timestamp | None = None,
    keys: Sequence[str] | None = None,
) -> ConsistencyResult:
    report = call(
        _reference_check,
        reference_view(view),
        offline.read(view),
        online._store,  # the adapter's reference store
        keys=keys,
        now=now,
        max_keys=10**9,
        rtol=1.0,  # BUG: a relative tolerance of 100 % instead of 1e-9: a doubled value still "matches"
    )
    return ConsistencyResult(report.n_compared, report.n_mismatches)
