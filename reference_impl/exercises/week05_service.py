"""Week 5 exercises (the service): the learner writes pydantic and FastAPI code, the check drives it over HTTP.

* 5.5 :class:`TradeRequest` — the request contract: a pydantic v2 model that forbids extra fields and constrains
  each field (a small cousin of :class:`reference_impl.serving.trades.schemas.TradeEventIn`).
* 5.6 :func:`require_role` — an auth dependency: 401 for a missing or unknown API key, 403 for a known key with
  the wrong role, the caller's name otherwise.
* 5.7 :func:`build_app` — the scoring service: a lifespan that loads the model once, ``POST /v1/score`` on an
  ``APIRouter(prefix="/v1")``, protected by 5.6, the model called within a time budget with a rules fallback
  (5.3), and an answer that carries its inference metadata (model version, request id from 5.1, reasons).

The checks never trust what comes back: 5.5's validates good and bad payloads against the class; 5.6's mounts
the dependency on a tiny app; 5.7's starts the learner's app with :class:`fastapi.testclient.TestClient` used as a
context manager (so the lifespan runs) and sends it real requests. Exceptions inside the app become 500 answers
(``raise_server_exceptions=False``), so a learner's bug is a failed case with the requirement it breaks.

This module has no ``from __future__ import annotations``: FastAPI reads the annotations of the functions defined
inside :func:`require_role` and :func:`build_app` at run time, and a string annotation naming a local class
cannot be resolved there.

Examples
--------
>>> EXERCISES["5.6"].evaluate(require_role)  # the number of cases passed
12
"""

import contextlib
import hmac
import io
import math
import re
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from types import SimpleNamespace
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request, Security
from fastapi.security import APIKeyHeader
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from reference_impl.exercises import week05
from reference_impl.exercises.framework import CheckBook, Exercise, ExerciseFailed, ExerciseNotStarted, Requirement
from reference_impl.exercises.week05 import decide_with_fallback, resolve_request_id

#: A score at or above this is a ``"flag"``; below it, ``"clear"``.
THRESHOLD = 0.5
#: The rules' one rule for these exercises: a notional this large (in the trade's currency) is suspicious.
LARGE_NOTIONAL = 5_000_000.0


def rules_score(trade: Any) -> float:
    """The rules-only score the service falls back to: 0.9 for a large notional, else 0.1.

    ``trade`` is the validated request (a :class:`TradeRequest`); a mapping with a ``notional`` key works too.
    """
    notional = trade["notional"] if isinstance(trade, Mapping) else trade.notional
    return 0.9 if notional >= LARGE_NOTIONAL else 0.1


# --------------------------------------------------------------------------------------------------------------
# Reference solutions
# --------------------------------------------------------------------------------------------------------------


class TradeRequest(BaseModel):
    """One trade to score: what the caller must send, and nothing else."""

    model_config = ConfigDict(extra="forbid")  # a misspelt field is a 422, not silently ignored

    trade_id: str = Field(pattern=r"^[A-Za-z0-9_.:\-]{1,64}$")  # the alphabet of TradeEventIn's identifiers
    notional: float = Field(gt=0, strict=True, allow_inf_nan=False)  # a JSON number: "5" and Infinity refused
    currency: str = Field(pattern=r"^[A-Z]{3}$")  # ISO 4217 shape; production uses a closed list
    exec_ts: AwareDatetime  # a timestamp without a UTC offset is refused: which time zone would it be?


def solution_trade_request() -> type[BaseModel]:
    """The 5.5 solution, wrapped in a function so ``check.solution("5.5")`` can print it: write the class itself."""

    class TradeRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")

        trade_id: str = Field(pattern=r"^[A-Za-z0-9_.:\-]{1,64}$")
        notional: float = Field(gt=0, strict=True, allow_inf_nan=False)
        currency: str = Field(pattern=r"^[A-Z]{3}$")
        exec_ts: AwareDatetime

    return TradeRequest


#: Where callers put their key. ``auto_error=False``: a missing key reaches our code, which answers 401 itself.
API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False)


def require_role(keys: Mapping[str, tuple[str, str]], *roles: str) -> Callable[..., str]:
    """A FastAPI dependency letting through callers whose key maps to one of ``roles`` (or to ``admin``).

    ``keys`` maps an API key to ``(caller, role)``. The dependency answers 401 for a missing or unknown key,
    403 for a known key with another role, and returns the caller's name otherwise.
    """
    allowed = set(roles) | {"admin"}

    def caller_with_role(api_key: Annotated[str | None, Security(API_KEY_HEADER)]) -> str:
        found = None
        for known, caller_and_role in keys.items():  # compare every key in constant time: no early exit to time
            if api_key and hmac.compare_digest(api_key.encode(), known.encode()):
                found = caller_and_role
        if found is None:
            raise HTTPException(401, detail="missing or unknown API key", headers={"WWW-Authenticate": "APIKey"})
        caller, role = found
        if role not in allowed:
            raise HTTPException(403, detail=f"role {role!r} may not call this route")
        return caller

    return caller_with_role


