"""Small fakes that honour the serving contracts, for tests and the week 5/6 notebooks.

They let the service run without trained models or a materialised online store, and let a test
make the model slow, broken or absent on purpose (fault injection). Real deployments never use them.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Sequence

import pandas as pd

from reference_impl.serving.models import KYC_MODEL_NAME, TRADE_MODEL_NAME, LoadedModel, loaded
from reference_impl.serving.online import FeatureResult

#: The features the fakes compute (a tiny stand-in for ``reference_impl.features.MODEL_FEATURES``).
FAKE_FEATURES: tuple[str, ...] = ("log_notional_usd", "price", "quantity", "booking_delay_s", "trader_trade_count_1d")
LARGE_NOTIONAL_USD = 50_000_000.0


@dataclass
class FakeDecision:
    """Same fields as ``reference_impl.anomaly.Decision``."""

    trade_id: str
    score: float | None
    threshold: float | None
    flagged: bool
    reasons: list[dict[str, Any]]
    model_version: str | None
    ruleset_version: str
    features: dict[str, float]
    overrides: list[str] = field(default_factory=list)
    imputed: list[str] = field(default_factory=list)
    fallback_used: bool = False
    fallback_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fake_rules(features: pd.DataFrame) -> list[FakeDecision]:
    """Rules only: flag a USD notional above 50m or a booking more than an hour after execution."""
    out = []
    for row in features.to_dict("records"):
        feats = {k: float(row[k]) for k in FAKE_FEATURES if k in row}
        reasons = []
        if 10 ** feats.get("log_notional_usd", 0.0) > LARGE_NOTIONAL_USD:
            reasons.append({"code": "LARGE_NOTIONAL", "text": "USD notional above 50m", "source": "rule",
                            "feature": "log_notional_usd", "value": feats["log_notional_usd"], "contribution": None})
        if feats.get("booking_delay_s", 0.0) > 3600:
            reasons.append({"code": "LATE_BOOKING", "text": "booked more than an hour after execution", "source": "rule",
                            "feature": "booking_delay_s", "value": feats["booking_delay_s"], "contribution": None})
        out.append(FakeDecision(str(row["trade_id"]), None, None, bool(reasons), reasons, None, "fake-rules-1", feats,
                                fallback_used=True, fallback_reason="rules_only"))
    return out


class FakeDetector:
    """A detector honouring the ``TradeAnomalyDetector`` contract; can be made slow or broken.

    Parameters
    ----------
    delay_s : float
        Sleep this long in :meth:`decide` (a slow model).
    fail : bool
        Raise in :meth:`decide` (a broken model).
    """

    model_version = "fake-1"
    ruleset_version = "fake-rules-1"
    training_digest = "sha256:fake"
    threshold = 0.7

    def __init__(self, *, delay_s: float = 0.0, fail: bool = False) -> None:
        self.delay_s = delay_s
        self.fail = fail
        self.calls = 0

    def decide(self, features: pd.DataFrame) -> list[FakeDecision]:
        self.calls += 1
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.fail:
            raise RuntimeError("model exploded")
        out = []
        for rule_decision in fake_rules(features):
            score = round(min(1.0, rule_decision.features.get("log_notional_usd", 0.0) / 10.0), 6)
            reasons = list(rule_decision.reasons)
            if score >= self.threshold:
                reasons.append({"code": "MODEL_UNUSUAL_SIZE", "text": "size unusual for this trader", "source": "model",
                                "feature": "log_notional_usd", "value": rule_decision.features["log_notional_usd"],
                                "contribution": -0.3})
            out.append(FakeDecision(rule_decision.trade_id, score, self.threshold,
                                    bool(reasons) or score >= self.threshold, reasons[:4], self.model_version,
                                    self.ruleset_version, rule_decision.features))
        return out

    def decide_rules_only(self, features: pd.DataFrame) -> list[FakeDecision]:
        return fake_rules(features)


class StaticFeatureSource:
    """Features computed from the event alone; ``available=False`` simulates an unreachable online store."""

    def __init__(self, *, available: bool = True, fail: bool = False) -> None:
        self.available = available
        self.fail = fail

    def check(self) -> tuple[bool, str]:
        return (True, "ok") if self.available else (False, "online store unreachable (simulated)")

    def features_for(self, rows: Sequence[Mapping[str, Any]]) -> FeatureResult:
        if self.fail:
            raise RuntimeError("feature code crashed")
        records = []
        for row in rows:
            notional = float(row.get("notional_usd") or row["quantity"] * row["price"])
            delay = (pd.Timestamp(row["booking_ts"]) - pd.Timestamp(row["exec_ts"])).total_seconds()
            records.append({"trade_id": row["trade_id"], "log_notional_usd": math.log10(notional),
                            "price": float(row["price"]), "quantity": float(row["quantity"]), "booking_delay_s": delay,
                            "trader_trade_count_1d": 3.0 if self.available else float("nan")})
        status = ["ok" if self.available else "unavailable"] * len(rows)
        return FeatureResult(pd.DataFrame(records), status, store_available=self.available)


class FakeKycModel:
    """A KYC model honouring ``KycModel.decide``: routes on keywords, with fixed confidences."""

    model_version = "fake-kyc-1"
    training_digest = "sha256:fake-kyc"

    def decide(self, texts: Sequence[str], doc_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        out = []
        for i, text in enumerate(texts):
            lower = text.lower()
            if "passport" in lower:
                label, conf, route, reason = "passport", 0.97, "auto_accept", "above_class_threshold"
            elif len(text.strip()) < 5:
                label, conf, route, reason = None, 0.0, "reject_unknown", "too_short"
            else:
                label, conf, route, reason = "utility_bill", 0.55, "manual_review", "below_class_threshold"
            out.append({"label": label, "confidence": conf, "route": route, "reason": reason,
                        "reason_text": reason.replace("_", " "), "threshold": 0.9,
                        "doc_id": None if doc_ids is None else doc_ids[i]})
        return out


def fake_trade_model(detector: Any | None = None) -> LoadedModel:
    """A loaded-model slot holding ``detector`` (default :class:`FakeDetector`)."""
    return loaded(TRADE_MODEL_NAME, detector or FakeDetector(), "fake", approval_state="approved")


def fake_kyc_model() -> LoadedModel:
    return loaded(KYC_MODEL_NAME, FakeKycModel(), "fake", approval_state="approved")


def fake_providers(*, detector: Any | None = None, trade_model: LoadedModel | None = None,
                   features: Any | None = None, kyc: LoadedModel | None = None) -> Any:
    """:class:`~reference_impl.serving.state.Providers` wired to the fakes (override any piece)."""
    from reference_impl.serving.state import Providers

    trade = trade_model or fake_trade_model(detector)
    return Providers(
        trade_model=lambda s: trade,
        kyc_model=lambda s: kyc or fake_kyc_model(),
        feature_source=lambda s: features if features is not None else StaticFeatureSource(),
        rules_only=lambda: fake_rules,
    )


def sample_event(**overrides: Any) -> dict[str, Any]:
    """A valid ``POST /v1/trades/score`` body (JSON-ready)."""
    body = {
        "trade_id": "T000001", "event_type": "new", "orig_trade_id": None,
        "exec_ts": "2026-03-02T10:15:00Z", "booking_ts": "2026-03-02T10:15:04Z",
        "desk": "EQ_LDN", "book": "EQ_LDN_B1", "trader_id": "EQ_LDN_T03", "counterparty_id": "CP0042",
        "instrument_id": "EQ_LDN_07", "asset_class": "equity", "currency": "GBP", "side": "BUY",
        "quantity": 2500.0, "price": 41.7, "notional_usd": 131_000.0, "venue": "XLON", "booking_system": "FIDESSA",
    }
    body.update(overrides)
    return body


__all__ = ["FAKE_FEATURES", "FakeDecision", "FakeDetector", "FakeKycModel", "StaticFeatureSource", "fake_kyc_model",
           "ServerProcess", "fake_app", "fake_providers", "free_port", "fake_rules", "fake_trade_model", "sample_event", "test_client",
           "wait_for_http"]


def test_client(app: Any, **kwargs: Any) -> Any:
    """A ``TestClient`` for ``app``; imports it quietly (starlette 1.10 warns that httpx is deprecated for it)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
        from fastapi.testclient import TestClient
    return TestClient(app, **kwargs)


