"""The small scoring service that week 6's pytest exercises (6.4–6.6) test, and its planted-bug variants.

``create_app()`` builds a FastAPI app with one model *dependency* (:func:`get_model`, which a test swaps with
``app.dependency_overrides``), an API-key dependency (401 without a key, 403 with a wrong one), a strict request
model (extra fields, a non-positive notional and a naive timestamp are 422) and reason codes from three rules,
ranked by weight. ``create_app(bug="...")`` builds the same service with one planted bug (:data:`BUGS`): the
checks run the learner's tests against each, and a good test suite fails on every one.

>>> with TestClient(create_app()) as client:
...     r = client.post("/v1/score", json=VALID_TRADE, headers=AUTH)
>>> r.status_code, r.json()["reasons"], r.json()["model_version"]
(200, ['R_NOTIONAL_LIMIT', 'R_LATE_BOOKING'], 'iforest-2026.11')
"""

# no `from __future__ import annotations`: FastAPI reads the route annotations, and one is a local class

import math
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

with warnings.catch_warnings():  # starlette 1.10 warns at import that httpx is deprecated for its TestClient
    warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
    from fastapi.testclient import TestClient

#: The one valid API key of the service (a test secret, not a real one).
API_KEY = "week06-test-key"
#: Headers that authenticate a request.
AUTH: dict[str, str] = {"X-API-Key": API_KEY}
#: The version the production model reports; a test that replaced the model sees another one.
REAL_MODEL_VERSION = "iforest-2026.11"

#: A request body the service accepts (200).
VALID_TRADE: dict[str, Any] = {
    "trade_id": "T1",
    "notional": 2_500_000.0,
    "price_deviation": 0.01,
    "booked_at": "2026-11-02T19:30:00+00:00",
}

#: The fixed inputs of the golden-file test (6.6): every rule fires somewhere, alone and together, and one trade
#: is booked at 18:00 exactly (the boundary of the late-booking rule).
GOLDEN_TRADES: tuple[dict[str, Any], ...] = (
    {"trade_id": "G1", "notional": 50_000.0, "price_deviation": 0.0, "booked_at": "2026-11-02T10:00:00+00:00"},
    {"trade_id": "G2", "notional": 2_000_000.0, "price_deviation": 0.0, "booked_at": "2026-11-02T10:00:00+00:00"},
    {"trade_id": "G3", "notional": 80_000.0, "price_deviation": -0.09, "booked_at": "2026-11-02T11:15:00+00:00"},
    {"trade_id": "G4", "notional": 80_000.0, "price_deviation": 0.02, "booked_at": "2026-11-02T18:00:00+00:00"},
    {"trade_id": "G5", "notional": 3_000_000.0, "price_deviation": 0.07, "booked_at": "2026-11-02T20:45:00+01:00"},
    {"trade_id": "G6", "notional": 1_500_000.0, "price_deviation": 0.0, "booked_at": "2026-11-03T05:59:00+00:00"},
)

#: Reason-code rules, most important first: (code, weight). A response lists the codes that fire in this order.
RULES: tuple[tuple[str, float], ...] = (
    ("R_NOTIONAL_LIMIT", 3.0),  # notional above 1,000,000
    ("R_PRICE_DEVIATION", 2.0),  # |price deviation| above 5 %
    ("R_LATE_BOOKING", 1.0),  # booked between 18:00 and 06:00 UTC
)

#: Planted bugs: name -> what is wrong. 6.5's tests must catch the first six, 6.6's the last three.
BUGS: dict[str, str] = {
    "valid_rejected": "rejects every request with 422 (it requires a field nobody sends)",
    "extra_allowed": "accepts (and ignores) unknown fields",
    "notional_unchecked": "accepts a zero or negative notional",
    "naive_accepted": "accepts a timestamp without a time zone",
    "missing_key_403": "answers 403 instead of 401 when the API key is missing",
    "any_key_accepted": "accepts any API key",
    "code_renamed": "R_PRICE_DEVIATION renamed to R_PRICE_DEV",
    "codes_sorted": "reason codes sorted alphabetically instead of by weight",
    "late_boundary": "the late-booking rule starts at 18:01 instead of 18:00",
}


class Trade(BaseModel):
    """A trade to score. Unknown fields, a non-positive notional or a naive timestamp are a 422."""

    model_config = ConfigDict(extra="forbid")

    trade_id: str = Field(min_length=1)
    notional: float = Field(gt=0)
    price_deviation: float
    booked_at: AwareDatetime


