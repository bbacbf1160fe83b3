"""Build a small, real deployment in a workspace: data, online store, trained models, API keys.

Integration tests, the benchmark and the week 5/6 notebooks use it so they exercise the real
feature, anomaly and KYC code — not fakes — in a few seconds. Events that happen *after* the
online store's snapshot are returned for scoring, so request-time features read genuine history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from reference_impl.serving.auth import create_api_key
from reference_impl.serving.settings import ServiceSettings
from reference_impl.serving.trades.schemas import TradeEventIn

#: The fields of a ``POST /v1/trades/score`` body, from the contract itself (never a second list).
_API_COLUMNS: tuple[str, ...] = tuple(TradeEventIn.model_fields)


@dataclass
class DemoDeployment:
    """What :func:`build_demo_deployment` made: settings, one key per role, events to score."""

    settings: ServiceSettings
    keys: dict[str, str]
    events: list[dict[str, Any]]  # JSON-ready request bodies, booked after the online snapshot
    labels: list[bool]  # is_anomaly of each event (ground truth, for behavioural checks)


def trade_to_request(row: pd.Series | dict) -> dict[str, Any]:
    """A ``trades`` row as a ``POST /v1/trades/score`` body."""
    out: dict[str, Any] = {}
    for col in _API_COLUMNS:
        value = row[col]
        if col in ("exec_ts", "booking_ts"):
            value = pd.Timestamp(value).isoformat()
        elif col == "orig_trade_id":
            value = (
                None if value is None or (isinstance(value, float) and value != value) or pd.isna(value) else str(value)
            )
        elif col in ("quantity", "price", "notional_usd"):
            value = float(value)
        else:
            value = str(value)
        out[col] = value
    return out


def build_demo_deployment(
    settings: ServiceSettings,
    *,
    n_trades: int = 3_000,
    n_days: int = 10,
    seed: int = 7,
    n_events: int = 200,
    with_kyc: bool = True,
    n_docs: int = 600,
) -> DemoDeployment:
    """Generate data, materialise the online store up to a cutoff, fit and save the models.

    The detector is trained on trades booked before the cutoff; the returned events are the first
    ``n_events`` booked after it (the ones a live service would see next).
    """
    from reference_impl.anomaly import TradeAnomalyDetector, save_detector
    from reference_impl.data import make_prices, make_reference_data, make_trades
    from reference_impl.data.io import write_table
    from reference_impl.features import OfflineStore, OnlineStore, build_trade_features, materialize_features

    ws = settings.workspace
    ref = make_reference_data(seed)
    prices = make_prices(ref, n_days=n_days, seed=seed)
    trades = make_trades(ref, prices, n_trades=n_trades, seed=seed)
    cut_pos = max(1, len(trades) - n_events)
    cutoff = trades["booking_ts"].iloc[cut_pos - 1]
    history = trades.iloc[:cut_pos]
    live = trades.iloc[cut_pos : cut_pos + n_events]
    live = live[live["booking_ts"] > cutoff]

    ws.ensure("data")
    for name in ("desks", "calendar", "fx_rates", "instruments"):
        write_table(ref[name], ws.data_dir / f"{name}.parquet")
    write_table(prices, ws.data_dir / "prices.parquet")

    data = {"trades": history, "prices": prices, **ref}
    materialize_features(
        data,
        OfflineStore.from_workspace(ws),
        OnlineStore.from_workspace(ws),
        views=["trader_history", "counterparty_pair"],
        end=cutoff,
    )
    features = build_trade_features(history, ref, prices)
    detector = TradeAnomalyDetector(n_estimators=100, random_state=seed).fit(features)
    save_detector(detector, settings.resolved_trade_model_path())

    if with_kyc:
        from reference_impl.data import make_clients, make_kyc_documents
        from reference_impl.kyc import save_classifier
        from reference_impl.kyc.training import train_kyc_model

        docs = make_kyc_documents(make_clients(200, seed=seed), n_docs=n_docs, seed=seed)
        result = train_kyc_model(docs, seed=seed, min_support=5)
        save_classifier(result.model, settings.resolved_kyc_model_path())

    keys = {
        role: create_api_key(settings.api_keys_path, role)[0] for role in ("scorer", "reviewer", "auditor", "admin")
    }
    events = [trade_to_request(r) for r in live.to_dict("records")]
    return DemoDeployment(settings=settings, keys=keys, events=events, labels=[bool(x) for x in live["is_anomaly"]])


__all__ = ["DemoDeployment", "build_demo_deployment", "trade_to_request"]
