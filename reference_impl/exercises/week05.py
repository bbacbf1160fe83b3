"""Week 5 exercises: the controls around a served model, each with the trap that breaks it in production.

* 5.1 :func:`resolve_request_id` — echo the caller's ``X-Request-ID`` only when it is a safe token; anything else
  (missing, empty, too long, spaces or newlines that could forge log lines) gets a fresh id.
* 5.2 :func:`status_for` — the HTTP status of an access check: no key and unknown key are 401 (who are you?),
  a known key with the wrong role is 403 (you may not), and admin passes every check.
* 5.3 :func:`decide_with_fallback` — call the model within a time budget; missing, failing or slow models fall
  back to the rules and say why. Waiting for a slow model to finish is the trap.
* 5.4 :func:`first_bad_record` — walk a hash-chained audit log and return the index of the first record that was
  edited, removed or reordered.

Every exercise ships *not started*; ``check.hint(id)`` gives graded hints and ``check.solution(id)`` shows a
readable solution. 5.5–5.7 (the learner writes the service itself) live in
:mod:`reference_impl.exercises.week05_service`, whose ``check`` covers the whole week.

Examples
--------
>>> EXERCISES["5.2"].evaluate(status_for)  # the number of cases passed
14
"""

from __future__ import annotations

import copy
import re
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from types import SimpleNamespace
from typing import Any

import numpy as np

from reference_impl.exercises.framework import Case, CheckBook, Exercise, Requirement
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


def solution_resolve_request_id(header: str | None) -> str:
    """Echo a safe caller id, else make a fresh one (what ``check.solution("5.1")`` prints)."""
    if header is not None and re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", header):
        return header  # fullmatch: the whole header, so a trailing newline cannot slip through
    return uuid.uuid4().hex  # a new id for every request, never a cached one


reference = SimpleNamespace(
    resolve_request_id=resolve_request_id,
    status_for=status_for,
    decide_with_fallback=decide_with_fallback,
    first_bad_record=first_bad_record,
)

# --------------------------------------------------------------------------------------------------------------
# 5.1 request ids
# --------------------------------------------------------------------------------------------------------------

_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_SAFE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_TWICE = "<two calls without a header>"  # a marker the adapter turns into two calls with None


def _fresh_id(got: Any, expected: Any) -> str | None:
    if not isinstance(got, str) or not _HEX32.match(got):
        return f"expected a fresh 32-hex-digit id (uuid4().hex), got {_short(got)}"
    return None


def _two_fresh_ids(got: Any, expected: Any) -> str | None:
    if not isinstance(got, tuple) or len(got) != 2:
        return f"expected two ids, got {_short(got)}"
    reason = _fresh_id(got[0], None) or _fresh_id(got[1], None)
    if reason:
        return reason
    return f"both calls returned {got[0]!r}" if got[0] == got[1] else None


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - learner code may return anything
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def _request_id_adapter(func: Callable[..., Any]) -> Callable[..., Any]:
    def adapted(header: str | None) -> Any:
        if header == _TWICE:
            return func(None), func(None)
        return func(header)

    return adapted


REQUEST_ID_REQS = (
    Requirement(
        "echo",
        "echo the caller's id when it is a safe token: `[A-Za-z0-9._:-]`, 1 to 128 characters",
        "echo ids matching re.fullmatch(r'[A-Za-z0-9._:-]{1,128}', header) unchanged",
    ),
    Requirement(
        "fresh",
        "anything else (missing, empty, too long, spaces, a newline or any other character) gets a fresh "
        "`uuid.uuid4().hex`",
        "match the whole header against the character set and length, and generate uuid.uuid4().hex otherwise",
    ),
    Requirement(
        "unique",
        "every fresh id is new: two requests without a header get different ids",
        "each request needs its own id: call uuid.uuid4().hex each time, never cache one",
    ),
)