class ScoringModel(Protocol):
    """What the route needs from a model: a version and a score in [0, 1] per trade."""

    version: str

    def score(self, trade: Trade) -> float: ...


class AnomalyModel:
    """The production model (a deterministic stand-in): larger notionals and deviations score higher."""

    version = REAL_MODEL_VERSION

    def score(self, trade: Trade) -> float:
        return round(min(1.0, trade.notional / 10_000_000 + 4 * abs(trade.price_deviation)), 4)


def get_model(request: Request) -> ScoringModel:
    """The model dependency: the one the lifespan loaded. Tests replace it with ``app.dependency_overrides``."""
    model = getattr(request.app.state, "model", None)
    if model is None:
        raise HTTPException(status_code=503, detail="model not loaded")
    return model


def reason_codes(trade: Trade, *, bug: str | None = None) -> list[str]:
    """The codes whose rules fire, most important first (:data:`RULES`)."""
    at = trade.booked_at if trade.booked_at.tzinfo is not None else trade.booked_at.replace(tzinfo=UTC)
    hour = at.astimezone(UTC).time()
    late_from = (18, 1) if bug == "late_boundary" else (18, 0)
    fired = {
        "R_NOTIONAL_LIMIT": trade.notional > 1_000_000,
        "R_PRICE_DEVIATION": abs(trade.price_deviation) > 0.05,
        "R_LATE_BOOKING": (hour.hour, hour.minute) >= late_from or hour.hour < 6,
    }
    codes = [code for code, _ in RULES if fired[code]]
    if bug == "code_renamed":
        codes = ["R_PRICE_DEV" if c == "R_PRICE_DEVIATION" else c for c in codes]
    if bug == "codes_sorted":
        codes = sorted(codes)
    return codes


def _auth(bug: str | None):
    def require_key(x_api_key: Annotated[str | None, Header()] = None) -> None:
        if x_api_key is None:
            raise HTTPException(status_code=403 if bug == "missing_key_403" else 401, detail="missing API key")
        if x_api_key != API_KEY and bug != "any_key_accepted":
            raise HTTPException(status_code=403, detail="API key not allowed")

    return require_key


def _request_model(bug: str | None) -> type[BaseModel]:
    if bug == "extra_allowed":
        return type("Trade", (Trade,), {"model_config": ConfigDict(extra="ignore"), "__module__": __name__})
    if bug == "notional_unchecked":
        return type("Trade", (Trade,), {"__annotations__": {"notional": float}, "__module__": __name__})
    if bug == "naive_accepted":
        return type("Trade", (Trade,), {"__annotations__": {"booked_at": datetime}, "__module__": __name__})
    if bug == "valid_rejected":
        return type("Trade", (Trade,), {"__annotations__": {"book_id": str}, "__module__": __name__})
    return Trade


def create_app(bug: str | None = None) -> FastAPI:
    """The scoring service; ``bug`` plants one of :data:`BUGS` (``None``: the correct service)."""
    if bug is not None and bug not in BUGS:
        raise ValueError(f"unknown bug {bug!r}; choose one of {sorted(BUGS)}")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.model = AnomalyModel()  # loaded once, at start-up
        yield
        app.state.model = None

    app = FastAPI(title="week 6 scoring service", lifespan=lifespan)
    app.state.model = None
    body_model: Any = _request_model(bug)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz(request: Request) -> dict[str, str]:
        if getattr(request.app.state, "model", None) is None:
            raise HTTPException(status_code=503, detail="model not loaded (did the lifespan run?)")
        return {"status": "ready"}

    @app.post("/v1/score", dependencies=[Depends(_auth(bug))])
    def score(trade: body_model, model: Annotated[ScoringModel, Depends(get_model)]) -> dict[str, Any]:
        value = float(model.score(trade))
        if not math.isfinite(value):
            raise HTTPException(status_code=500, detail="model returned a non-finite score")
        codes = reason_codes(trade, bug=bug)
        return {
            "trade_id": trade.trade_id,
            "score": round(value, 4),
            "decision": "flag" if value >= 0.5 or codes else "clear",
            "reasons": codes,
            "model_version": str(model.version),
        }

    return app


__all__ = [
    "API_KEY",
    "AUTH",
    "BUGS",
    "GOLDEN_TRADES",
    "REAL_MODEL_VERSION",
    "RULES",
    "VALID_TRADE",
    "AnomalyModel",
    "TestClient",
    "Trade",
    "create_app",
    "get_model",
    "reason_codes",
]
