"""Week 6 exercises: tests for an ML service that catch the bugs a happy-path test misses.

* 6.1 :func:`latency_bucket_properties` — a property-based test (hypothesis) for ``latency_buckets(objective_ms)``.
  The check runs *your test*, with a fixed seed, against the correct function (it must pass) and four planted
  bugs (it must fail each): an unsorted result, a duplicate bucket when the objective is the 2.5 ms default, an
  objective above the largest default silently dropped, and a default bound replaced by the objective. Random
  integers never equal 2.5: the test must sample the default bounds on purpose.
* 6.2 :func:`golden_lines` — the stable text of scored results for a golden file: sorted by trade id, scores
  rounded, reason codes in their ranked order, ``-`` when there are none, ``rules`` when no model score exists.
* 6.3 :func:`undocumented_statuses` — a contract check: which observed ``(method, path, status)`` responses are
  not declared in the OpenAPI document (path templates such as ``/items/{item_id}``, ``default`` responses,
  upper/lower-case methods).

Every exercise ships *not started*: ``check.<name>(stub)`` prints a "not started" line and hands back the reference
(``fallback``), so later cells run. ``check.hint(id)`` shows graded hints, ``check.solution(id)`` the reference.

Examples
--------
>>> EXERCISES["6.2"].evaluate(golden_lines)  # the number of cases passed
14
"""

from __future__ import annotations

import bisect
import contextlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.exercises.framework import (
    Case,
    CheckBook,
    Exercise,
    ExerciseFailed,
    Requirement,
    Structural,
    compare_values,
)
from reference_impl.serving.metrics import latency_buckets as _latency_buckets_s

#: The default bucket bounds, in milliseconds (the objective is added to these).
DEFAULT_BUCKETS_MS: tuple[float, ...] = (1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500)

# --------------------------------------------------------------------------------------------------------------
# The function under test in 6.1, and four planted bugs
# --------------------------------------------------------------------------------------------------------------


def latency_buckets(objective_ms: float) -> tuple[float, ...]:
    """Histogram bounds in seconds: the defaults plus the latency objective, sorted, without duplicates.

    >>> latency_buckets(30)[4:7]
    (0.025, 0.03, 0.05)
    """
    return _latency_buckets_s(objective_ms / 1000.0)


def _base() -> list[float]:
    return [b / 1000 for b in DEFAULT_BUCKETS_MS]


def _buggy_unsorted(objective_ms: float) -> tuple[float, ...]:
    """Appends the objective at the end instead of in its place."""
    base = tuple(_base())
    return base if objective_ms in DEFAULT_BUCKETS_MS else base + (objective_ms / 1000,)


#: A hand-copied list of the defaults that lost 2.5 when it was typed: the bug shows only at 2.5 ms, a value no
#: integer strategy can produce, so only a test that samples the default bounds themselves finds it.
_STALE_DEFAULTS_MS: tuple[float, ...] = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500)


def _buggy_duplicate_default(objective_ms: float) -> tuple[float, ...]:
    """De-duplicates against a stale copy of the defaults: objective 2.5 ms gives 0.0025 twice."""
    base = _base()
    if objective_ms not in _STALE_DEFAULTS_MS:
        base.append(objective_ms / 1000)
    return tuple(sorted(base))


def _buggy_drops_large(objective_ms: float) -> tuple[float, ...]:
    """Inserts the objective only where a larger default exists: objectives above 2500 ms vanish."""
    base = _base()
    s = objective_ms / 1000
    i = bisect.bisect_left(base, s)
    if i < len(base) and base[i] != s:
        base.insert(i, s)
    return tuple(base)


def _buggy_replaces_default(objective_ms: float) -> tuple[float, ...]:
    """Overwrites the next default bound with the objective instead of inserting it."""
    base = _base()
    s = objective_ms / 1000
    i = bisect.bisect_left(base, s)
    if i == len(base):
        base.append(s)
    else:
        base[i] = s
    return tuple(base)