def request_id_cases() -> list[Case]:
    return [
        Case("a normal id is echoed", ("order-42",), expected="order-42", req="echo"),
        Case("dots, colons and underscores are fine", ("svc:batch_7.1",), expected="svc:batch_7.1", req="echo"),
        Case(
            "128 characters is the limit",
            ("a" * 128,),
            expected="a" * 128,
            req="echo",
            hint="allow up to 128 characters",
        ),
        Case(
            "missing header",
            (None,),
            compare=_fresh_id,
            req="fresh",
            hint="no header: generate a fresh id, uuid.uuid4().hex (32 hex digits, no dashes)",
        ),
        Case("empty header", ("",), compare=_fresh_id, req="fresh", hint="an empty id is not an id"),
        Case(
            "too long",
            ("a" * 129,),
            compare=_fresh_id,
            req="fresh",
            hint="cap the length: ids end up in every log line",
        ),
        Case(
            "newline (log forging)",
            ("abc\nlevel=ERROR forged",),
            compare=_fresh_id,
            req="fresh",
            hint="a newline in a logged id lets a caller write fake log lines",
        ),
        Case(
            "a trailing newline",
            ("order-42\n",),
            compare=_fresh_id,
            req="fresh",
            hint="re.match with '$' accepts a trailing newline; use re.fullmatch on the whole header",
        ),
        Case("spaces", ("two words",), compare=_fresh_id, req="fresh", hint="only [A-Za-z0-9._:-] characters"),
        Case(
            "a non-ASCII letter",
            ("ordér-42",),
            compare=_fresh_id,
            req="fresh",
            hint="\\w and str.isalnum() accept any Unicode letter: list the characters, [A-Za-z0-9._:-]",
        ),
        Case("two missing headers", (_TWICE,), compare=_two_fresh_ids, req="unique"),
    ]


def request_id_random_cases(rng: np.random.Generator) -> list[Case]:
    safe = list("abcXYZ019._:-")
    unsafe = [" ", "\t", "/", "é", "\r", "=", '"']
    cases = []
    for k in range(6):
        n = int(rng.choice([1, 5, 60, 127, 128, 129, 200]))
        chars = list(rng.choice(safe, size=n))
        if k % 2:
            chars[int(rng.integers(0, n))] = str(rng.choice(unsafe))
        header = "".join(chars)
        ok = _SAFE.fullmatch(header) is not None
        cases.append(
            Case(
                f"random header {k + 1}: {n} characters, {'safe' if ok else 'unsafe'}",
                (header,),
                expected=header if ok else None,
                compare=None if ok else _fresh_id,
                req="echo" if ok else "fresh",
            )
        )
    return cases


# --------------------------------------------------------------------------------------------------------------
# 5.2 401 or 403
# --------------------------------------------------------------------------------------------------------------

STATUS_REQS = (
    Requirement(
        "unauthenticated",
        "no key, or an unknown key, is 401, whatever role it claims (never reveal whether a key exists)",
        "check the key before you look at any role: no key or an unknown key is 401",
    ),
    Requirement(
        "forbidden",
        "a known key whose role is not allowed is 403",
        "a known caller without the role is forbidden (403), not unauthenticated",
    ),
    Requirement(
        "allowed",
        "a known key whose role is allowed, or is `admin`, is 200",
        "admin may call everything; any role in `allowed` passes",
    ),
)


def status_cases() -> list[Case]:
    return [
        Case(
            "unknown key claiming admin",
            (True, False, "admin", ["scorer"]),
            expected=401,
            req="unauthenticated",
            hint="check the key before you look at any role",
        ),
        Case("no key", (False, False, None, ["scorer"]), expected=401, req="unauthenticated"),
        Case("unknown key", (True, False, None, ["scorer"]), expected=401, req="unauthenticated"),
        Case("wrong role", (True, True, "scorer", ["reviewer"]), expected=403, req="forbidden"),
        Case("no roles allowed", (True, True, "scorer", []), expected=403, req="forbidden"),
        Case("right role", (True, True, "scorer", ["scorer"]), expected=200, req="allowed"),
        Case("one of several roles", (True, True, "auditor", ["reviewer", "auditor"]), expected=200, req="allowed"),
        Case("admin passes", (True, True, "admin", ["reviewer"]), expected=200, req="allowed"),
    ]


def status_random_cases(rng: np.random.Generator) -> list[Case]:
    roles = [None, "scorer", "reviewer", "auditor", "admin"]
    cases = []
    for k in range(6):
        present = bool(rng.random() < 0.8)
        valid = present and bool(rng.random() < 0.7)
        role = roles[int(rng.integers(0, len(roles)))]
        named = ["scorer", "reviewer", "auditor"]
        allowed = [str(r) for r in rng.choice(named, size=int(rng.integers(0, 3)), replace=False)]
        req = "unauthenticated" if not valid else ("allowed" if role == "admin" or role in allowed else "forbidden")
        cases.append(
            Case(
                f"random caller {k + 1}: key {present}/{valid}, role {role}, allowed {allowed}",
                (present, valid, role, allowed),
                req=req,
            )
        )
    return cases


# --------------------------------------------------------------------------------------------------------------
# 5.3 fallback within a budget
# --------------------------------------------------------------------------------------------------------------

