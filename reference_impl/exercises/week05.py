"""Week 5 exercises: the controls around a served model, each with the trap that breaks it in production.

* 5.1 :func:`resolve_request_id` — echo the caller's ``X-Request-ID`` only when it is a safe token; anything else
  (missing, empty, too long, spaces or newlines that could forge log lines) gets a fresh id.
* 5.2 :func:`status_for` — the HTTP status of an access check: no key and unknown key are 401 (who are you?),
  a known key with the wrong role is 403 (you may not), and admin passes every check.
* 5.3 :func:`decide_with_fallback` — call the model within a time budget; missing, failing or slow models fall
  back to the rules and say why. Waiting for a slow model to finish is the trap.
* 5.4 :func:`first_bad_record` — walk a hash-chained audit log and return the index of the first record that was
  edited, removed or reordered.

Examples
--------
>>> check.status_for(reference.status_for)
Exercise 5.2 passed (8/8 cases)
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from types import SimpleNamespace
from typing import Any

from reference_impl.exercises.framework import Case, ExerciseFailed, run_cases
from reference_impl.governance.audit import GENESIS_HASH, record_hash
from reference_impl.serving.middleware import request_id_from

# --------------------------------------------------------------------------------------------------------------
# Reference solutions (they delegate to reference_impl.serving / governance)
# --------------------------------------------------------------------------------------------------------------


def resolve_request_id(header: str | None) -> str:
    """The caller's request id when it matches ``[A-Za-z0-9._:-]{1,128}``, else a new 32-hex-digit id.

    >>> resolve_request_id("order-42")
    'order-42'
    >>> len(resolve_request_id("two words"))
    32
    """
    headers = [] if header is None else [(b"x-request-id", header.encode("latin-1", errors="replace"))]
    return request_id_from(headers)


def status_for(key_present: bool, key_valid: bool, role: str | None, allowed: Sequence[str]) -> int:
    """200, 401 or 403 for a caller (admin is allowed everywhere).

    >>> status_for(True, True, "scorer", ["reviewer"])
    403
    """
    if not key_present or not key_valid:
        return 401
    return 200 if role == "admin" or role in allowed else 403


def decide_with_fallback(
    model: Callable[[], Any] | None, rules: Callable[[], Any], budget_s: float
) -> tuple[Any, str | None]:
    """``(decision, fallback_reason)``: the model's answer within ``budget_s``, else the rules' with a reason.

    Reasons: ``"model_missing"`` (``model is None``), ``"model_error"`` (it raised), ``"model_timeout"``.

    >>> decide_with_fallback(lambda: "model", lambda: "rules", 1.0)
    ('model', None)
    >>> decide_with_fallback(None, lambda: "rules", 1.0)
    ('rules', 'model_missing')
    """
    if model is None:
        return rules(), "model_missing"
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        future = pool.submit(model)
        try:
            return future.result(timeout=budget_s), None
        except FutureTimeout:
            return rules(), "model_timeout"
        except Exception:  # noqa: BLE001 - any model failure degrades to the rules
            return rules(), "model_error"
    finally:
        pool.shutdown(wait=False)  # do not wait for a runaway model call


def first_bad_record(records: Sequence[dict]) -> int | None:
    """Index of the first record whose ``seq``, ``prev_hash`` or ``hash`` does not check out, else ``None``.

    Each record has ``seq`` (0, 1, ...), ``prev_hash`` (the previous record's ``hash``; 64 zeros for the first)
    and ``hash`` = :func:`reference_impl.governance.record_hash` of the record.
    """
    prev = GENESIS_HASH
    for i, rec in enumerate(records):
        if rec.get("seq") != i or rec.get("prev_hash") != prev or record_hash(rec) != rec.get("hash"):
            return i
        prev = rec["hash"]
    return None


reference = SimpleNamespace(
    resolve_request_id=resolve_request_id,
    status_for=status_for,
    decide_with_fallback=decide_with_fallback,
    first_bad_record=first_bad_record,
)

# --------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------

_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _fresh_id(got: Any, expected: Any) -> str | None:
    if not isinstance(got, str) or not _HEX32.match(got):
        return f"expected a fresh 32-hex-digit id (uuid4().hex), got {got!r}"
    return None


def check_resolve_request_id(func: Callable[..., Any]) -> None:
    cases = [
        Case("a normal id is echoed", ("order-42",), expected="order-42"),
        Case("dots, colons and underscores are fine", ("svc:batch_7.1",), expected="svc:batch_7.1"),
        Case("128 characters is the limit", ("a" * 128,), expected="a" * 128, hint="allow up to 128 characters"),
        Case("missing header", (None,), compare=_fresh_id, hint="no header: generate an id"),
        Case("empty header", ("",), compare=_fresh_id, hint="an empty id is not an id"),
        Case("too long", ("a" * 129,), compare=_fresh_id, hint="cap the length: ids end up in every log line"),
        Case(
            "newline (log forging)",
            ("abc\nlevel=ERROR forged",),
            compare=_fresh_id,
            hint="a newline in a logged id lets a caller write fake log lines",
        ),
        Case("spaces", ("two words",), compare=_fresh_id, hint="only [A-Za-z0-9._:-] characters"),
    ]
    n = run_cases("5.1", func, cases, quiet=True)
    a, b = func(None), func(None)
    if a == b:
        raise ExerciseFailed(
            "5.1",
            "two missing headers",
            f"both calls returned {a!r}",
            "each request needs its own id: use uuid.uuid4().hex",
        )
    print(f"Exercise 5.1 passed ({n + 1}/{n + 1} cases)")


def check_status_for(func: Callable[..., Any]) -> None:
    cases = [
        Case("right role", (True, True, "scorer", ["scorer"]), expected=200),
        Case("one of several roles", (True, True, "auditor", ["reviewer", "auditor"]), expected=200),
        Case(
            "wrong role",
            (True, True, "scorer", ["reviewer"]),
            expected=403,
            hint="a known caller without the role is forbidden (403), not unauthenticated",
        ),
        Case("admin passes", (True, True, "admin", ["reviewer"]), expected=200, hint="admin may call everything"),
        Case("no key", (False, False, None, ["scorer"]), expected=401, hint="no key: 401, we do not know who you are"),
        Case(
            "unknown key",
            (True, False, None, ["scorer"]),
            expected=401,
            hint="an unknown key is 401 — never reveal whether a key exists",
        ),
        Case(
            "unknown key claiming admin",
            (True, False, "admin", ["scorer"]),
            expected=401,
            hint="check the key before you look at any role",
        ),
        Case("no roles allowed", (True, True, "scorer", []), expected=403),
    ]
    run_cases("5.2", func, cases, reference=status_for)


def _boom() -> str:
    raise RuntimeError("model exploded")


def check_decide_with_fallback(func: Callable[..., Any]) -> None:
    release = threading.Event()

    def stuck_model() -> str:
        release.wait(5.0)  # a hung model; released after the case so no thread is left behind
        return "model"

    cases = [
        Case("model answers", (lambda: "model", lambda: "rules", 1.0), expected=("model", None)),
        Case(
            "no model",
            (None, lambda: "rules", 1.0),
            expected=("rules", "model_missing"),
            hint="model is None: go straight to the rules",
        ),
        Case(
            "model raises",
            (_boom, lambda: "rules", 1.0),
            expected=("rules", "model_error"),
            hint="catch the model's exception and fall back",
        ),
        Case(
            "model hangs",
            (stuck_model, lambda: "rules", 0.05),
            expected=("rules", "model_timeout"),
            max_seconds=0.05 + 1.0,  # measured: the budget plus a generous margin, far below the 5 s hang
            hint="wait at most budget_s (future.result(timeout=...)) and do not wait for the thread when you leave "
            "(shutdown(wait=False)); a `with ThreadPoolExecutor()` block waits for the hung call",
        ),
    ]
    try:
        run_cases("5.3", lambda *a: tuple(func(*a)), cases)
    finally:
        release.set()


def _chain(n: int) -> list[dict]:
    out, prev = [], GENESIS_HASH
    for i in range(n):
        rec = {
            "seq": i,
            "ts": f"2026-03-02T10:00:0{i}+00:00",
            "event_type": "trade.decision",
            "actor": "k1",
            "payload": {"trade_id": f"T{i}", "decision": "clear"},
            "prev_hash": prev,
        }
        rec["hash"] = prev = record_hash(rec)
        out.append(rec)
    return out


def _edited(n: int, i: int) -> list[dict]:
    recs = _chain(n)
    recs[i] = {**recs[i], "payload": {**recs[i]["payload"], "decision": "flag"}}
    return recs


def _rehashed_edit(n: int, i: int) -> list[dict]:
    """An edit whose own hash was recomputed: only the next record's prev_hash gives it away."""
    recs = _edited(n, i)
    recs[i]["hash"] = record_hash(recs[i])
    return recs


def check_first_bad_record(func: Callable[..., Any]) -> None:
    five = _chain(5)
    cases = [
        Case("intact chain", (five,), expected=None),
        Case("empty log", ([],), expected=None),
        Case("edited payload", (_edited(5, 2),), expected=2, hint="recompute each record's hash and compare"),
        Case(
            "edit with a recomputed hash",
            (_rehashed_edit(5, 2),),
            expected=3,
            hint="the next record's prev_hash must equal this record's hash",
        ),
        Case("first record removed", (five[1:],), expected=0, hint="seq must start at 0 and count up"),
        Case("middle record removed", (five[:2] + five[3:],), expected=2),
        Case("two records swapped", (five[:1] + [five[2], five[1]] + five[3:],), expected=1),
        Case(
            "first record's prev_hash forged",
            ([{**five[0], "prev_hash": "f" * 64}] + five[1:],),
            expected=0,
            hint="the first record links to 64 zeros",
        ),
    ]
    run_cases("5.4", func, cases)


check = SimpleNamespace(
    resolve_request_id=check_resolve_request_id,
    status_for=check_status_for,
    decide_with_fallback=check_decide_with_fallback,
    first_bad_record=check_first_bad_record,
)

__all__ = ["check", "decide_with_fallback", "first_bad_record", "reference", "resolve_request_id", "status_for"]