#: (case name, planted bug, the requirement a test must meet to catch it), in the order the check runs them.
PLANTED_BUGS: tuple[tuple[str, Callable[[float], tuple[float, ...]], str], ...] = (
    ("unsorted result", _buggy_unsorted, "sorted"),
    ("duplicate bucket at the 2.5 ms default", _buggy_duplicate_default, "unique"),
    ("objective above the defaults dropped", _buggy_drops_large, "objective"),
    ("a default bound replaced by the objective", _buggy_replaces_default, "defaults"),
)

# --------------------------------------------------------------------------------------------------------------
# Reference solutions
# --------------------------------------------------------------------------------------------------------------


def latency_bucket_properties(latency_buckets: Callable[[float], Sequence[float]]) -> None:
    """Raise AssertionError when ``latency_buckets`` breaks a property (sorted, unique, has objective and defaults)."""

    @settings(max_examples=200, deadline=None, database=None, derandomize=True)
    @given(objective_ms=st.one_of(st.sampled_from(DEFAULT_BUCKETS_MS), st.integers(1, 10_000)))
    def prop(objective_ms: float) -> None:
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
# 6.1 a property test that finds the planted bugs, deterministically
# --------------------------------------------------------------------------------------------------------------

PROPERTY_REQS = (
    Requirement(
        "passes",
        "your test passes on the correct `latency_buckets` for every objective it generates",
        "a property must hold for every valid input: the bounds are in seconds (objective_ms / 1000), and the "
        "result has one more bound than the defaults only when the objective is not a default",
    ),
    Requirement(
        "sorted",
        "it asserts the bounds are sorted",
        "assert list(b) == sorted(b)",
    ),
    Requirement(
        "unique",
        "it asserts there are no duplicate bounds, and it tries the default bounds themselves "
        "(`st.sampled_from(DEFAULT_BUCKETS_MS)`): no random integer equals 2.5",
        "assert len(set(b)) == len(b), and draw objectives from "
        "st.one_of(st.sampled_from(DEFAULT_BUCKETS_MS), st.integers(1, 10_000)): the planted duplicate shows only "
        "when the objective is the 2.5 ms default, which st.integers never produces (and keep max_examples at the "
        "default 100 or more, so every default bound is drawn)",
    ),
    Requirement(
        "objective",
        "it asserts the objective (in seconds) is one of the bounds, for objectives above the largest default "
        "(2500 ms) too",
        "assert objective_ms / 1000 in b, and let objectives go above 2500 ms (st.integers(1, 10_000))",
    ),
    Requirement(
        "defaults",
        "it asserts every default bound is still there",
        "assert {d / 1000 for d in DEFAULT_BUCKETS_MS} <= set(b)",
    ),
)

#: The settings your test runs under in the check, unless it overrides them: a fixed seed (derandomize) and no
#: example database, so a bug found once is not "remembered" into later runs — the verdict never changes.
CHECK_SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=100)


@contextlib.contextmanager
def fixed_seed() -> Iterator[None]:
    """Run hypothesis tests inside this block with :data:`CHECK_SETTINGS` as the default (public profile API).

    A setting the learner's own ``@settings`` gives wins; every other one comes from ``CHECK_SETTINGS``.
    The previous default profile is restored on the way out.
    """
    previous = settings.default
    settings.register_profile("ibml-exercise-check", CHECK_SETTINGS)
    settings.load_profile("ibml-exercise-check")
    try:
        yield
    finally:
        settings.register_profile("ibml-exercise-restore", previous)
        settings.load_profile("ibml-exercise-restore")


def _found_bug(exc: BaseException) -> bool:
    """Whether ``exc`` is the test failing (an assertion), rather than the test being broken."""
    if isinstance(exc, AssertionError):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return all(_found_bug(e) for e in exc.exceptions)
    return "Falsif" in type(exc).__name__


