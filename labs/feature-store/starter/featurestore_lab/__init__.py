"""A point-in-time correct feature store for credit-risk signals (ibml portfolio lab, project C).

Milestones (``tests/test_m<N>_*.py``):

1. :func:`credit_views` and :func:`view_rows` — declare the feature views, build their rows;
2. :func:`point_in_time_join` — what was known at each timestamp: no leakage, TTL, created-timestamp tie-break;
3. :class:`OfflineStore` and :class:`OnlineStore` — parquet history, SQLite latest values, incremental materialisation;
4. :func:`check_online_offline` — prove the online value equals the offline point-in-time value;
5. :func:`breach_training_set` and :func:`time_split` — the "limit breach tomorrow" training set.
"""

from featurestore_lab.consistency import ConsistencyResult, check_online_offline
from featurestore_lab.errors import FeatureStoreError
from featurestore_lab.point_in_time import point_in_time_join
from featurestore_lab.stores import OfflineStore, OnlineStore
from featurestore_lab.training import FEATURE_CUTOFF, FEATURES, LABEL, breach_training_set, time_split
from featurestore_lab.views import VIEW_NAMES, ViewSpec, credit_views, view_rows

__all__ = [
    "FEATURES",
    "FEATURE_CUTOFF",
    "LABEL",
    "VIEW_NAMES",
    "ConsistencyResult",
    "FeatureStoreError",
    "OfflineStore",
    "OnlineStore",
    "ViewSpec",
    "breach_training_set",
    "check_online_offline",
    "credit_views",
    "point_in_time_join",
    "time_split",
    "view_rows",
]
