"""Feature engineering and a point-in-time correct feature store.

Every feature computation lives here, for history, for a day and for one request; the batch engines and
the service only call it. Module by module:

* :mod:`~reference_impl.features.columns` — the contracts: column names, windows, time limits;
* :mod:`~reference_impl.features.validation` — required columns, UTC timestamps (naive is an error);
* :mod:`~reference_impl.features.events` — :func:`normalise_events`, the one door events come in by
  (UTC timestamps, USD notional from FX), for a frame or one request;
* :mod:`~reference_impl.features.transforms` — the trade features as pure functions of a frame;
* :mod:`~reference_impl.features.spec` / :mod:`~reference_impl.features.definitions` — the feature-view
  types and their declarations; :mod:`~reference_impl.features.rows` — the rows each view is built from;
* :mod:`~reference_impl.features.point_in_time` — :func:`point_in_time_join` (leakage-free training sets);
* :mod:`~reference_impl.features.offline` / :mod:`~reference_impl.features.online` /
  :mod:`~reference_impl.features.pipeline` — the parquet and SQLite stores and materialisation;
* :mod:`~reference_impl.features.day` — one business day's features (what batch scoring runs);
* :mod:`~reference_impl.features.request` — one event's features from online state (what serving runs);
* :mod:`~reference_impl.features.consistency` — proof that the paths agree;
* :mod:`~reference_impl.features.credit` / :mod:`~reference_impl.features.credit_training` — credit-risk
  views (utilisation, growth, concentration, volatility) under late corrections, and the point-in-time
  training set of the "limit breach tomorrow" model (docs/credit_risk.md).
"""

from reference_impl.features.columns import (
    CONTEXT_FEATURES,
    FEATURE_COLUMNS,
    KEY_COLUMNS,
    MODEL_FEATURES,
    TRADE_COLUMNS,
    WINDOWS,
)
from reference_impl.features.consistency import ConsistencyReport, check_online_offline, check_request_path
from reference_impl.features.credit import credit_state_rows, instrument_volatility_rows
from reference_impl.features.credit_training import (
    BREACH_FEATURES,
    breach_entities,
    breach_features_online,
    breach_training_set,
    check_breach_features_online,
    time_split,
)
from reference_impl.features.day import features_for_day, pair_history_rows, prior_pair_counts
from reference_impl.features.definitions import (
    ALL_FEATURE_VIEWS,
    CREDIT_FEATURE_VIEWS,
    FEATURE_VIEWS,
    counterparty_pair_activity,
    credit_concentration,
    credit_exposure_growth,
    credit_utilisation,
    get_view,
    instrument_volatility,
    trade_features,
    trader_activity,
    trader_history,
)
from reference_impl.features.events import latest_usd_rates, normalise_events
from reference_impl.features.offline import OfflineStore, get_historical_features, parse_feature_refs
from reference_impl.features.online import MaterializeResult, OnlineStore, encode_key
from reference_impl.features.pipeline import data_as_of, materialize_features
from reference_impl.features.point_in_time import point_in_time_join, point_in_time_join_reference
from reference_impl.features.request import (
    RequestContext,
    compute_request_features,
    fast_request_features,
    fast_request_features_many,
    online_state_for,
    online_states_for,
    request_features_from_store,
)
from reference_impl.features.rows import build_view_rows, validate_rows
from reference_impl.features.spec import Entity, FeatureView, Field, Source
from reference_impl.features.transforms import (
    booking_delay_seconds,
    build_trade_features,
    counterparty_prior_trades,
    off_hours_flag,
    price_deviation_bps,
    reference_price_at_exec,
    trader_rolling_features,
)

__all__ = [
    "ALL_FEATURE_VIEWS",
    "BREACH_FEATURES",
    "CONTEXT_FEATURES",
    "CREDIT_FEATURE_VIEWS",
    "ConsistencyReport",
    "Entity",
    "FEATURE_COLUMNS",
    "FEATURE_VIEWS",
    "FeatureView",
    "Field",
    "KEY_COLUMNS",
    "MODEL_FEATURES",
    "MaterializeResult",
    "OfflineStore",
    "OnlineStore",
    "RequestContext",
    "Source",
    "TRADE_COLUMNS",
    "WINDOWS",
    "booking_delay_seconds",
    "breach_entities",
    "breach_features_online",
    "breach_training_set",
    "build_trade_features",
    "build_view_rows",
    "check_breach_features_online",
    "check_online_offline",
    "check_request_path",
    "compute_request_features",
    "counterparty_pair_activity",
    "counterparty_prior_trades",
    "credit_concentration",
    "credit_exposure_growth",
    "credit_state_rows",
    "credit_utilisation",
    "data_as_of",
    "encode_key",
    "fast_request_features",
    "fast_request_features_many",
    "features_for_day",
    "get_historical_features",
    "get_view",
    "instrument_volatility",
    "instrument_volatility_rows",
    "latest_usd_rates",
    "materialize_features",
    "normalise_events",
    "off_hours_flag",
    "online_state_for",
    "online_states_for",
    "pair_history_rows",
    "parse_feature_refs",
    "point_in_time_join",
    "point_in_time_join_reference",
    "price_deviation_bps",
    "prior_pair_counts",
    "reference_price_at_exec",
    "request_features_from_store",
    "time_split",
    "trade_features",
    "trader_activity",
    "trader_history",
    "trader_rolling_features",
    "validate_rows",
]