def _property_runner(test_func: Any) -> int:
    reqs = {r.id: r for r in PROPERTY_REQS}
    if not callable(test_func):
        raise ExerciseFailed(
            "6.1", "setup", f"expected a function, got {type(test_func).__name__}", requirement=reqs["passes"]
        )
    with fixed_seed():
        try:
            test_func(latency_buckets)
        except NotImplementedError:
            raise  # a stub: "not started"
        except Exception as exc:  # noqa: BLE001 - the learner's test may raise anything
            raise ExerciseFailed(
                "6.1",
                "correct implementation",
                f"your test failed on the correct function: {type(exc).__name__}: {_first_line(exc)}",
                reqs["passes"].hint,
                requirement=reqs["passes"],
            ) from None
        for name, bug, req_id in PLANTED_BUGS:
            req = reqs[req_id]
            try:
                test_func(bug)
            except Exception as exc:  # noqa: BLE001 - hypothesis may wrap several failures
                if _found_bug(exc):
                    continue
                raise ExerciseFailed(
                    "6.1",
                    name,
                    f"your test crashed instead of asserting: {type(exc).__name__}: {_first_line(exc)}",
                    req.hint,
                    requirement=req,
                ) from None
            raise ExerciseFailed(
                "6.1", name, "your test passed on a buggy implementation (the bug went unnoticed)", req.hint, req
            )
    return len(PLANTED_BUGS) + 1


def _first_line(exc: BaseException) -> str:
    try:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    except Exception:  # noqa: BLE001 - learner code may raise anything
        text = ""
    return text if len(text) <= 160 else text[:157] + "..."


# --------------------------------------------------------------------------------------------------------------
# 6.2 golden lines
# --------------------------------------------------------------------------------------------------------------

GOLDEN_REQS = (
    Requirement(
        "format",
        'one line `"<trade_id> <decision> <score> <codes>"` per result, returned as a list of strings',
        "return a list with one string per result, fields separated by single spaces; [] for no results",
    ),
    Requirement(
        "sorted",
        "lines sorted by trade id as text (`T10` comes before `T2`), whatever the input order",
        "sort by the trade id as a string (sorted(..., key=lambda r: r['trade_id'])), not by input order or number",
    ),
    Requirement(
        "score",
        "the score with exactly three decimals, rounded (`0.61289` → `0.613`), or `rules` when it is `None` "
        "(a score of `0` is a score)",
        "format with f'{score:.3f}' (rounds, keeps trailing zeros); test `score is None`, never the score's truth",
    ),
    Requirement(
        "codes",
        "the reason codes comma-separated in their ranked order (do not sort them), or `-` when there are none",
        "join the codes in the order given with ','; reason codes are ranked by importance; write '-' for none",
    ),
)


def _result(tid: str, decision: str, score: float | None, codes: Sequence[str]) -> dict[str, Any]:
    return {"trade_id": tid, "decision": decision, "score": score, "reasons": [{"code": c} for c in codes]}


def golden_cases() -> list[Case]:
    r1 = _result("T2", "flag", 0.61249, ["M_SIZE", "R_NOTIONAL_LIMIT"])
    r2 = _result("T1", "clear", 0.2, [])
    r3 = _result("T10", "flag", None, ["R_LATE_BOOKING"])
    return [
        Case("empty input", ([],), expected=[], req="format"),
        Case(
            "score rounded up",
            ([_result("T3", "flag", 0.61289, ["M_SIZE"])],),
            expected=["T3 flag 0.613 M_SIZE"],
            req="score",
            hint="round, do not truncate: f'{0.61289:.3f}' is '0.613'",
        ),
        Case(
            "trailing zeros kept",
            ([r2 | {"reasons": [{"code": "M_SIZE"}]}],),
            expected=["T1 clear 0.200 M_SIZE"],
            req="score",
            hint="golden files need a fixed width: '0.200', not '0.2' (f'{score:.3f}')",
        ),
        Case(
            "rules-only result",
            ([r3],),
            expected=["T10 flag rules R_LATE_BOOKING"],
            req="score",
            hint="a rules-only decision has score None: write 'rules'",
        ),
        Case(
            "a score of zero",
            ([_result("T4", "clear", 0.0, ["M_SIZE"])],),
            expected=["T4 clear 0.000 M_SIZE"],
            req="score",
            hint="0.0 is a model score: test `score is None`, not `not score`",
        ),
        Case("no reasons", ([r2],), expected=["T1 clear 0.200 -"], req="codes", hint="write '-' when there are none"),
        Case(
            "reason order is kept",
            ([_result("T2", "flag", 0.61249, ["Z_FIRST", "A_SECOND"])],),
            expected=["T2 flag 0.612 Z_FIRST,A_SECOND"],
            req="codes",
        ),
        Case("one flagged result", ([r1],), expected=["T2 flag 0.612 M_SIZE,R_NOTIONAL_LIMIT"], req="format"),
        Case(
            "sorted by trade id as text",
            ([r1, r3, r2],),
            expected=["T1 clear 0.200 -", "T10 flag rules R_LATE_BOOKING", "T2 flag 0.612 M_SIZE,R_NOTIONAL_LIMIT"],
            req="sorted",
        ),
    ]