def build_app(load_model: Callable[[], Any], keys: Mapping[str, tuple[str, str]], budget_s: float) -> FastAPI:
    """The scoring service: ``POST /v1/score`` for callers with the ``scorer`` role.

    ``load_model()`` returns ``None`` (no model) or an object with a ``version`` and ``predict(trade) -> float``;
    it runs once, in the lifespan. The model gets ``budget_s`` seconds; the rules answer when it is missing,
    raises or is slower.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.model = load_model()  # once, at startup: not at import, not per request
        yield
        app.state.model = None

    # every route on this router needs the scorer role: the check is declared once, no route can forget it
    router = APIRouter(prefix="/v1", dependencies=[Depends(require_role(keys, "scorer"))])

    @router.post("/score")
    def score(
        trade: TradeRequest,  # the body: FastAPI validates it and answers 422 naming the field at fault
        request: Request,
        x_request_id: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        model = request.app.state.model
        model_call = None if model is None else (lambda: model.predict(trade))
        value, reason = decide_with_fallback(model_call, lambda: rules_score(trade), budget_s)
        return {
            "trade_id": trade.trade_id,
            "decision": "flag" if value >= THRESHOLD else "clear",
            "score": float(value),
            "model_version": model.version if reason is None else None,
            "request_id": resolve_request_id(x_request_id),
            "reasons": [] if reason is None else [reason],
            "fallback": reason is not None,
        }

    app = FastAPI(title="week 5 scoring service", lifespan=lifespan)
    app.include_router(router)
    return app


reference = SimpleNamespace(
    **vars(week05.reference),
    TradeRequest=TradeRequest,
    require_role=require_role,
    build_app=build_app,
    rules_score=rules_score,
)

# --------------------------------------------------------------------------------------------------------------
# The small engine these checks share: named steps, each testing one requirement
# --------------------------------------------------------------------------------------------------------------


class _Fail(Exception):
    """One step failed: ``detail`` says what came back, ``hint`` (optional) is more specific than the requirement's."""

    def __init__(self, detail: str, hint: str = "", req: str = "") -> None:
        super().__init__(detail)
        self.detail, self.hint, self.req = detail, hint, req


def _short(value: Any, limit: int = 160) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - learner code may return anything
        text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _failed(ex: Exercise, case: str, req_id: str, detail: str, hint: str = "") -> ExerciseFailed:
    req = ex.requirement(req_id)
    return ExerciseFailed(
        ex.id,
        case,
        _short(detail, 400) if not isinstance(detail, str) else detail[:400],
        hint or req.hint,
        requirement=req,
    )


def _run_steps(ex: Exercise, steps: list[tuple[str, str, Callable[[], None]]]) -> int:
    """Run ``(case name, requirement id, step)`` in order; the first failure becomes :class:`ExerciseFailed`."""
    for name, req_id, step in steps:
        try:
            step()
        except _Fail as fail:
            raise _failed(ex, name, fail.req or req_id, fail.detail, fail.hint) from None
        except (NotImplementedError, ExerciseNotStarted):
            raise
        except Exception as exc:  # noqa: BLE001 - learner code may raise anything; it becomes a failed case
            raise _failed(ex, name, req_id, f"raised {type(exc).__name__}: {_short(str(exc), 200)}") from None
    return len(steps)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No warnings or stray output from the learner's app while a check runs (nbval compares stdout/stderr)."""
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        yield


def _client(app: Any) -> Any:
    from reference_impl.serving.testing import test_client

    return test_client(app, raise_server_exceptions=False)


def _json(response: Any) -> Any:
    try:
        return response.json()
    except Exception:  # noqa: BLE001 - the body may be anything
        return response.text[:200]


# --------------------------------------------------------------------------------------------------------------
# 5.5 the request model
# --------------------------------------------------------------------------------------------------------------

REQUEST_REQS = (
    Requirement(
        "extra",
        'an unknown field is refused: `model_config = ConfigDict(extra="forbid")`',
        'set model_config = ConfigDict(extra="forbid"): by default pydantic ignores a field it does not know, so a '
        "misspelt optional field would vanish without a word",
    ),
    Requirement(
        "trade_id",
        "`trade_id` is a string of 1 to 64 characters from `A-Z a-z 0-9 _ . : -` (as `TradeEventIn`'s identifiers)",
        'trade_id: str = Field(pattern=r"^[A-Za-z0-9_.:\\-]{1,64}$"): anchor the pattern with ^ and $ and bound the '
        "length",
    ),
    Requirement(
        "notional",
        '`notional` is a JSON number (a string such as `"5"` is refused), finite and greater than 0',
        "notional: float = Field(gt=0, strict=True, allow_inf_nan=False): gt (not ge) refuses 0, strict refuses "
        'the string "5", allow_inf_nan=False refuses Infinity',
    ),
    Requirement(
        "currency",
        "`currency` is three upper-case letters (`USD`, not `usd` or `US`)",
        'currency: str = Field(pattern=r"^[A-Z]{3}$")',
    ),
    Requirement(
        "exec_ts",
        "`exec_ts` is a timezone-aware timestamp: a time without a UTC offset is refused",
        "annotate exec_ts with pydantic's AwareDatetime: a plain datetime accepts a naive time, and then nobody "
        "knows which time zone it was in",
    ),
    Requirement(
        "valid",
        "every field is required, and a valid payload parses: `notional` a float, `exec_ts` an aware `datetime`",
        "declare the four fields without defaults; the check builds your class from valid payloads and reads "
        "the fields back",
    ),
)

_GOOD: dict[str, Any] = {
    "trade_id": "T000123",
    "notional": 2_500_000.0,
    "currency": "GBP",
    "exec_ts": "2026-03-02T10:15:00Z",
}