test_client.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def fake_app() -> Any:
    """App factory on fakes for a real server: ``uvicorn reference_impl.serving.testing:fake_app --factory``.

    Settings come from ``IBML_*`` variables as for ``ibml serve``; only the models and the feature
    source are fakes, so load and durability tests measure the service machinery, not the model.
    """
    from reference_impl.serving.app import create_app
    from reference_impl.serving.settings import ServiceSettings

    return create_app(ServiceSettings(), providers=fake_providers())


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free on ``host`` a moment ago (the OS picks it)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, proc: Any, *, timeout_s: float = 120.0) -> None:
    """Return once ``url`` answers a GET without error; ``RuntimeError`` if ``proc`` exits or time runs out.

    For servers a test starts as a subprocess (``mlflow server``, ``ibml mlflow-server``): polls every
    0.5 s with a 2 s timeout per attempt.
    """
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a loopback URL the test built
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{url}: the server exited with code {proc.returncode}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout_s:.0f} s") from None
            time.sleep(0.5)


class ServerProcess:
    """A real uvicorn server in a child process on 127.0.0.1; a context manager that always stops it.

    Parameters
    ----------
    home : path
        The workspace (``IBML_HOME``) the server uses.
    fake : bool
        Serve :func:`fake_app` (fakes for models and features) instead of ``ibml serve``'s real app.
    env : mapping, optional
        Extra ``IBML_*`` settings.
    """

    def __init__(self, home: Any, *, fake: bool = False, env: Mapping[str, str] | None = None,
                 startup_timeout_s: float = 120.0) -> None:
        self.home, self.fake, self.extra_env = home, fake, dict(env or {})
        self.startup_timeout_s = startup_timeout_s
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: Any = None

    def start(self) -> "ServerProcess":
        import os
        import subprocess
        import sys

        import httpx

        env = {**os.environ, "IBML_HOME": str(self.home), "MLFLOW_DISABLE_TELEMETRY": "true", **self.extra_env}
        if self.fake:
            cmd = [sys.executable, "-m", "uvicorn", "reference_impl.serving.testing:fake_app", "--factory",
                   "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        else:
            cmd = [sys.executable, "-m", "reference_impl.cli", "serve", "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"server exited with code {self.proc.returncode}: {err}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not answer /healthz within {self.startup_timeout_s:.0f} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing — what a crash looks like."""
        import signal

        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL if it does not exit within 10 s."""
        import subprocess

        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()