_CODES = ("R_NOTIONAL_LIMIT", "R_LATE_BOOKING", "R_PRICE_DEVIATION", "M_SIZE", "M_TIME", "A_CPTY")


def golden_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for k in range(5):
        n = int(rng.integers(3, 9))
        ids = rng.choice(np.arange(1, 150), size=n, replace=False)  # distinct ids, in random order
        results = []
        for tid in ids:
            kind = rng.random()
            score = None if kind < 0.2 else (0.0 if kind < 0.3 else round(float(rng.random()), 5))
            codes = [str(c) for c in rng.choice(_CODES, size=int(rng.integers(0, 4)), replace=False)]
            results.append(_result(f"T{int(tid)}", str(rng.choice(["flag", "clear"])), score, codes))
        cases.append(Case(f"random results {k + 1}: {n} trades in random order", (results,), req="sorted"))
    return cases


# --------------------------------------------------------------------------------------------------------------
# 6.3 undocumented responses
# --------------------------------------------------------------------------------------------------------------

CONTRACT_REQS = (
    Requirement(
        "template",
        "match a concrete path to its template, one path segment per `{parameter}` "
        "(`/v1/kyc/review/17/claim` → `/v1/kyc/review/{item_id}/claim`), and report the template",
        "turn each template into a regex where {param} is [^/]+ (one segment) and match the whole path; report "
        "the template, not the concrete path",
    ),
    Requirement(
        "default",
        "a `default` response documents every status of that operation",
        "a 'default' response covers every status",
    ),
    Requirement(
        "method",
        "methods are case-insensitive (OpenAPI keys are lower-case); report them upper-case",
        "look the method up with method.lower() and report method.upper()",
    ),
    Requirement(
        "unknown",
        "an unknown path, or a method the path does not declare, is undocumented (an unknown path is reported as "
        "observed)",
        "a path no template matches, or a method missing under a known path, is undocumented: report it, do "
        "not skip it",
    ),
    Requirement(
        "result",
        "return a sorted list of `(METHOD, path, status)` tuples with an `int` status, each once; `[]` when "
        "everything is documented",
        "collect into a set of (method, path, int(status)) tuples and return sorted(...)",
    ),
)

_SPEC: dict[str, Any] = {
    "paths": {
        "/v1/trades/score": {"post": {"responses": {"200": {}, "401": {}, "422": {}}}},
        "/v1/kyc/review/{item_id}/claim": {"post": {"responses": {"200": {}, "404": {}, "409": {}}}},
        "/healthz": {"get": {"responses": {"default": {}}}},
    }
}


def _as_tuples(got: Any, expected: Any) -> str | None:
    if not isinstance(got, (list, tuple)):
        return Structural(f"expected a list of (method, path, status) tuples, got {type(got).__name__}")
    try:
        rows = [tuple(x) for x in got]
    except Exception:  # noqa: BLE001 - learner code may return anything
        return Structural("expected a list of (method, path, status) tuples")
    if any(len(r) != 3 for r in rows):
        return Structural(f"expected (method, path, status) triples, got {compare_values(rows[:3], expected[:3])}")
    return compare_values(rows, expected)