#: (case name, requirement, field that must be named in the error, payload changes, or a key to drop)
_BAD: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("an unknown field is refused", "extra", "notional_usdd", {"notional_usdd": 2_500_000.0}),
    ("trade_id with a space", "trade_id", "trade_id", {"trade_id": "T 123"}),
    ("trade_id with a non-ASCII letter", "trade_id", "trade_id", {"trade_id": "T00012é"}),
    ("empty trade_id", "trade_id", "trade_id", {"trade_id": ""}),
    ("trade_id of 65 characters", "trade_id", "trade_id", {"trade_id": "T" * 65}),
    ("trade_id with a newline at the end", "trade_id", "trade_id", {"trade_id": "T000123\n"}),
    ("trade_id given as a number", "trade_id", "trade_id", {"trade_id": 123}),
    ("notional 0", "notional", "notional", {"notional": 0}),
    ("negative notional", "notional", "notional", {"notional": -5.0}),
    ("notional as a string", "notional", "notional", {"notional": "2500000"}),
    ("infinite notional", "notional", "notional", {"notional": math.inf}),
    ("lower-case currency", "currency", "currency", {"currency": "gbp"}),
    ("two-letter currency", "currency", "currency", {"currency": "GB"}),
    ("four-letter currency", "currency", "currency", {"currency": "GBPX"}),
    ("naive exec_ts", "exec_ts", "exec_ts", {"exec_ts": "2026-03-02T10:15:00"}),
    ("exec_ts that is not a time", "exec_ts", "exec_ts", {"exec_ts": "yesterday"}),
)
_REQUIRED = ("trade_id", "notional", "currency", "exec_ts")


def _as_model_class(obj: Any) -> type[BaseModel]:
    """The learner's class (or what a zero-argument function returns: the shape ``check.solution`` prints)."""
    candidate = obj
    if not isinstance(obj, type) and callable(obj):
        try:
            candidate = obj()  # NotImplementedError propagates: not started
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - learner code may raise anything
            raise _Fail(f"calling it raised {type(exc).__name__}: {_short(str(exc), 200)}") from None
    if not (isinstance(candidate, type) and issubclass(candidate, BaseModel)):
        raise _Fail(
            f"expected a pydantic model class (class TradeRequest(BaseModel): ...), got {_short(candidate)}",
            "define a class that inherits from pydantic.BaseModel, and pass the class itself (not an instance)",
        )
    if not candidate.model_fields:
        raise ExerciseNotStarted("5.5")  # the shipped stub: a class whose body is only `...`
    return candidate


def _error_locs(exc: ValidationError) -> set[str]:
    try:
        return {str(err["loc"][0]) for err in exc.errors() if err.get("loc")}
    except Exception:  # noqa: BLE001 - a custom validator may produce odd errors
        return set()


def _refuses(cls: type[BaseModel], payload: dict[str, Any], field: str) -> None:
    try:
        got = cls.model_validate(payload)
    except ValidationError as exc:
        locs = _error_locs(exc)
        if locs and field not in locs:
            raise _Fail(f"refused, but the error names {sorted(locs)}, not {field!r}") from None
        return
    raise _Fail(
        f"accepted {_short({k: v for k, v in payload.items() if k not in _GOOD or payload[k] != _GOOD[k]})}: "
        f"got {_short(got)}; expected a ValidationError naming {field!r}"
    )


def _accepts(cls: type[BaseModel], payload: dict[str, Any]) -> None:
    import datetime as dt

    got: Any
    try:
        got = cls.model_validate(payload)
    except ValidationError as exc:
        errors = [f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}" for e in exc.errors()][:3]
        raise _Fail(f"refused a valid payload {_short(payload)}: {'; '.join(errors)}") from None
    for name in _REQUIRED:
        if not hasattr(got, name):
            raise _Fail(f"the parsed model has no field {name!r}")
    if not isinstance(got.notional, float) or got.notional != float(payload["notional"]):
        raise _Fail(f"notional parsed as {_short(got.notional)}, expected the float {float(payload['notional'])!r}")
    if got.trade_id != payload["trade_id"] or got.currency != payload["currency"]:
        raise _Fail(f"parsed {_short((got.trade_id, got.currency))}, expected the values sent")
    expected_ts = dt.datetime.fromisoformat(payload["exec_ts"].replace("Z", "+00:00"))
    if not isinstance(got.exec_ts, dt.datetime) or got.exec_ts.tzinfo is None or got.exec_ts != expected_ts:
        raise _Fail(f"exec_ts parsed as {_short(got.exec_ts)}, expected the aware datetime {expected_ts!r}")


