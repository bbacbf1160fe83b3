"""Milestone 4: the guard against training/serving skew.

For the same keys at the same ``now``, the online store must serve exactly the value that a
point-in-time join of the offline rows returns (TTL applied on both sides; missing equals missing;
floats compared with a relative tolerance of 1e-9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from featurestore_lab.stores import OfflineStore, OnlineStore


@dataclass(frozen=True)
class ConsistencyResult:
    """How many values were compared and how many differed."""

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
    """Compare every feature of ``view`` online vs offline point-in-time at ``now`` for ``keys``.

    ``now`` defaults to the view's high-water mark; ``keys`` to every key in the offline rows.
    """
    raise NotImplementedError("TODO m4: online/offline consistency")