def contract_cases() -> list[Case]:
    score = "/v1/trades/score"
    claim = "/v1/kyc/review/{item_id}/claim"
    cases = [
        Case(
            "method case ignored",
            (_SPEC, [("post", score, 401), ("POST", score, 200), ("Post", score, 503)]),
            expected=[("POST", score, 503)],
            req="method",
        ),
        Case("all documented", (_SPEC, [("POST", score, 200), ("POST", score, 422)]), expected=[], req="result"),
        Case("undocumented 500", (_SPEC, [("POST", score, 500)]), expected=[("POST", score, 500)], req="result"),
        Case(
            "unknown path",
            (_SPEC, [("GET", "/v2/trades", 200), ("POST", score, 200)]),
            expected=[("GET", "/v2/trades", 200)],
            req="unknown",
        ),
        Case(
            "undeclared method",
            (_SPEC, [("GET", score, 200)]),
            expected=[("GET", score, 200)],
            req="unknown",
            hint="GET is not declared for /v1/trades/score: every GET response there is undocumented",
        ),
        Case(
            "path template",
            (_SPEC, [("POST", "/v1/kyc/review/17/claim", 409), ("POST", "/v1/kyc/review/17/claim", 403)]),
            expected=[("POST", claim, 403)],
            req="template",
        ),
        Case(
            "template matches one segment only",
            (_SPEC, [("POST", "/v1/kyc/review/1/2/claim", 200)]),
            expected=[("POST", "/v1/kyc/review/1/2/claim", 200)],
            req="template",
            hint="{item_id} matches one path segment, not '1/2': use [^/]+, not .+",
        ),
        Case("default documents everything", (_SPEC, [("GET", "/healthz", 503)]), expected=[], req="default"),
        Case(
            "duplicates reported once, sorted",
            (_SPEC, [("POST", score, 503), ("POST", score, 500), ("POST", score, 503)]),
            expected=[("POST", score, 500), ("POST", score, 503)],
            req="result",
        ),
    ]
    for case in cases:
        case.compare = _as_tuples
    return cases


_TEMPLATES = ("/v1/items/{item_id}", "/v1/items/{item_id}/notes/{note_id}", "/v1/models/{name}/versions", "/livez")
_STATUSES = (200, 201, 204, 400, 401, 403, 404, 409, 422, 500, 503)


def contract_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for k in range(5):
        paths: dict[str, Any] = {}
        for template in _TEMPLATES:
            ops: dict[str, Any] = {}
            for method in rng.choice(["get", "post", "delete"], size=int(rng.integers(1, 3)), replace=False):
                declared = [str(s) for s in rng.choice(_STATUSES, size=int(rng.integers(1, 4)), replace=False)]
                if rng.random() < 0.2:
                    declared.append("default")
                ops[str(method)] = {"responses": {s: {} for s in declared}}
            paths[template] = ops
        spec = {"paths": paths}
        observed = []
        for _ in range(int(rng.integers(6, 14))):
            template = str(rng.choice([*_TEMPLATES, "/v2/unknown/{x}"]))
            path = re.sub(r"\{[^}]+\}", lambda _m: str(rng.choice(["17", "abc", "x-1", "2026"])), template)
            method = str(rng.choice(["get", "post", "delete"]))
            method = method.upper() if rng.random() < 0.6 else method
            observed.append((method, path, int(rng.choice(_STATUSES))))
        observed += observed[: int(rng.integers(0, 3))]  # some repeated
        cases.append(
            Case(
                f"random spec {k + 1}: {len(observed)} observed responses",
                (spec, observed),
                compare=_as_tuples,
                req="template",
            )
        )
    return cases


