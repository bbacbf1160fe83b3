"""Feature engineering and a point-in-time correct feature store.

Declarations live in :mod:`~reference_impl.features.definitions`; trade features are pure functions in
:mod:`~reference_impl.features.transforms`; :func:`point_in_time_join` / :func:`get_historical_features`
build leakage-free training sets; :class:`OfflineStore` (parquet) and :class:`OnlineStore` (SQLite) hold
the values; :mod:`~reference_impl.features.consistency` proves the two paths agree.
"""

from reference_impl.features.consistency import ConsistencyReport, check_online_offline, check_request_path
from reference_impl.features.definitions import (
    FEATURE_VIEWS,
    counterparty_pair_activity,
    get_view,
    trade_features,
    trader_activity,
    trader_history,
)
from reference_impl.features.offline import OfflineStore, get_historical_features, parse_feature_refs
from reference_impl.features.online import MaterializeResult, OnlineStore, encode_key
from reference_impl.features.pipeline import data_as_of, materialize_features
from reference_impl.features.point_in_time import point_in_time_join, point_in_time_join_reference
from reference_impl.features.request import (
    RequestContext,
    fast_request_features,
    fast_request_features_many,
    online_state_for,
    online_states_for,
    request_features_from_store,
)
from reference_impl.features.rows import build_view_rows, validate_rows
from reference_impl.features.spec import Entity, FeatureView, Field, Source
from reference_impl.features.transforms import (
    CONTEXT_FEATURES,
    KEY_COLUMNS,
    MODEL_FEATURES,
    WINDOWS,
    booking_delay_seconds,
    build_trade_features,
    compute_request_features,
    counterparty_prior_trades,
    off_hours_flag,
    price_deviation_bps,
    reference_price_at_exec,
    trader_rolling_features,
)

__all__ = [
    "CONTEXT_FEATURES", "ConsistencyReport", "Entity", "FEATURE_VIEWS", "FeatureView", "Field", "KEY_COLUMNS",
    "MODEL_FEATURES", "MaterializeResult", "OfflineStore", "OnlineStore", "RequestContext", "Source", "WINDOWS",
    "booking_delay_seconds", "build_trade_features", "build_view_rows", "check_online_offline",
    "check_request_path", "compute_request_features", "counterparty_pair_activity", "counterparty_prior_trades",
    "data_as_of", "encode_key", "fast_request_features", "fast_request_features_many", "get_historical_features", "get_view", "materialize_features", "off_hours_flag",
    "online_state_for", "online_states_for", "parse_feature_refs", "point_in_time_join", "point_in_time_join_reference",
    "price_deviation_bps", "reference_price_at_exec", "request_features_from_store", "trade_features",
    "trader_activity", "trader_history", "trader_rolling_features", "validate_rows",
]