def _random_payloads(rng: np.random.Generator) -> list[tuple[str, str, dict[str, Any], str | None]]:
    """(label, requirement, payload, field expected in the error or None for a valid payload)."""
    alphabet = list("ABCXYZabcxyz0189_.:-")
    out: list[tuple[str, str, dict[str, Any], str | None]] = []
    for k in range(6):
        n = int(rng.integers(1, 65))
        payload: dict[str, Any] = {
            "trade_id": "".join(rng.choice(alphabet, size=n)),
            "notional": float(np.round(rng.uniform(0.01, 5e7), 2)),
            "currency": "".join(rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), size=3)),
            "exec_ts": f"2026-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}T"
            f"{int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}:00"
            + str(rng.choice(["Z", "+01:00", "-05:00", "+05:30"])),
        }
        out.append((f"random valid payload {k + 1}", "valid", payload, None))
        broken = dict(payload)
        field = ("trade_id", "notional", "currency", "exec_ts")[k % 4]
        if field == "trade_id":
            broken["trade_id"] = payload["trade_id"][: n // 2] + str(rng.choice([" ", "/", "é", "#"]))
        elif field == "notional":
            broken["notional"] = -payload["notional"]
        elif field == "currency":
            broken["currency"] = payload["currency"].lower()
        else:
            broken["exec_ts"] = payload["exec_ts"][:19]
        out.append((f"random payload {k + 1} with a bad {field}", field, broken, field))
    return out


def _request_runner(obj: Any) -> int:
    ex = EXERCISES["5.5"]
    try:
        cls = _as_model_class(obj)
    except _Fail as fail:
        raise _failed(ex, "setup", "valid", fail.detail, fail.hint) from None

    def accepts(payload: dict[str, Any]) -> Callable[[], None]:
        return lambda: _accepts(cls, payload)

    def refuses(payload: dict[str, Any], field: str) -> Callable[[], None]:
        return lambda: _refuses(cls, payload, field)

    steps: list[tuple[str, str, Callable[[], None]]] = [("a valid payload parses", "valid", accepts(dict(_GOOD)))]
    for name, req, bad_field, change in _BAD:
        steps.append((name, req, refuses({**_GOOD, **change}, bad_field)))
    for required in _REQUIRED:
        steps.append(
            (f"{required} missing", "valid", refuses({k: v for k, v in _GOOD.items() if k != required}, required))
        )
    steps.append(("an offset other than Z", "valid", accepts({**_GOOD, "exec_ts": "2026-03-02T11:15:00+01:00"})))
    steps.append(("an integer notional", "valid", accepts({**_GOOD, "notional": 1000})))
    for label, req, payload, field in _random_payloads(np.random.default_rng(505)):
        steps.append((label, req, accepts(payload) if field is None else refuses(payload, field)))
    with _quiet():
        return _run_steps(ex, steps)


# --------------------------------------------------------------------------------------------------------------
# 5.6 the auth dependency
# --------------------------------------------------------------------------------------------------------------

ROLE_REQS = (
    Requirement(
        "header",
        'read the key from the `X-API-Key` header (`APIKeyHeader(name="X-API-Key", auto_error=False)` with '
        "`Security`, or `Header`)",
        "declare the key as a parameter of the dependency: api_key: Annotated[str | None, Security(APIKeyHeader("
        'name="X-API-Key", auto_error=False))] (a query parameter or another header is not where callers put it)',
    ),
    Requirement(
        "unauthenticated",
        "no key, an empty key or an unknown key is 401; compare whole keys (`hmac.compare_digest`): a prefix of a "
        "key, or a key with more characters, is unknown",
        "raise HTTPException(401) when the key is missing or matches no key exactly, before you look at any role; "
        "compare with hmac.compare_digest(given.encode(), known.encode()), never startswith or `in`",
    ),
    Requirement(
        "forbidden",
        "a known key whose role is not in `roles` (and is not `admin`) is 403",
        "a caller you know but who lacks the role is forbidden: raise HTTPException(403), not 401",
    ),
    Requirement(
        "allowed",
        "a known key whose role is in `roles`, or is `admin`, passes: the dependency returns the caller's name "
        "(never the key or the role)",
        "keys[key] is (caller, role): let the role through when it is in roles or is 'admin', and return caller",
    ),
)

#: The keys the 5.6 check (and 5.7's) hands to the learner: key -> (caller, role). Generated, so never real.
CHECK_KEYS: dict[str, tuple[str, str]] = {
    f"k{seed:02d}-" + "".join(np.random.default_rng(seed).choice(list("abcdef0123456789"), size=24)): who
    for seed, who in enumerate(
        [("alice", "scorer"), ("bob", "reviewer"), ("carol", "admin"), ("dave", "auditor")], start=56
    )
}
_KEY = {caller: key for key, (caller, _) in CHECK_KEYS.items()}


def _who_app(dependency: Any) -> Any:
    """A tiny app: ``GET /who`` answers ``{"caller": <what the dependency returned>}``."""
    app = FastAPI()

    @app.get("/who")
    def who(caller: Annotated[Any, Depends(dependency)]) -> dict[str, Any]:
        return {"caller": caller}

    return app


def _expect(response: Any, status: int, what: str, hint: str = "") -> None:
    if response.status_code != status:
        raise _Fail(f"{what}: expected {status}, got {response.status_code} {_short(_json(response))}", hint)


def _role_runner(func: Any) -> int:
    ex = EXERCISES["5.6"]
    if not callable(func):
        raise _failed(ex, "setup", "allowed", f"expected a function require_role(keys, *roles), got {_short(func)}")
    deps: dict[tuple[str, ...], Any] = {}
    role_sets: list[tuple[str, ...]] = [("scorer",), ("reviewer", "auditor")]
    for roles in role_sets:
        try:
            with _quiet():
                deps[roles] = func(dict(CHECK_KEYS), *roles)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - learner code may raise anything
            raise _failed(
                ex,
                f"require_role(keys, {', '.join(map(repr, roles))})",
                "allowed",
                f"raised {type(exc).__name__}: {_short(str(exc), 200)}",
            ) from None
    apps = {}
    for roles, dep in deps.items():
        if not callable(dep):
            raise _failed(
                ex,
                f"require_role(keys, {', '.join(map(repr, roles))})",
                "allowed",
                f"expected a dependency (a function FastAPI can call), got {_short(dep)}",
                "require_role returns the inner function itself (return caller_with_role), not its result",
            )
        try:
            with _quiet():
                apps[roles] = _who_app(dep)
        except Exception as exc:  # noqa: BLE001 - FastAPI refuses some callables when the route is declared
            raise _failed(
                ex,
                "mount the dependency on a route",
                "allowed",
                f"FastAPI could not use it as a dependency: {type(exc).__name__}: {_short(str(exc), 200)}",
            ) from None

    scorer, reviewer_or_auditor = _client(apps[("scorer",)]), _client(apps[("reviewer", "auditor")])

    def get(client: Any, key: str | None = None, **headers: str) -> Any:
        sent = dict(headers)
        if key is not None:
            sent["X-API-Key"] = key
        return client.get("/who", headers=sent)

    def passes(client: Any, caller: str, what: str) -> Callable[[], None]:
        def step() -> None:
            r = get(client, _KEY[caller])
            _expect(r, 200, what)
            body = _json(r)
            got = body.get("caller") if isinstance(body, dict) else body
            if got != caller:
                hint = (
                    "return the caller's name, not the key (a key in a response or a log is a leaked key)"
                    if got == _KEY[caller]
                    else ""
                )
                raise _Fail(f"{what}: the dependency returned {_short(got)}, expected the caller {caller!r}", hint)

        return step

    alice = _KEY["alice"]
    steps: list[tuple[str, str, Callable[[], None]]] = [
        (
            "a scorer's key in the X-API-Key header",
            "header",
            lambda: _expect(get(scorer, alice), 200, "scorer key in X-API-Key on a scorer route"),
        ),
        ("no key", "unauthenticated", lambda: _expect(get(scorer), 401, "no X-API-Key header")),
        (
            "the key in the query string is not a key",
            "header",
            lambda: _expect(scorer.get(f"/who?api_key={alice}&x_api_key={alice}"), 401, "key only in the query string"),
        ),
        ("an empty key", "unauthenticated", lambda: _expect(get(scorer, ""), 401, "X-API-Key: ''")),
        (
            "an unknown key",
            "unauthenticated",
            lambda: _expect(get(scorer, "k99-" + "0" * 24), 401, "a key nobody was given"),
        ),
        (
            "a prefix of a real key",
            "unauthenticated",
            lambda: _expect(
                get(scorer, alice[:10]),
                401,
                "the first 10 characters of alice's key",
                "compare whole keys: a prefix match lets anyone guess a key character by character",
            ),
        ),
        (
            "a real key with one more character",
            "unauthenticated",
            lambda: _expect(get(scorer, alice + "x"), 401, "alice's key + 'x'"),
        ),
        ("a reviewer on a scorer route", "forbidden", lambda: _expect(get(scorer, _KEY["bob"]), 403, "bob (reviewer)")),
        (
            "a scorer on a reviewer-or-auditor route",
            "forbidden",
            lambda: _expect(
                get(reviewer_or_auditor, alice), 403, "alice (scorer) on require_role(keys, 'reviewer', 'auditor')"
            ),
        ),
        ("the caller's name is returned", "allowed", passes(scorer, "alice", "alice (scorer) on a scorer route")),
        (
            "the second of several roles",
            "allowed",
            passes(reviewer_or_auditor, "dave", "dave (auditor) on require_role(keys, 'reviewer', 'auditor')"),
        ),
        ("admin passes every check", "allowed", passes(scorer, "carol", "carol (admin) on a scorer route")),
    ]
    with _quiet():
        return _run_steps(ex, steps)


# --------------------------------------------------------------------------------------------------------------
# 5.7 the service
# --------------------------------------------------------------------------------------------------------------

APP_REQS = (
    Requirement(
        "lifespan",
        "return a FastAPI app whose `lifespan` calls `load_model()` exactly once, at startup: not when `build_app` "
        "runs, not per request",
        "write an @contextlib.asynccontextmanager lifespan(app) that stores load_model() (e.g. on app.state) before "
        "`yield`, and pass FastAPI(lifespan=lifespan); the route reads what the lifespan stored",
    ),
    Requirement(
        "prefix",
        'the route lives on an `APIRouter(prefix="/v1")`: `POST /v1/score`, and nothing at `/score`',
        'router = APIRouter(prefix="/v1"); @router.post("/score"); app.include_router(router)',
    ),
    Requirement(
        "contract",
        "the body is your `TradeRequest` (5.5): an extra field or a bad value is a 422",
        "annotate the body parameter with TradeRequest (trade: TradeRequest): FastAPI validates it and answers 422; "
        "a dict parameter accepts anything",
    ),
    Requirement(
        "auth",
        '`POST /v1/score` depends on `require_role(keys, "scorer")` (5.6): no key is 401, a key without the role 403',
        'APIRouter(prefix="/v1", dependencies=[Depends(require_role(keys, "scorer"))]), or a route parameter '
        'caller: Annotated[str, Depends(require_role(keys, "scorer"))]',
    ),
    Requirement(
        "answer",
        'the answer is JSON with exactly `trade_id`, `decision` (`"flag"` when `score >= THRESHOLD`, else '
        '`"clear"`), `score`, `model_version` (the model\'s `version`; `None` when the rules answered), '
        "`request_id`, `reasons` (`[]` when the model answered) and `fallback`",
        "return a dict with those seven keys; the model's score is model.predict(trade), decision is "
        "'flag' if score >= THRESHOLD else 'clear', model_version is model.version and reasons is []",
    ),
    Requirement(
        "request_id",
        "`request_id` is the caller's `X-Request-ID` when it is safe (5.1's rule), else a fresh `uuid4().hex`",
        "read the header with x_request_id: Annotated[str | None, Header()] = None and pass it to "
        "resolve_request_id (5.1)",
    ),
    Requirement(
        "fallback",
        "when `load_model()` returned `None`, or `model.predict` raises, the rules answer: `score` is "
        '`rules_score(trade)`, `fallback` is `true`, `reasons` is `["model_missing"]` or `["model_error"]`',
        "call decide_with_fallback (5.3) with model_call = None when there is no model, else "
        "lambda: model.predict(trade), and rules = lambda: rules_score(trade); reasons = [reason]",
    ),
    Requirement(
        "timeout",
        "a model slower than `budget_s` is not waited for: the rules answer at once, with `reasons` "
        '`["model_timeout"]`',
        "run the model within the budget (decide_with_fallback from 5.3 does) and do not wait for the hung call: "
        "a `with ThreadPoolExecutor()` block, or calling the model directly, waits for it",
    ),
)

HANG_S = week05.HANG_S  # how long the hung model sleeps: far above the budget plus the margin
_FIELDS = {"trade_id", "decision", "score", "model_version", "request_id", "reasons", "fallback"}
_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _notional_of(trade: Any) -> float:
    value = trade.get("notional") if isinstance(trade, Mapping) else getattr(trade, "notional", None)
    return float(value)  # type: ignore[arg-type]


class _CheckModel:
    """The model the check's ``load_model`` returns: ``score = notional / 10 million`` (capped at 1)."""

    version = "7"

    def __init__(self, mode: str = "ok") -> None:
        self.mode = mode

    def predict(self, trade: Any) -> float:
        if self.mode == "error":
            raise RuntimeError("the model is broken")
        if self.mode == "slow":
            time.sleep(HANG_S)  # a hung model; the thread ends by itself shortly after the case
        return round(min(_notional_of(trade) / 10_000_000, 1.0), 6)


def _model_score(notional: float) -> float:
    return round(min(notional / 10_000_000, 1.0), 6)


def _payload(trade_id: str, notional: float) -> dict[str, Any]:
    return {"trade_id": trade_id, "notional": notional, "currency": "GBP", "exec_ts": "2026-03-02T10:15:00Z"}


class _Loader:
    """``load_model`` for the check: counts its calls and returns ``model``."""

    def __init__(self, model: Any) -> None:
        self.model, self.calls = model, 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.model


def _build(ex: Exercise, func: Any, loader: _Loader, budget_s: float, label: str) -> Any:
    try:
        with _quiet():
            app = func(loader, dict(CHECK_KEYS), budget_s)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - learner code may raise anything
        raise _failed(
            ex, f"build_app ({label})", "lifespan", f"raised {type(exc).__name__}: {_short(str(exc), 200)}"
        ) from None
    from starlette.applications import Starlette

    if not isinstance(app, Starlette):
        raise _failed(
            ex,
            f"build_app ({label})",
            "lifespan",
            f"expected a FastAPI app, got {_short(app)}",
            "create app = FastAPI(lifespan=lifespan), include the router, and return app",
        )
    return app


@contextlib.contextmanager
def _started(ex: Exercise, app: Any, label: str) -> Iterator[Any]:
    client = _client(app)
    try:
        with _quiet():
            client.__enter__()
    except Exception as exc:  # noqa: BLE001 - a lifespan that raises
        raise _failed(
            ex,
            f"start the app ({label})",
            "lifespan",
            f"the app did not start: {type(exc).__name__}: {_short(str(exc), 200)}",
        ) from None
    try:
        yield client
    finally:
        with contextlib.suppress(Exception), _quiet():
            client.__exit__(None, None, None)


def _status_req(status: int) -> str:
    """Which requirement a wrong status on a valid, authorised request points at."""
    return {404: "prefix", 405: "prefix", 401: "auth", 403: "auth", 422: "contract"}.get(status, "answer")


def _score(client: Any, body: dict[str, Any], key: str | None = None, **headers: str) -> Any:
    sent = dict(headers)
    sent["X-API-Key"] = key if key is not None else _KEY["alice"]
    return client.post("/v1/score", json=body, headers=sent)


def _answer(
    client: Any, body: dict[str, Any], what: str, server_error: str = "answer", **headers: str
) -> dict[str, Any]:
    """A valid, authorised request: its JSON answer (any other status fails with the requirement it points at;
    a 500 with ``server_error``: in a fallback case it is the model's failure escaping the route)."""
    r = _score(client, body, **headers)
    if r.status_code != 200:
        req = _status_req(r.status_code) if r.status_code < 500 else server_error
        hint = "" if req != "answer" else "a 500 is your route raising: run it by hand in the notebook to see why"
        raise _Fail(f"{what}: expected 200, got {r.status_code} {_short(_json(r))}", hint, req=req)
    got = _json(r)
    if not isinstance(got, dict) or set(got) != _FIELDS:
        keys = sorted(got) if isinstance(got, dict) else type(got).__name__
        raise _Fail(f"{what}: expected the keys {sorted(_FIELDS)}, got {keys}", req="answer")
    return got


def _same(got: dict[str, Any], expected: dict[str, Any], what: str, req: str = "") -> None:
    for key, value in expected.items():
        g = got.get(key)
        ok = (
            isinstance(g, (int, float)) and not isinstance(g, bool) and math.isclose(g, value, abs_tol=1e-9)
            if isinstance(value, float)
            else g == value and type(g) is type(value)
        )
        if not ok:
            raise _Fail(f"{what}: {key} is {_short(g)}, expected {_short(value)}", req=req)


def _app_runner(func: Any) -> int:
    ex = EXERCISES["5.7"]
    if not callable(func):
        raise _failed(
            ex, "setup", "lifespan", f"expected a function build_app(load_model, keys, budget_s), got {_short(func)}"
        )
    n = 0
    # -- the normal service: one model, a generous budget
    loader = _Loader(_CheckModel())
    app = _build(ex, func, loader, 2.0, "a working model")

    def loads(expected: int, when: str, hint: str = "") -> Callable[[], None]:
        def step() -> None:
            if loader.calls != expected:
                raise _Fail(f"load_model was called {loader.calls} time(s) {when}, expected {expected}", hint)

        return step

    not_at_build = [
        (
            "load_model is not called by build_app",
            "lifespan",
            loads(
                0,
                "by build_app itself",
                "load in the lifespan, not in build_app: building an app must stay cheap (tests build many)",
            ),
        )
    ]
    n += _run_steps(ex, not_at_build)
    with _started(ex, app, "a working model") as client:
        seen_ids: list[str] = []

        def ok_answer(trade_id: str, notional: float, what: str, decision: str) -> Callable[[], None]:
            def step() -> None:
                got = _answer(client, _payload(trade_id, notional), what)
                _same(
                    got,
                    {
                        "trade_id": trade_id,
                        "score": _model_score(notional),
                        "decision": decision,
                        "model_version": "7",
                        "reasons": [],
                        "fallback": False,
                    },
                    what,
                    req="answer",
                )

            return step

        def fresh_ids() -> None:
            ids = [_answer(client, _payload("T1", 1000.0), "no X-Request-ID")["request_id"] for _ in range(2)]
            for rid in ids:
                if not isinstance(rid, str) or not _HEX32.match(rid):
                    raise _Fail(f"request_id is {_short(rid)} without an X-Request-ID; expected a fresh uuid4().hex")
            if ids[0] == ids[1]:
                raise _Fail(f"two requests without an X-Request-ID both got {ids[0]!r}")
            seen_ids.extend(ids)

        def unsafe_id() -> None:
            for header in ("two words", "a" * 129):
                rid = _answer(client, _payload("T1", 1000.0), "unsafe X-Request-ID", **{"X-Request-ID": header})[
                    "request_id"
                ]
                if not isinstance(rid, str) or not _HEX32.match(rid):
                    raise _Fail(
                        f"X-Request-ID {_short(header, 40)} came back as request_id {_short(rid, 60)}; "
                        "expected a fresh uuid4().hex",
                        "only a safe token is echoed (5.1): a caller must not be able to write into your logs",
                    )

        def echoed() -> None:
            got = _answer(client, _payload("T1", 1000.0), "X-Request-ID: order-42", **{"X-Request-ID": "order-42"})
            if got["request_id"] != "order-42":
                raise _Fail(f"X-Request-ID order-42 came back as request_id {_short(got['request_id'])}")

        def refused(body: dict[str, Any], what: str, field: str) -> Callable[[], None]:
            def step() -> None:
                r = _score(client, body)
                if r.status_code != 422:
                    raise _Fail(f"{what}: expected 422, got {r.status_code} {_short(_json(r))}")
                detail = _json(r)
                text = str(detail)
                if field not in text:
                    raise _Fail(f"{what}: the 422 does not name {field!r}: {_short(detail)}")

            return step

        steps: list[tuple[str, str, Callable[[], None]]] = [
            ("load_model is called once at startup", "lifespan", loads(1, "after the app started")),
            ("POST /v1/score answers a scorer", "prefix", ok_answer("T000123", 2_500_000.0, "POST /v1/score", "clear")),
            (
                "nothing at /score without the prefix",
                "prefix",
                lambda: _expect(
                    client.post("/score", json=_payload("T1", 1000.0), headers={"X-API-Key": _KEY["alice"]}),
                    404,
                    "POST /score",
                ),
            ),
            (
                "an extra field is a 422",
                "contract",
                refused({**_payload("T1", 1000.0), "notional_usdd": 1.0}, "a body with notional_usdd", "notional_usdd"),
            ),
            (
                "a bad value is a 422",
                "contract",
                refused({**_payload("T1", 1000.0), "currency": "gbp"}, "currency 'gbp'", "currency"),
            ),
            (
                "a naive timestamp is a 422",
                "contract",
                refused({**_payload("T1", 1000.0), "exec_ts": "2026-03-02T10:15:00"}, "a naive exec_ts", "exec_ts"),
            ),
            (
                "no key is 401",
                "auth",
                lambda: _expect(
                    client.post("/v1/score", json=_payload("T1", 1000.0)), 401, "POST /v1/score without X-API-Key"
                ),
            ),
            (
                "a reviewer is 403",
                "auth",
                lambda: _expect(_score(client, _payload("T1", 1000.0), key=_KEY["bob"]), 403, "bob (reviewer)"),
            ),
            (
                "the answer carries the model's score and version",
                "answer",
                ok_answer("T000124", 7_500_000.0, "a 7.5 million trade", "flag"),
            ),
            (
                "a score at the threshold is a flag",
                "answer",
                ok_answer("T000125", THRESHOLD * 10_000_000, "a score of exactly THRESHOLD", "flag"),
            ),
            ("a safe X-Request-ID is echoed", "request_id", echoed),
            ("no X-Request-ID gets a fresh id each time", "request_id", fresh_ids),
            ("an unsafe X-Request-ID gets a fresh id", "request_id", unsafe_id),
            (
                "load_model is not called per request",
                "lifespan",
                loads(1, "after 14 requests", "call load_model in the lifespan only; the route reads the stored model"),
            ),
        ]
        n += _run_steps(ex, steps)

    # -- the fallbacks: no model, a broken model, a hung model
    def fallback_case(mode: str | None, budget_s: float, reason: str, req: str) -> int:
        label = {None: "load_model returns None", "error": "a model that raises", "slow": "a hung model"}[mode]
        loader = _Loader(None if mode is None else _CheckModel(mode))
        app = _build(ex, func, loader, budget_s, label)
        with _started(ex, app, label) as client:

            def step() -> None:
                notional = 7_500_000.0 if mode != "error" else 2_500_000.0
                start = time.perf_counter()
                got = _answer(client, _payload("T000200", notional), label, server_error=req)
                elapsed = time.perf_counter() - start
                limit = budget_s + 1.0  # the budget plus a generous margin, below the hang
                if mode == "slow" and elapsed > limit:
                    raise _Fail(f"{label}: answered after {elapsed:.2f} s; at most {limit:.2f} s is allowed")
                expected_score = rules_score({"notional": notional})
                _same(
                    got,
                    {
                        "reasons": [reason],
                        "fallback": True,
                        "score": expected_score,
                        "decision": "flag" if expected_score >= THRESHOLD else "clear",
                        "model_version": None,
                    },
                    label,
                )

            return _run_steps(ex, [(f"{label}: the rules answer ({reason})", req, step)])

    n += fallback_case(None, 2.0, "model_missing", "fallback")
    n += fallback_case("error", 2.0, "model_error", "fallback")
    n += fallback_case("slow", 0.1, "model_timeout", "timeout")
    return n


# --------------------------------------------------------------------------------------------------------------
# Exercises, hints and the week's check book
# --------------------------------------------------------------------------------------------------------------

_HINTS = {
    "5.5": (
        "A pydantic v2 model is a class with annotated fields: class TradeRequest(BaseModel): trade_id: str, "
        "notional: float, currency: str, exec_ts: ... . Start there, then add one constraint per requirement.",
        'Constraints go in Field(...): pattern= for strings (anchor it with ^ and $), gt= for "greater than", '
        "strict=True so a string is not turned into a number, allow_inf_nan=False for Infinity.",
        'model_config = ConfigDict(extra="forbid") refuses unknown fields; pydantic.AwareDatetime refuses a time '
        "without an offset (a plain datetime does not).",
        "class TradeRequest(BaseModel):\n"
        '    model_config = ConfigDict(extra="forbid")\n'
        '    trade_id: str = Field(pattern=r"^[A-Za-z0-9_.:\\-]{1,64}$")\n'
        "    notional: float = Field(gt=0, strict=True, allow_inf_nan=False)\n"
        '    currency: str = Field(pattern=r"^[A-Z]{3}$")\n'
        "    exec_ts: AwareDatetime",
    ),
    "5.6": (
        "require_role does not check anything itself: it builds and returns a function (the dependency) that "
        "FastAPI calls on every request. The dependency's parameters say what it needs from the request.",
        'Declare the header: api_key: Annotated[str | None, Security(APIKeyHeader(name="X-API-Key", '
        "auto_error=False))]. auto_error=False hands you None for a missing key, so you decide the status.",
        "Find the key with hmac.compare_digest(api_key.encode(), known.encode()) over keys.items(); no match is "
        "HTTPException(401); a role outside roles + ('admin',) is HTTPException(403); otherwise return the caller.",
        "def require_role(keys, *roles):\n"
        "    allowed = set(roles) | {'admin'}\n"
        "    def dependency(api_key: Annotated[str | None, Security(API_KEY_HEADER)]) -> str:\n"
        "        found = None\n"
        "        for known, caller_and_role in keys.items():\n"
        "            if api_key and hmac.compare_digest(api_key.encode(), known.encode()):\n"
        "                found = caller_and_role\n"
        "        if found is None:\n"
        "            raise HTTPException(401, detail='missing or unknown API key')\n"
        "        caller, role = found\n"
        "        if role not in allowed:\n"
        "            raise HTTPException(403, detail='wrong role')\n"
        "        return caller\n"
        "    return dependency",
    ),
    "5.7": (
        "Three pieces: a lifespan that loads the model into app.state, an APIRouter(prefix='/v1') with one "
        "POST route, and FastAPI(lifespan=lifespan) that includes the router. Protect the whole router with "
        "APIRouter(prefix='/v1', dependencies=[Depends(require_role(keys, 'scorer'))]). The route's parameters are "
        "the body (your TradeRequest), the Request and the X-Request-ID header.",
        "Inside the route: model = request.app.state.model; decide_with_fallback(None if model is None else "
        "(lambda: model.predict(trade)), lambda: rules_score(trade), budget_s) gives (score, reason) - 5.3 already "
        "handles missing, failing and slow models.",
        "The answer: trade_id, decision ('flag' if score >= THRESHOLD else 'clear'), score, model_version "
        "(model.version, or None when reason is set), request_id (resolve_request_id(x_request_id), 5.1), reasons "
        "([] or [reason]) and fallback (reason is not None).",
        "@contextlib.asynccontextmanager\n"
        "async def lifespan(app):\n"
        "    app.state.model = load_model()\n"
        "    yield\n"
        "router = APIRouter(prefix='/v1', dependencies=[Depends(require_role(keys, 'scorer'))])\n"
        "@router.post('/score')\n"
        "def score(trade: TradeRequest, request: Request, x_request_id: Annotated[str | None, Header()] = None):\n"
        "    model = request.app.state.model\n"
        "    value, reason = decide_with_fallback(None if model is None else (lambda: model.predict(trade)),\n"
        "                                         lambda: rules_score(trade), budget_s)\n"
        "    return {'trade_id': trade.trade_id, 'decision': 'flag' if value >= THRESHOLD else 'clear',\n"
        "            'score': value, 'model_version': None if reason else model.version,\n"
        "            'request_id': resolve_request_id(x_request_id), 'reasons': [reason] if reason else [],\n"
        "            'fallback': reason is not None}\n"
        "app = FastAPI(lifespan=lifespan)\n"
        "app.include_router(router)\n"
        "return app",
    ),
}

EXERCISES = {
    "5.5": Exercise(
        "5.5",
        "the request contract",
        REQUEST_REQS,
        runner=_request_runner,
        hints=_HINTS["5.5"],
        solution=solution_trade_request,
        fallback=TradeRequest,
    ),
    "5.6": Exercise(
        "5.6",
        "an auth dependency: 401 or 403",
        ROLE_REQS,
        reference=require_role,
        runner=_role_runner,
        hints=_HINTS["5.6"],
        fallback=require_role,
    ),
    "5.7": Exercise(
        "5.7",
        "the scoring service",
        APP_REQS,
        reference=build_app,
        runner=_app_runner,
        hints=_HINTS["5.7"],
        fallback=build_app,
    ),
}

check = CheckBook(
    {**week05.EXERCISES, **EXERCISES},
    **week05.check._checks,
    trade_request="5.5",
    require_role="5.6",
    build_app="5.7",
)

__all__ = [
    "API_KEY_HEADER",
    "CHECK_KEYS",
    "EXERCISES",
    "LARGE_NOTIONAL",
    "THRESHOLD",
    "TradeRequest",
    "build_app",
    "check",
    "reference",
    "require_role",
    "rules_score",
    "solution_trade_request",
]