_HINTS = {
    "6.1": (
        "A property test states a rule for every input and lets hypothesis search for a counterexample: write "
        "an inner function decorated with @given(...) that asserts the rules, then call it.",
        "Four rules: the bounds are sorted, have no duplicates, contain objective_ms / 1000 (seconds) and contain "
        "every default bound d / 1000. Objectives must go above 2500 ms.",
        "Random integers never hit 2.5: draw from st.one_of(st.sampled_from(DEFAULT_BUCKETS_MS), "
        "st.integers(1, 10_000)) so the default bounds themselves are tried.",
        "@given(objective_ms=st.one_of(st.sampled_from(DEFAULT_BUCKETS_MS), st.integers(1, 10_000)))\n"
        "def prop(objective_ms):\n    b = list(latency_buckets(objective_ms))\n    assert b == sorted(b)\n"
        "    assert len(set(b)) == len(b)\n    assert objective_ms / 1000 in b\n"
        "    assert {d / 1000 for d in DEFAULT_BUCKETS_MS} <= set(b)\nprop()",
    ),
    "6.2": (
        "One string per result; the file's lines must not depend on input order or float noise.",
        "Sort the results by str(trade_id) (so 'T10' < 'T2'); format the score with f'{score:.3f}', or 'rules' "
        "when it is None (0.0 is a score).",
        "Join the codes with ',' in the order given (they are ranked), or '-' when there are none; fields are "
        "separated by one space.",
        "for r in sorted(results, key=lambda r: str(r['trade_id'])):\n    score = 'rules' if r.get('score') is None "
        "else f\"{float(r['score']):.3f}\"\n    codes = ','.join(x['code'] for x in r.get('reasons') or []) or '-'\n"
        "    lines.append(f\"{r['trade_id']} {r['decision']} {score} {codes}\")",
    ),
    "6.3": (
        "For each observed (method, path, status): find the template that matches the path, then the operation "
        "for the method, then look the status up in its responses.",
        "Turn '/v1/kyc/review/{item_id}/claim' into a regex with [^/]+ for each {param} (one segment) and match "
        "the whole path; method.lower() finds the operation, report method.upper().",
        "A 'default' response covers every status; an unknown path or method is undocumented (report the path as "
        "observed). Collect (METHOD, template, int(status)) in a set.",
        "for method, path, status in observed:\n    match = next(((t, ops) for t, rx, ops in templates if rx.match(path)),"
        " None)\n    if match is None or method.lower() not in match[1]: out.add(...); continue\n"
        "    responses = {str(k) for k in match[1][method.lower()].get('responses', {})}\n"
        "    if str(status) not in responses and 'default' not in responses: out.add(...)\nreturn sorted(out)",
    ),
}

EXERCISES = {
    "6.1": Exercise(
        "6.1",
        "a property test that catches the planted bugs",
        PROPERTY_REQS,
        runner=_property_runner,
        hints=_HINTS["6.1"],
        solution=latency_bucket_properties,
        fallback=latency_bucket_properties,  # later cells run the reference property test
    ),
    "6.2": Exercise(
        "6.2",
        "golden lines",
        GOLDEN_REQS,
        cases=golden_cases,
        reference=golden_lines,
        random_cases=golden_random_cases,
        seed=602,
        structure_req="format",
        hints=_HINTS["6.2"],
        solution=golden_lines,
        fallback=golden_lines,  # later cells write the golden lines with the reference
    ),
    "6.3": Exercise(
        "6.3",
        "which responses are undocumented?",
        CONTRACT_REQS,
        cases=contract_cases,
        reference=undocumented_statuses,
        random_cases=contract_random_cases,
        seed=603,
        structure_req="result",
        hints=_HINTS["6.3"],
        solution=undocumented_statuses,
        fallback=undocumented_statuses,  # later cells use the reference contract check
    ),
}

# --------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------


def check_latency_bucket_properties(test_func: Callable[[Callable[[float], Sequence[float]]], None]) -> Any:
    """Exercise 6.1: your property test, run with a fixed seed, must pass on the correct function and fail on
    every planted bug."""
    return EXERCISES["6.1"].check(test_func)


def check_golden_lines(func: Callable[..., Any]) -> Any:
    """Exercise 6.2: ``func(results)``."""
    return EXERCISES["6.2"].check(func)


def check_undocumented_statuses(func: Callable[..., Any]) -> Any:
    """Exercise 6.3: ``func(openapi, observed)``."""
    return EXERCISES["6.3"].check(func)


check = CheckBook(
    EXERCISES,
    latency_bucket_properties="6.1",
    golden_lines="6.2",
    undocumented_statuses="6.3",
)

__all__ = [
    "CHECK_SETTINGS",
    "DEFAULT_BUCKETS_MS",
    "EXERCISES",
    "PLANTED_BUGS",
    "check",
    "fixed_seed",
    "golden_lines",
    "latency_bucket_properties",
    "latency_buckets",
    "reference",
    "undocumented_statuses",
]