HANG_S = 1.5  # how long the hung model takes: far above the budget plus margin, short enough for the tests


def _boom() -> str:
    raise RuntimeError("model exploded")


def _stuck_model() -> str:
    time.sleep(HANG_S)  # a hung model; the thread ends by itself shortly after the case
    return "model"


FALLBACK_REQS = (
    Requirement(
        "model",
        "return `(decision, None)` when the model answers within `budget_s`",
        "call the model and return its answer with fallback_reason None",
    ),
    Requirement(
        "missing",
        '`model is None` gives `(rules(), "model_missing")` without calling anything',
        "model is None: go straight to the rules",
    ),
    Requirement(
        "error",
        'a model that raises gives `(rules(), "model_error")`',
        "catch the model's exception (future.result() re-raises it) and fall back",
    ),
    Requirement(
        "timeout",
        'a model slower than `budget_s` gives `(rules(), "model_timeout")`, and you return within the budget: '
        "do not wait for the hung call",
        "wait at most budget_s (future.result(timeout=...)) and do not wait for the thread when you leave "
        "(shutdown(wait=False)); a `with ThreadPoolExecutor()` block waits for the hung call",
    ),
)


def fallback_cases() -> list[Case]:
    return [
        Case("no model", (None, lambda: "rules", 1.0), expected=("rules", "model_missing"), req="missing"),
        Case("model raises", (_boom, lambda: "rules", 1.0), expected=("rules", "model_error"), req="error"),
        Case(
            "model hangs",
            (_stuck_model, lambda: "rules", 0.05),
            expected=("rules", "model_timeout"),
            max_seconds=0.05 + 1.0,  # measured: the budget plus a generous margin, below the hang
            req="timeout",
        ),
        Case("model answers", (lambda: "model", lambda: "rules", 1.0), expected=("model", None), req="model"),
        Case(
            "model answers a falsy value",
            (lambda: 0, lambda: "rules", 1.0),
            expected=(0, None),
            req="model",
            hint="0 (or an empty dict) is an answer: test `model is None`, never the truth of the result",
        ),
    ]


class _ModelFailure(Exception):
    """An exception type a learner's code has never heard of: only a broad ``except Exception`` catches it."""


_ERRORS: tuple[type[Exception], ...] = (ValueError, KeyError, ZeroDivisionError, RuntimeError, _ModelFailure)
_ANSWERS: tuple[Any, ...] = ("flag", "clear", 0, 0.0, 1, "", [], {}, False, {"score": 0.7})


def _answers(value: Any) -> Callable[[], Any]:
    return lambda: copy.deepcopy(value)


def _raises(exc_type: type[Exception]) -> Callable[[], Any]:
    def model() -> Any:
        raise exc_type("model failed")

    return model


def fallback_random_cases(rng: np.random.Generator) -> list[Case]:
    """Models that answer (often a falsy value), raise an unexpected exception type, or are missing."""
    cases = []
    for k in range(8):
        kind = ("answers", "raises", "missing", "answers")[k % 4]
        rules_value = str(rng.choice(["rules:flag", "rules:clear"]))
        budget = float(rng.choice([0.5, 1.0, 2.0]))
        rules = _answers(rules_value)
        args: tuple[Any, ...]
        expected: tuple[Any, Any]
        if kind == "answers":
            value = _ANSWERS[int(rng.integers(0, len(_ANSWERS)))]
            args, expected, req = (_answers(value), rules, budget), (value, None), "model"
            label = f"answers {value!r}"
        elif kind == "raises":
            exc_type = _ERRORS[int(rng.integers(0, len(_ERRORS)))]
            args, expected, req = (_raises(exc_type), rules, budget), (rules_value, "model_error"), "error"
            label = f"raises {exc_type.__name__}"
        else:
            args, expected, req = (None, rules, budget), (rules_value, "model_missing"), "missing"
            label = "is missing"
        cases.append(Case(f"random model {k + 1}: {label}, budget {budget} s", args, expected=expected, req=req))
    return cases


def _tuple_result(func: Callable[..., Any]) -> Callable[..., Any]:
    return lambda *a: tuple(func(*a))


# --------------------------------------------------------------------------------------------------------------
# 5.4 the first bad record of a hash chain (8.3 reuses these)
# --------------------------------------------------------------------------------------------------------------

