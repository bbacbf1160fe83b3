"""Week 5 (the service) mutants: plausible wrong answers to 5.5–5.7, each breaking one requirement, and
alternative correct solutions written differently from the reference.

No ``from __future__ import annotations`` here either: FastAPI resolves the annotations of the routes and
dependencies defined inside these functions at run time.
"""

import asyncio
import contextlib
import datetime as dt
import hmac
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from reference_impl.exercises import week05
from reference_impl.exercises import week05_service as w
from reference_impl.exercises.mutation import Mutant

# ================================================================ 5.5 the request model

# ---------------------------------------------------------------- alternative correct solutions


class TradeRequestAnnotated(BaseModel):
    """Constraints as Annotated types, as reference_impl.data.schemas writes them."""

    model_config = ConfigDict(extra="forbid", strict=False)

    trade_id: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
    notional: Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3, pattern=r"^[A-Z]+$")]
    exec_ts: AwareDatetime


class TradeRequestValidators(BaseModel):
    """Hand-written validators instead of Field constraints."""

    model_config = ConfigDict(extra="forbid")

    trade_id: str
    notional: float = Field(strict=True)
    currency: str
    exec_ts: dt.datetime

    @field_validator("trade_id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        if not 1 <= len(value) <= 64 or any(not (c.isascii() and (c.isalnum() or c in "_.:-")) for c in value):
            raise ValueError("trade_id: 1-64 characters from A-Z a-z 0-9 _ . : -")
        return value

    @field_validator("notional")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not (value > 0 and value != float("inf")):
            raise ValueError("notional must be finite and greater than 0")
        return value

    @field_validator("currency")
    @classmethod
    def _iso(cls, value: str) -> str:
        if len(value) != 3 or not value.isascii() or not value.isalpha() or not value.isupper():
            raise ValueError("currency: three upper-case letters")
        return value

    @field_validator("exec_ts")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("exec_ts needs a UTC offset")
        return value


# ---------------------------------------------------------------- plausible wrong solutions


class TradeRequestAllowsExtra(BaseModel):  # pydantic's default: unknown fields silently ignored
    trade_id: str = Field(pattern=r"^[A-Za-z0-9_.:\-]{1,64}$")
    notional: float = Field(gt=0, strict=True, allow_inf_nan=False)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    exec_ts: AwareDatetime


class TradeRequestUnanchoredId(BaseModel):  # the pattern finds a safe run inside an unsafe id
    model_config = ConfigDict(extra="forbid")
    trade_id: str = Field(pattern=r"[A-Za-z0-9_.:\-]{1,64}")
    notional: float = Field(gt=0, strict=True, allow_inf_nan=False)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    exec_ts: AwareDatetime


class TradeRequestUnicodeId(BaseModel):  # \w also matches "é": not the ASCII set the contract names
    model_config = ConfigDict(extra="forbid")
    trade_id: str = Field(pattern=r"^[\w.:\-]{1,64}$")
    notional: float = Field(gt=0, strict=True, allow_inf_nan=False)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    exec_ts: AwareDatetime


class TradeRequestLaxNotional(BaseModel):  # "2500000" is coerced to a number
    model_config = ConfigDict(extra="forbid")
    trade_id: str = Field(pattern=r"^[A-Za-z0-9_.:\-]{1,64}$")
    notional: float = Field(gt=0, allow_inf_nan=False)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    exec_ts: AwareDatetime


class TradeRequestZeroNotional(BaseModel):  # ge instead of gt
    model_config = ConfigDict(extra="forbid")
    trade_id: str = Field(pattern=r"^[A-Za-z0-9_.:\-]{1,64}$")
    notional: float = Field(ge=0, strict=True, allow_inf_nan=False)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    exec_ts: AwareDatetime


class TradeRequestAnyCase(BaseModel):  # "gbp" passes
    model_config = ConfigDict(extra="forbid")
    trade_id: str = Field(pattern=r"^[A-Za-z0-9_.:\-]{1,64}$")
    notional: float = Field(gt=0, strict=True, allow_inf_nan=False)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    exec_ts: AwareDatetime


class TradeRequestNaive(BaseModel):  # a plain datetime takes a naive time
    model_config = ConfigDict(extra="forbid")
    trade_id: str = Field(pattern=r"^[A-Za-z0-9_.:\-]{1,64}$")
    notional: float = Field(gt=0, strict=True, allow_inf_nan=False)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    exec_ts: dt.datetime


class TradeRequestDefaultCurrency(BaseModel):  # a default makes the field optional
    model_config = ConfigDict(extra="forbid")
    trade_id: str = Field(pattern=r"^[A-Za-z0-9_.:\-]{1,64}$")
    notional: float = Field(gt=0, strict=True, allow_inf_nan=False)
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    exec_ts: AwareDatetime


# ================================================================ 5.6 the auth dependency

# ---------------------------------------------------------------- alternative correct solutions


def require_role_header(keys: Mapping[str, tuple[str, str]], *roles: str) -> Callable[..., str]:
    """Header() instead of APIKeyHeader; the checks written as a chain of guards."""
    allowed = {*roles, "admin"}

    def dependency(x_api_key: Annotated[str, Header()] = "") -> str:
        matches = [who for key, who in keys.items() if hmac.compare_digest(x_api_key.encode(), key.encode())]
        if not x_api_key or not matches:
            raise HTTPException(status_code=401, detail="who are you?")
        caller, role = matches[0]
        if role in allowed:
            return caller
        raise HTTPException(status_code=403, detail="you may not")

    return dependency


class RoleGuard:
    """A callable class as the dependency: FastAPI reads the parameters of ``__call__``."""

    def __init__(self, keys: Mapping[str, tuple[str, str]], roles: tuple[str, ...]) -> None:
        self.keys, self.roles = dict(keys), frozenset(roles) | {"admin"}

    async def __call__(self, request: Request) -> str:
        given = request.headers.get("x-api-key") or ""
        entry = next((who for key, who in self.keys.items() if given and hmac.compare_digest(given, key)), None)
        if entry is None:
            raise HTTPException(401)
        if entry[1] not in self.roles:
            raise HTTPException(403)
        return entry[0]


def require_role_class(keys: Mapping[str, tuple[str, str]], *roles: str) -> RoleGuard:
    return RoleGuard(keys, roles)


# ---------------------------------------------------------------- plausible wrong solutions


def _role_dependency(
    keys: Mapping[str, tuple[str, str]],
    roles: tuple[str, ...],
    *,
    match: Callable[[str, str], bool] = lambda given, known: hmac.compare_digest(given.encode(), known.encode()),
    unknown_status: int = 401,
    missing_status: int = 401,
    wrong_role_status: int = 403,
    admin: bool = True,
    returns: str = "caller",
) -> Callable[..., Any]:
    allowed = set(roles) | ({"admin"} if admin else set())

    def dependency(x_api_key: Annotated[str | None, Header()] = None) -> Any:
        if not x_api_key:
            raise HTTPException(missing_status)
        found = next(((key, who) for key, who in keys.items() if match(x_api_key, key)), None)
        if found is None:
            raise HTTPException(unknown_status)
        key, (caller, role) = found
        if role not in allowed:
            raise HTTPException(wrong_role_status)
        return {"caller": caller, "key": key, "role": role}[returns]

    return dependency


def require_role_query(keys: Mapping[str, tuple[str, str]], *roles: str) -> Callable[..., Any]:
    """Reads ``?api_key=`` instead of the X-API-Key header."""
    allowed = set(roles) | {"admin"}

    def dependency(api_key: Annotated[str | None, Query()] = None) -> str:
        who = keys.get(api_key or "")
        if who is None:
            raise HTTPException(401)
        if who[1] not in allowed:
            raise HTTPException(403)
        return who[0]

    return dependency


def require_role_missing_is_403(keys: Mapping[str, tuple[str, str]], *roles: str) -> Callable[..., Any]:
    return _role_dependency(keys, roles, missing_status=403)


def require_role_prefix_match(keys: Mapping[str, tuple[str, str]], *roles: str) -> Callable[..., Any]:
    return _role_dependency(keys, roles, match=lambda given, known: known.startswith(given))


def require_role_wrong_role_is_401(keys: Mapping[str, tuple[str, str]], *roles: str) -> Callable[..., Any]:
    return _role_dependency(keys, roles, wrong_role_status=401)


def require_role_admin_not_special(keys: Mapping[str, tuple[str, str]], *roles: str) -> Callable[..., Any]:
    return _role_dependency(keys, roles, admin=False)


def require_role_returns_role(keys: Mapping[str, tuple[str, str]], *roles: str) -> Callable[..., Any]:
    return _role_dependency(keys, roles, returns="role")


def require_role_returns_key(keys: Mapping[str, tuple[str, str]], *roles: str) -> Callable[..., Any]:
    return _role_dependency(keys, roles, returns="key")


# ================================================================ 5.7 the service

# ---------------------------------------------------------------- alternative correct solutions


def build_app_async(load_model: Callable[[], Any], keys: Mapping[str, tuple[str, str]], budget_s: float) -> FastAPI:
    """An async route with asyncio.wait_for on a private thread pool; the model held in a closure."""
    holder: dict[str, Any] = {}
    pool = ThreadPoolExecutor(max_workers=2)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        holder["model"] = load_model()
        try:
            yield
        finally:
            pool.shutdown(wait=False)

    router = APIRouter(prefix="/v1", dependencies=[Depends(w.require_role(keys, "scorer"))])

    @router.post("/score")
    async def score(trade: w.TradeRequest, x_request_id: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        model, reason = holder.get("model"), None
        if model is None:
            reason = "model_missing"
        else:
            try:
                future = asyncio.get_running_loop().run_in_executor(pool, model.predict, trade)
                value = await asyncio.wait_for(future, timeout=budget_s)
            except TimeoutError:
                reason = "model_timeout"
            except Exception:  # noqa: BLE001 - any model failure degrades to the rules
                reason = "model_error"
        if reason is not None:
            value = w.rules_score(trade)
        rid = x_request_id if x_request_id and week05._SAFE.fullmatch(x_request_id) else uuid.uuid4().hex
        return {
            "trade_id": trade.trade_id,
            "score": value,
            "decision": "clear" if value < w.THRESHOLD else "flag",
            "model_version": getattr(model, "version", None) if reason is None else None,
            "request_id": rid,
            "fallback": reason is not None,
            "reasons": [reason] if reason else [],
        }

    app = FastAPI(lifespan=lifespan)
    app.include_router(router)
    return app


def build_app_own_pieces(
    load_model: Callable[[], Any], keys: Mapping[str, tuple[str, str]], budget_s: float
) -> FastAPI:
    """Built from the alternative 5.5, 5.6 and 5.3 solutions, as a learner's notebook would be."""
    from reference_impl.exercises.mutants.week05 import fallback_thread, request_id_fullmatch

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.model = load_model()
        yield

    app = FastAPI(lifespan=lifespan)
    v1 = APIRouter(prefix="/v1")

    @v1.post("/score")
    def score(
        request: Request,
        body: TradeRequestValidators,
        who: Annotated[str, Depends(require_role_header(keys, "scorer"))],
        x_request_id: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        model = request.app.state.model
        call = (lambda: model.predict(body)) if model is not None else None
        value, why = fallback_thread(call, lambda: w.rules_score(body), budget_s)
        return dict(
            trade_id=body.trade_id,
            decision="flag" if value >= w.THRESHOLD else "clear",
            score=value,
            model_version=None if why else model.version,
            request_id=request_id_fullmatch(x_request_id),
            reasons=[why] if why else [],
            fallback=bool(why),
        )

    app.include_router(v1)
    return app


# ---------------------------------------------------------------- plausible wrong solutions


def _service(
    load_model: Callable[[], Any],
    keys: Mapping[str, tuple[str, str]],
    budget_s: float,
    *,
    load: str = "lifespan",
    prefix: str = "/v1",
    body_type: Any = None,
    auth: bool = True,
    threshold_strict: bool = False,
    version_key: str = "model_version",
    no_reasons: Any = (),
    request_id: Callable[[str | None], str] = week05.resolve_request_id,
    decide: Callable[..., tuple[Any, str | None]] = week05.decide_with_fallback,
) -> FastAPI:
    """The reference service with one knob turned: each mutant below turns one."""
    state: dict[str, Any] = {}
    if load == "build":
        state["model"] = load_model()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if load == "lifespan":
            state["model"] = load_model()
        yield

    router = APIRouter(prefix=prefix)
    scorer = w.require_role(keys, "scorer") if auth else (lambda: "anyone")
    Body = body_type or w.TradeRequest

    @router.post("/score")
    def score(
        trade: Body,  # type: ignore[valid-type]
        caller: Annotated[str, Depends(scorer)],
        x_request_id: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        model: Any = load_model() if load == "request" else state.get("model")
        value, reason = decide(
            None if model is None else (lambda: model.predict(trade)), lambda: w.rules_score(trade), budget_s
        )
        flag = value > w.THRESHOLD if threshold_strict else value >= w.THRESHOLD
        body: Any = trade
        trade_id = body["trade_id"] if isinstance(body, dict) else body.trade_id
        return {
            "trade_id": trade_id,
            "decision": "flag" if flag else "clear",
            "score": value,
            version_key: None if reason else model.version,
            "request_id": request_id(x_request_id),
            "reasons": [reason] if reason else no_reasons,
            "fallback": reason is not None,
        }

    app = FastAPI(lifespan=lifespan)
    app.include_router(router)
    return app


def build_app_loads_at_build(load_model, keys, budget_s):
    return _service(load_model, keys, budget_s, load="build")


def build_app_loads_per_request(load_model, keys, budget_s):
    return _service(load_model, keys, budget_s, load="request")


def build_app_no_prefix(load_model, keys, budget_s):
    return _service(load_model, keys, budget_s, prefix="")


def build_app_dict_body(load_model, keys, budget_s):
    return _service(load_model, keys, budget_s, body_type=dict)


def build_app_no_auth(load_model, keys, budget_s):
    return _service(load_model, keys, budget_s, auth=False)


def build_app_strict_threshold(load_model, keys, budget_s):
    return _service(load_model, keys, budget_s, threshold_strict=True)


def build_app_version_key(load_model, keys, budget_s):
    return _service(load_model, keys, budget_s, version_key="version")


def build_app_reasons_none(load_model, keys, budget_s):  # "no reasons" written as null instead of []
    return _service(load_model, keys, budget_s, no_reasons=None)


def build_app_always_fresh_id(load_model, keys, budget_s):
    return _service(load_model, keys, budget_s, request_id=lambda header: uuid.uuid4().hex)


def build_app_echoes_any_id(load_model, keys, budget_s):
    return _service(load_model, keys, budget_s, request_id=lambda header: header or uuid.uuid4().hex)


def _missing_is_error(model, rules, budget_s):
    """Calls the missing model, so 'no model' reads as a failing one."""
    if model is None:
        return rules(), "model_error"
    return week05.decide_with_fallback(model, rules, budget_s)


def build_app_missing_is_error(load_model, keys, budget_s):
    return _service(load_model, keys, budget_s, decide=_missing_is_error)


def _errors_escape(model, rules, budget_s):
    if model is None:
        return rules(), "model_missing"
    return model(), None  # a broken model is a 500; a hung one is waited for


def build_app_errors_escape(load_model, keys, budget_s):
    return _service(load_model, keys, budget_s, decide=_errors_escape)


def _waits(model, rules, budget_s):
    from reference_impl.exercises.mutants.week05 import fallback_waits

    return fallback_waits(model, rules, budget_s)


def build_app_waits_for_hung_model(load_model, keys, budget_s):
    return _service(load_model, keys, budget_s, decide=_waits)


MUTANTS = [
    Mutant("5.5", "extra", TradeRequestAllowsExtra),
    Mutant("5.5", "trade_id", TradeRequestUnanchoredId),
    Mutant("5.5", "trade_id", TradeRequestUnicodeId),
    Mutant("5.5", "notional", TradeRequestLaxNotional),
    Mutant("5.5", "notional", TradeRequestZeroNotional),
    Mutant("5.5", "currency", TradeRequestAnyCase),
    Mutant("5.5", "exec_ts", TradeRequestNaive),
    Mutant("5.5", "valid", TradeRequestDefaultCurrency),
    Mutant("5.6", "header", require_role_query),
    Mutant("5.6", "unauthenticated", require_role_missing_is_403),
    Mutant("5.6", "unauthenticated", require_role_prefix_match),
    Mutant("5.6", "forbidden", require_role_wrong_role_is_401),
    Mutant("5.6", "allowed", require_role_admin_not_special),
    Mutant("5.6", "allowed", require_role_returns_role),
    Mutant("5.6", "allowed", require_role_returns_key),
    Mutant("5.7", "lifespan", build_app_loads_at_build),
    Mutant("5.7", "lifespan", build_app_loads_per_request),
    Mutant("5.7", "prefix", build_app_no_prefix),
    Mutant("5.7", "contract", build_app_dict_body),
    Mutant("5.7", "auth", build_app_no_auth),
    Mutant("5.7", "answer", build_app_strict_threshold),
    Mutant("5.7", "answer", build_app_version_key),
    Mutant("5.7", "answer", build_app_reasons_none),
    Mutant("5.7", "request_id", build_app_always_fresh_id),
    Mutant("5.7", "request_id", build_app_echoes_any_id),
    Mutant("5.7", "fallback", build_app_missing_is_error),
    Mutant("5.7", "fallback", build_app_errors_escape),
    Mutant("5.7", "timeout", build_app_waits_for_hung_model),
]

CORRECT = {
    "5.5": [TradeRequestAnnotated, TradeRequestValidators],
    "5.6": [require_role_header, require_role_class],
    "5.7": [build_app_async, build_app_own_pieces],
}
