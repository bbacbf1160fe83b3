"""Adapter: :mod:`reference_impl.features.credit_training` (training set and purged time split)."""

from __future__ import annotations

import pandas as pd
from featurestore_lab.errors import call
from featurestore_lab.stores import OfflineStore
from featurestore_lab.views import VIEW_NAMES

from reference_impl.features import credit_training as _ref

FEATURE_CUTOFF = _ref.FEATURE_CUTOFF
FEATURES: tuple[str, ...] = _ref.BREACH_FEATURES
LABEL = _ref.LABEL


def breach_training_set(offline: OfflineStore) -> pd.DataFrame:
    return call(_ref.breach_training_set, {name: offline.read(name) for name in VIEW_NAMES})


def time_split(frame: pd.DataFrame, *, test_share: float = 0.3) -> tuple[pd.DataFrame, pd.DataFrame]:
    train, test = call(_ref.time_split, frame, test_share=test_share)
    # BUG: no purge: the last training day (whose label is the first test close) is put back into training
    last_day = frame[(frame["close_ts"] < test["close_ts"].min()) & ~frame.index.isin(train.index)]
    return pd.concat([train, last_day]), test
