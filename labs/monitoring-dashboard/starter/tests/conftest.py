"""Fixtures for the monitoring lab: a small simulated prediction log, hand-made log rows, and the service.

The prediction log comes from ``reference_impl.monitoring.simulate_prediction_log`` (the lab is not
about generating traffic): 10 days from 2026-11-02 of trade scoring and KYC classification, with
planted incidents — drift from 2026-11-09, a model-load failure (rules-only fallback) on 2026-11-10,
a latency spike with 5xx errors on 2026-11-11 — and the reviewers' late outcome labels. Everything
that calls *your* code runs inside the tests, so an unfinished milestone shows up as that test's
``NotImplementedError``, not as a fixture error.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # plain `pytest` from any directory

from reference_impl.monitoring import (
    outcomes_to_frame,
    records_to_frame,
    simulate_prediction_log,
    write_jsonl,
)

START = pd.Timestamp("2026-11-02", tz="UTC")
DRIFT_DAY, FALLBACK_DAY, SPIKE_DAY = "2026-11-09", "2026-11-10", "2026-11-11"
QUIET_DAY = "2026-11-06"
#: One key per role (the format the service's key store expects: ibml_<12 hex digits>_<secret>).
API_KEYS: dict[str, str] = {
    "ibml_0a0a0a0a0a01_scorer-secret": "scorer",
    "ibml_0a0a0a0a0a02_reviewer-secret": "reviewer",
    "ibml_0a0a0a0a0a03_auditor-secret": "auditor",
    "ibml_0a0a0a0a0a04_admin-secret": "admin",
}
KEY_OF = {role: key for key, role in API_KEYS.items()}


@cache
def simulated() -> tuple[tuple[dict, ...], tuple[dict, ...]]:
    """Prediction records and outcome labels: 10 days, 400 trades and 60 KYC documents a day, seed 0."""
    sim = simulate_prediction_log(
        n_days=10,
        trades_per_day=400,
        kyc_per_day=60,
        start=START.date().isoformat(),
        drift_start_day=7,
        fallback_day=8,
        latency_spike_day=9,
        seed=0,
    )
    return tuple(sim.predictions), tuple(sim.outcomes)


@cache
def _sim_log() -> pd.DataFrame:
    return records_to_frame(simulated()[0])


@cache
def _sim_outcomes() -> pd.DataFrame:
    return outcomes_to_frame(simulated()[1])


def sim_log() -> pd.DataFrame:
    """The simulated prediction log as a frame (a fresh copy: your code may not change the shared one)."""
    return _sim_log().copy()


def sim_outcomes() -> pd.DataFrame:
    return _sim_outcomes().copy()


def rows_on(log: pd.DataFrame, day: str) -> pd.DataFrame:
    """The rows whose ``ts`` falls on ``day`` in UTC, computed here independently of your code."""
    start = pd.Timestamp(day, tz="UTC")
    return log.loc[(log["ts"] >= start) & (log["ts"] < start + pd.Timedelta(days=1))]


def request(
    ts: str = "2026-11-02T09:00:00Z",
    *,
    endpoint: str = "trades.score",
    status: int = 200,
    latency: float = 10.0,
    fallback: bool = False,
    flagged: bool | None = False,
    route: str | None = None,
) -> dict[str, Any]:
    """One prediction-log record, as the service writes it."""
    record: dict[str, Any] = {
        "ts": ts,
        "endpoint": endpoint,
        "status_code": status,
        "latency_ms": latency,
        "fallback_used": fallback,
        "flagged": flagged,
    }
    if route is not None:
        record["route"] = route
    return record


def log_of(records: list[dict[str, Any]]) -> pd.DataFrame:
    return records_to_frame(records)


def health(**overrides: float) -> dict[str, float]:
    """A plausible health dictionary (a calm day of 1,000 trade decisions), with ``overrides`` applied."""
    base: dict[str, float] = {
        "requests": 1100,
        "latency_p50_ms": 9.0,
        "latency_p95_ms": 15.0,
        "latency_p99_ms": 20.0,
        "error_rate": 0.0,
        "client_error_rate": 0.0,
        "trade_decisions": 1000,
        "fallback_rate": 0.0,
        "flag_rate": 0.05,
        "kyc_decisions": 100,
        "manual_review_rate": 0.3,
        "auto_accept_rate": 0.7,
    }
    base.update(overrides)
    return base


def outcomes(labels: int, precision: float) -> dict[str, float]:
    """An outcome summary: ``labels`` labelled alerts with realised ``precision`` (no KYC audits)."""
    return {
        "alerts": 100,
        "alert_labels": labels,
        "label_coverage": labels / 100,
        "alert_precision": precision,
        "auto_accepted": 70,
        "auto_accept_labels": 0,
        "auto_accept_accuracy": float("nan"),
        "median_label_delay_h": 30.0,
    }


def write_logs(home: Path) -> None:
    """The simulated log and labels where the service reads them: ``home/logs/*.jsonl``."""
    predictions, labels = simulated()
    write_jsonl(predictions, home / "logs" / "predictions.jsonl")
    write_jsonl(labels, home / "logs" / "outcomes.jsonl")


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """``service(with_logs=True)`` -> a started TestClient around your ``create_app(home, API_KEYS)``."""
    with contextlib.ExitStack() as stack:

        def make(with_logs: bool = True) -> Any:
            from monitor_lab.api import create_app

            home = tmp_path / "home"
            home.mkdir(exist_ok=True)
            if with_logs:
                write_logs(home)
            app = create_app(home, API_KEYS)
            with warnings.catch_warnings():
                # starlette's notice that its TestClient moves from httpx to httpx2 (checked, harmless here)
                warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
                from fastapi.testclient import TestClient

                client = TestClient(app)
            return stack.enter_context(client)

        yield make


def auth(role: str) -> dict[str, str]:
    return {"X-API-Key": KEY_OF[role]}