CHAIN_REQS = (
    Requirement(
        "hash",
        "recompute each record's hash (`record_hash(record)`) and compare it with its `hash`, the last record's too",
        "recompute each record's hash and compare it with the stored one",
    ),
    Requirement(
        "link",
        "each record's `prev_hash` is the previous record's `hash`; the first record's is 64 zeros",
        "the next record's prev_hash must equal this record's hash; the first record links to 64 zeros",
    ),
    Requirement(
        "seq",
        "`seq` counts 0, 1, 2, … in file order",
        "check rec['seq'] == i for every record: a re-hashed last record with another seq has no successor to "
        "give it away",
    ),
    Requirement(
        "result",
        "return the index of the first bad record, or `None` for an intact or empty log",
        "return the position i in the list (0-based), and None (not -1, False or len) when nothing is wrong",
    ),
)


def _chain(n: int, start: int = 0) -> list[dict]:
    out, prev = [], GENESIS_HASH
    for i in range(n):
        rec = {
            "seq": i,
            "ts": f"2026-03-02T10:{(start + i) // 60 % 60:02d}:{(start + i) % 60:02d}+00:00",
            "event_type": "trade.decision",
            "actor": "k1",
            "payload": {"trade_id": f"T{start + i}", "decision": "clear"},
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


def _reseq_last(n: int) -> list[dict]:
    recs = _chain(n)
    recs[-1] = {**recs[-1], "seq": n + 4}
    recs[-1]["hash"] = record_hash(recs[-1])
    return recs


def _none_is_answer(got: Any, expected: Any) -> str | None:
    return None if got is None else f"expected None (log intact), got {_short(got)}"


def chain_cases() -> list[Case]:
    five = _chain(5)
    forged = [{**five[0], "prev_hash": "f" * 64}] + five[1:]
    forged[0]["hash"] = record_hash(forged[0])
    return [
        Case("intact chain", (five,), compare=_none_is_answer, req="result"),
        Case("empty log", ([],), compare=_none_is_answer, req="result"),
        Case("last record edited", (_edited(5, 4),), expected=4, req="hash"),
        Case("edited payload", (_edited(5, 2),), expected=2, req="hash"),
        Case("last record re-numbered and re-hashed", (_reseq_last(5),), expected=4, req="seq"),
        Case("edit with a recomputed hash", (_rehashed_edit(5, 2),), expected=3, req="link"),
        Case("first record's prev_hash forged and re-hashed", (forged,), expected=0, req="link"),
        Case("first record removed", (five[1:],), expected=0, req="link"),
        Case("middle record removed", (five[:2] + five[3:],), expected=2, req="link"),
        Case("two records swapped", (five[:1] + [five[2], five[1]] + five[3:],), expected=1, req="link"),
    ]


def chain_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for k, kind in enumerate(["edit", "rehash", "remove", "swap", "intact", "edit"]):
        n = int(rng.integers(3, 12))
        recs = copy.deepcopy(_chain(n, start=int(rng.integers(0, 1000))))
        i = int(rng.integers(0, n - 1))
        if kind in ("edit", "rehash"):
            recs[i]["payload"]["decision"] = "flag"
            if kind == "rehash":
                recs[i]["hash"] = record_hash(recs[i])
        elif kind == "remove":
            del recs[i]
        elif kind == "swap":
            recs[i], recs[i + 1] = recs[i + 1], recs[i]
        expected = first_bad_record(recs)
        cases.append(
            Case(
                f"random log {k + 1}: {n} records, {kind}" + ("" if kind == "intact" else f" at {i}"),
                (recs,),
                expected=expected,
                compare=_none_is_answer if expected is None else None,
                req="result" if expected is None else ("link" if kind != "edit" else "hash"),
            )
        )
    return cases


_HINTS = {
    "5.1": (
        "Two outcomes: the caller's header unchanged, or a brand-new id. Decide which with one regular expression "
        "over the whole header.",
        "re.fullmatch(r'[A-Za-z0-9._:-]{1,128}', header) matches the whole string (re.match with '$' lets a "
        "trailing newline through). A missing header is None: test it before matching.",
        "Fresh ids come from uuid.uuid4().hex (32 hex digits), called each time: an id stored in a module variable "
        "is the same for every request.",
        "if header is not None and re.fullmatch(r'[A-Za-z0-9._:-]{1,128}', header):\n"
        "    return header\n"
        "return uuid.uuid4().hex",
    ),
    "5.2": (
        "Answer two questions in order: do I know this caller (the key), and may they do this (the role)?",
        "Any problem with the key is 401, before you look at the role: an unknown key claiming `admin` is still "
        "unknown.",
        "A known caller is allowed when their role is in `allowed` or is `admin`; otherwise 403.",
        "if not key_present or not key_valid:\n"
        "    return 401\n"
        "return 200 if role == 'admin' or role in allowed else 403",
    ),
    "5.3": (
        "Run the model on a worker thread so that you can stop waiting: concurrent.futures.ThreadPoolExecutor and "
        "future.result(timeout=budget_s).",
        "Three ways to fall back, each with its reason: model is None (do not call it), future.result raises the "
        "model's exception (model_error), or concurrent.futures.TimeoutError (model_timeout).",
        "A `with ThreadPoolExecutor()` block waits for the hung call when it exits. Create the pool yourself and "
        "call pool.shutdown(wait=False) in a finally block. Test `model is None`, never the truth of the answer.",
        "if model is None:\n"
        "    return rules(), 'model_missing'\n"
        "pool = ThreadPoolExecutor(max_workers=1)\n"
        "try:\n"
        "    future = pool.submit(model)\n"
        "    try:\n"
        "        return future.result(timeout=budget_s), None\n"
        "    except concurrent.futures.TimeoutError:\n"
        "        return rules(), 'model_timeout'\n"
        "    except Exception:\n"
        "        return rules(), 'model_error'\n"
        "finally:\n"
        "    pool.shutdown(wait=False)",
    ),
    "5.4": (
        "Walk the records in order, keeping the hash the next record must point back to (64 zeros before the "
        "first). Three things can be wrong with a record: its seq, its prev_hash, its own hash.",
        "record_hash(rec) recomputes a record's hash from its content; compare it with rec['hash']. A record edited "
        "and re-hashed passes that test: only the next record's prev_hash gives it away.",
        "Return the index i of the first record where anything is wrong, and None (not -1) when the walk ends "
        "cleanly; an empty log is intact.",
        "prev = GENESIS_HASH\n"
        "for i, rec in enumerate(records):\n"
        "    if rec.get('seq') != i or rec.get('prev_hash') != prev or record_hash(rec) != rec.get('hash'):\n"
        "        return i\n"
        "    prev = rec['hash']\n"
        "return None",
    ),
}

EXERCISES = {
    "5.1": Exercise(
        "5.1",
        "a request id you can trust",
        REQUEST_ID_REQS,
        cases=request_id_cases,
        random_cases=request_id_random_cases,
        seed=501,
        adapt=_request_id_adapter,
        hints=_HINTS["5.1"],
        solution=solution_resolve_request_id,
        fallback=resolve_request_id,  # later cells keep the middleware-backed reference
    ),
    "5.2": Exercise(
        "5.2",
        "401 or 403?",
        STATUS_REQS,
        cases=status_cases,
        reference=status_for,
        random_cases=status_random_cases,
        seed=502,
        hints=_HINTS["5.2"],
        fallback=status_for,
    ),
    "5.3": Exercise(
        "5.3",
        "decide within a budget",
        FALLBACK_REQS,
        cases=fallback_cases,
        random_cases=fallback_random_cases,
        seed=503,
        adapt=_tuple_result,
        hints=_HINTS["5.3"],
        solution=decide_with_fallback,
        fallback=decide_with_fallback,
    ),
    "5.4": Exercise(
        "5.4",
        "find the first bad record",
        CHAIN_REQS,
        cases=chain_cases,
        reference=first_bad_record,
        random_cases=chain_random_cases,
        seed=504,
        hints=_HINTS["5.4"],
        fallback=first_bad_record,
    ),
}

# --------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------


def check_resolve_request_id(func: Callable[..., Any]) -> Any:
    """Exercise 5.1: ``func(header)``."""
    return EXERCISES["5.1"].check(func)


def check_status_for(func: Callable[..., Any]) -> Any:
    """Exercise 5.2: ``func(key_present, key_valid, role, allowed)``."""
    return EXERCISES["5.2"].check(func)


def check_decide_with_fallback(func: Callable[..., Any]) -> Any:
    """Exercise 5.3: ``func(model, rules, budget_s)``; a hung model must not make you wait."""
    return EXERCISES["5.3"].check(func)


def check_first_bad_record(func: Callable[..., Any]) -> Any:
    """Exercise 5.4: ``func(records)``."""
    return EXERCISES["5.4"].check(func)


check = CheckBook(
    EXERCISES,
    resolve_request_id="5.1",
    status_for="5.2",
    decide_with_fallback="5.3",
    first_bad_record="5.4",
)

__all__ = [
    "EXERCISES",
    "check",
    "decide_with_fallback",
    "first_bad_record",
    "reference",
    "resolve_request_id",
    "solution_resolve_request_id",
    "status_for",
]
