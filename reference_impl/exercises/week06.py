"""Week 6 exercises: tests for an ML service that catch the bugs a happy-path test misses.

* 6.1 :func:`latency_bucket_properties` — a property-based test (hypothesis) for ``latency_buckets(objective_ms)``.
  The check runs *your test* against the correct function (it must pass) and three planted bugs (it must fail
  each): an unsorted result, a duplicate bucket when the objective equals a default one, and an objective above
  the largest default silently dropped. Random integers rarely hit the exact default values: sample them on purpose.
* 6.2 :func:`golden_lines` — the stable text of scored results for a golden file: sorted by trade id, scores
  rounded, reason codes in their ranked order, ``-`` when there are none, ``rules`` when no model score exists.
* 6.3 :func:`undocumented_statuses` — a contract check: which observed ``(method, path, status)`` responses are
  not declared in the OpenAPI document (path templates such as ``/items/{item_id}``, ``default`` responses,
  upper/lower-case methods).

Examples
--------
>>> check.golden_lines(reference.golden_lines)
Exercise 6.2 passed (6/6 cases)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.exercises.framework import Case, ExerciseFailed, run_cases
from reference_impl.serving.metrics import latency_buckets as _latency_buckets_s

#: The default bucket bounds, in milliseconds (the objective is added to these).
DEFAULT_BUCKETS_MS: tuple[float, ...] = (1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500)

# --------------------------------------------------------------------------------------------------------------
# The function under test in 6.1, and three planted bugs
# --------------------------------------------------------------------------------------------------------------


def latency_buckets(objective_ms: float) -> tuple[float, ...]:
    """Histogram bounds in seconds: the defaults plus the latency objective, sorted, without duplicates.

    >>> latency_buckets(30)[4:7]
    (0.025, 0.03, 0.05)
    """
    return _latency_buckets_s(objective_ms / 1000.0)


def _buggy_unsorted(objective_ms: int) -> tuple[float, ...]:
    base = tuple(b / 1000 for b in DEFAULT_BUCKETS_MS)
    return base if objective_ms in DEFAULT_BUCKETS_MS else base + (objective_ms / 1000,)


def _buggy_duplicates(objective_ms: int) -> tuple[float, ...]:
    return tuple(sorted([b / 1000 for b in DEFAULT_BUCKETS_MS] + [objective_ms / 1000]))


def _buggy_drops_large(objective_ms: int) -> tuple[float, ...]:
    extra = {objective_ms / 1000} if objective_ms <= max(DEFAULT_BUCKETS_MS) else set()
    return tuple(sorted({b / 1000 for b in DEFAULT_BUCKETS_MS} | extra))


PLANTED_BUGS: dict[str, tuple[Callable[[int], tuple[float, ...]], str]] = {
    "unsorted result": (_buggy_unsorted, "assert the result is sorted: list(b) == sorted(b)"),
    "duplicate bucket": (
        _buggy_duplicates,
        "assert no duplicates, and make hypothesis try the default values "
        "themselves: st.one_of(st.sampled_from(DEFAULT_BUCKETS_MS), st.integers(1, 10_000))",
    ),
    "objective above the defaults dropped": (
        _buggy_drops_large,
        "assert the objective is in the result, for objectives above 2500 ms too (st.integers(1, 10_000))",
    ),
}

# --------------------------------------------------------------------------------------------------------------
# Reference solutions
# --------------------------------------------------------------------------------------------------------------


def latency_bucket_properties(latency_buckets: Callable[[int], Sequence[float]]) -> None:
    """Raise AssertionError when ``latency_buckets`` breaks a property (sorted, unique, has objective and defaults)."""

    @settings(max_examples=200, deadline=None, database=None, derandomize=True)
    @given(objective_ms=st.one_of(st.sampled_from(DEFAULT_BUCKETS_MS), st.integers(1, 10_000)))
    def prop(objective_ms: int) -> None:
        b = list(latency_buckets(objective_ms))
        assert b == sorted(b), f"not sorted for {objective_ms} ms: {b}"
        assert len(set(b)) == len(b), f"duplicates for {objective_ms} ms: {b}"
        assert objective_ms / 1000 in b, f"objective {objective_ms} ms missing: {b}"
        assert {d / 1000 for d in DEFAULT_BUCKETS_MS} <= set(b), f"a default bucket is missing: {b}"

    prop()


def golden_lines(results: Iterable[Mapping[str, Any]]) -> list[str]:
    """``"<trade_id> <decision> <score|rules> <codes|->"`` per result, sorted by trade id; score to 3 decimals.

    >>> golden_lines([{"trade_id": "T2", "decision": "flag", "score": 0.61234, "reasons": [{"code": "R_X"}]},
    ...               {"trade_id": "T1", "decision": "clear", "score": None, "reasons": []}])
    ['T1 clear rules -', 'T2 flag 0.612 R_X']
    """
    lines = []
    for r in results:
        score = "rules" if r.get("score") is None else f"{float(r['score']):.3f}"
        codes = ",".join(x["code"] for x in r.get("reasons") or []) or "-"
        lines.append((str(r["trade_id"]), f"{r['trade_id']} {r['decision']} {score} {codes}"))
    return [line for _, line in sorted(lines, key=lambda t: t[0])]


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


def undocumented_statuses(
    openapi: Mapping[str, Any], observed: Iterable[tuple[str, str, int]]
) -> list[tuple[str, str, int]]:
    """Observed ``(method, path, status)`` not declared in ``openapi``; as ``(METHOD, template-or-path, status)``, sorted.

    A path matches a template when each ``{param}`` matches one non-empty segment; a ``default`` response
    documents every status; an unknown path or method is undocumented.
    """
    out = set()
    templates = [(t, _template_regex(t), ops) for t, ops in openapi.get("paths", {}).items()]
    for method, path, status in observed:
        m = method.lower()
        match = next(((t, ops) for t, rx, ops in templates if rx.match(path)), None)
        if match is None or m not in match[1]:
            out.add((method.upper(), path if match is None else match[0], int(status)))
            continue
        responses = {str(k) for k in match[1][m].get("responses", {})}
        if str(status) not in responses and "default" not in responses:
            out.add((method.upper(), match[0], int(status)))
    return sorted(out)


reference = SimpleNamespace(
    latency_bucket_properties=latency_bucket_properties,
    golden_lines=golden_lines,
    undocumented_statuses=undocumented_statuses,
)

# --------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------


def check_latency_bucket_properties(test_func: Callable[[Callable[[int], Sequence[float]]], None]) -> None:
    """Your property test must pass on the correct function and fail on every planted bug."""
    if not callable(test_func):
        raise ExerciseFailed("6.1", "setup", f"expected a function, got {type(test_func).__name__}")
    try:
        test_func(latency_buckets)
    except Exception as exc:  # noqa: BLE001
        raise ExerciseFailed(
            "6.1",
            "correct implementation",
            f"your test failed on the correct function: {type(exc).__name__}: {str(exc)[:200]}",
            "a property must hold for every valid input; check your assertion",
        ) from None
    for name, (bug, hint) in PLANTED_BUGS.items():
        try:
            test_func(bug)
        except AssertionError:
            continue
        except Exception as exc:  # noqa: BLE001 - hypothesis wraps multiple failures in other types
            if "Assertion" in type(exc).__name__ or "Falsif" in type(exc).__name__ or isinstance(exc, ExceptionGroup):
                continue
            raise ExerciseFailed(
                "6.1", name, f"your test crashed instead of asserting: {type(exc).__name__}: {exc}", hint
            ) from None
        raise ExerciseFailed("6.1", name, "your test passed on a buggy implementation (the bug went unnoticed)", hint)
    print(f"Exercise 6.1 passed ({len(PLANTED_BUGS) + 1}/{len(PLANTED_BUGS) + 1} cases)")


def check_golden_lines(func: Callable[..., Any]) -> None:
    r1 = {
        "trade_id": "T2",
        "decision": "flag",
        "score": 0.61249,
        "reasons": [{"code": "R_NOTIONAL_LIMIT"}, {"code": "M_SIZE"}],
    }
    r2 = {"trade_id": "T1", "decision": "clear", "score": 0.2, "reasons": []}
    r3 = {"trade_id": "T10", "decision": "flag", "score": None, "reasons": [{"code": "R_LATE_BOOKING"}]}
    cases = [
        Case(
            "one flagged result",
            ([r1],),
            expected=["T2 flag 0.612 R_NOTIONAL_LIMIT,M_SIZE"],
            hint="round the score to 3 decimals: golden files must not change with float noise",
        ),
        Case("no reasons", ([r2],), expected=["T1 clear 0.200 -"], hint="write '-' when there are no reason codes"),
        Case(
            "rules-only result",
            ([r3],),
            expected=["T10 flag rules R_LATE_BOOKING"],
            hint="a rules-only decision has score None: write 'rules'",
        ),
        Case(
            "sorted by trade id", ([r1, r3, r2],), expected=None, hint="sort by trade id (as text), not by input order"
        ),
        Case(
            "reason order is kept",
            ([{**r1, "reasons": [{"code": "Z_FIRST"}, {"code": "A_SECOND"}]}],),
            expected=["T2 flag 0.612 Z_FIRST,A_SECOND"],
            hint="reason codes are ranked by importance: keep their order, do not sort them",
        ),
        Case("empty input", ([],), expected=[]),
    ]
    run_cases("6.2", func, cases, reference=golden_lines)


_SPEC: dict[str, Any] = {
    "paths": {
        "/v1/trades/score": {"post": {"responses": {"200": {}, "401": {}, "422": {}}}},
        "/v1/kyc/review/{item_id}/claim": {"post": {"responses": {"200": {}, "404": {}, "409": {}}}},
        "/healthz": {"get": {"responses": {"default": {}}}},
    }
}


def check_undocumented_statuses(func: Callable[..., Any]) -> None:
    cases = [
        Case(
            "all documented",
            (_SPEC, [("POST", "/v1/trades/score", 200), ("POST", "/v1/trades/score", 422)]),
            expected=[],
        ),
        Case(
            "undocumented 500",
            (_SPEC, [("POST", "/v1/trades/score", 500)]),
            expected=[("POST", "/v1/trades/score", 500)],
        ),
        Case(
            "path template",
            (_SPEC, [("POST", "/v1/kyc/review/17/claim", 409), ("POST", "/v1/kyc/review/17/claim", 403)]),
            expected=[("POST", "/v1/kyc/review/{item_id}/claim", 403)],
            hint="match /v1/kyc/review/17/claim to the template /v1/kyc/review/{item_id}/claim and report the template",
        ),
        Case(
            "template matches one segment only",
            (_SPEC, [("POST", "/v1/kyc/review/1/2/claim", 200)]),
            expected=[("POST", "/v1/kyc/review/1/2/claim", 200)],
            hint="{item_id} matches one path segment, not '1/2'",
        ),
        Case(
            "default documents everything",
            (_SPEC, [("GET", "/healthz", 503)]),
            expected=[],
            hint="a 'default' response covers every status",
        ),
        Case(
            "method case and undeclared method",
            (_SPEC, [("post", "/v1/trades/score", 401), ("GET", "/v1/trades/score", 200)]),
            expected=[("GET", "/v1/trades/score", 200)],
            hint="OpenAPI keys methods in lower case; report them upper-case",
        ),
        Case(
            "duplicates reported once, sorted",
            (
                _SPEC,
                [
                    ("POST", "/v1/trades/score", 503),
                    ("POST", "/v1/trades/score", 500),
                    ("POST", "/v1/trades/score", 503),
                ],
            ),
            expected=[("POST", "/v1/trades/score", 500), ("POST", "/v1/trades/score", 503)],
        ),
    ]

    def as_tuples(got: Any, expected: Any) -> str | None:
        try:
            got = [tuple(x) for x in got]
        except TypeError:
            return f"expected a list of (method, path, status) tuples, got {got!r}"
        return None if got == expected else f"expected {expected}, got {got}"

    for c in cases:
        c.compare = as_tuples
    run_cases("6.3", func, cases)


check = SimpleNamespace(
    latency_bucket_properties=check_latency_bucket_properties,
    golden_lines=check_golden_lines,
    undocumented_statuses=check_undocumented_statuses,
)

__all__ = [
    "DEFAULT_BUCKETS_MS",
    "PLANTED_BUGS",
    "check",
    "golden_lines",
    "latency_bucket_properties",
    "latency_buckets",
    "reference",
    "undocumented_statuses",
]
