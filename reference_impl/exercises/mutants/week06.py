"""Week 6 mutants: plausible wrong answers to exercises 6.1–6.3, each breaking one requirement.

The 6.1 mutants are property *tests*. ``prop_naive_integers`` is the trap the notebook teaches: every assertion
right, but objectives drawn from ``st.integers`` only, and no settings of its own (the check's fixed seed
applies). No integer equals the 2.5 ms default, so it misses the planted duplicate on every run, whatever the
seed; the taught strategy (``st.sampled_from(DEFAULT_BUCKETS_MS)`` mixed in) finds it.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.exercises import week06 as w
from reference_impl.exercises.mutation import Mutant

D = w.DEFAULT_BUCKETS_MS
TAUGHT = st.one_of(st.sampled_from(D), st.integers(1, 10_000))


def _prop(fn, strategy=TAUGHT, *, sorted_=True, unique=True, objective=True, defaults=True, count=False):
    @given(strategy)
    def prop(ms):
        b = list(fn(ms))
        if sorted_:
            assert b == sorted(b)
        if unique:
            assert len(set(b)) == len(b)
        if objective:
            assert ms / 1000 in b
        if defaults:
            assert {d / 1000 for d in D} <= set(b)
        if count:
            assert len(b) == len(D) + 1  # wrong when the objective is a default bound

    prop()


# ---------------------------------------------------------------- alternative correct solutions


def prop_strictly_increasing(latency_buckets):  # no settings of its own: the check's fixed seed applies
    @given(st.sampled_from(D) | st.integers(min_value=1, max_value=50_000))
    def prop(ms):
        b = list(latency_buckets(ms))
        assert all(x < y for x, y in zip(b, b[1:])), b  # sorted and unique in one
        assert ms / 1000 in b and all(d / 1000 in b for d in D), b

    prop()


def golden_sorted_lines(results):
    rows = sorted(results, key=lambda r: str(r["trade_id"]))
    out = []
    for r in rows:
        score = "rules" if r["score"] is None else format(round(r["score"], 3), ".3f")
        out.append(" ".join([r["trade_id"], r["decision"], score, ",".join(x["code"] for x in r["reasons"]) or "-"]))
    return out


def contract_fullmatch(openapi, observed):
    found = set()
    for method, path, status in observed:
        template, ops = path, None
        for t, o in openapi["paths"].items():
            if re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(t)), path):
                template, ops = t, o
                break
        responses = (ops or {}).get(method.lower(), {}).get("responses")
        if responses is None or (str(status) not in responses and "default" not in responses):
            found.add((method.upper(), template, int(status)))
    return sorted(found)


def prop_sorted_set(latency_buckets):  # sorted and unique as one comparison; its own settings
    @settings(max_examples=150, deadline=None)
    @given(objective_ms=st.integers(min_value=1, max_value=100_000) | st.sampled_from(D))
    def prop(objective_ms):
        b = list(latency_buckets(objective_ms))
        assert b == sorted(set(b)), b
        assert set(b) >= {objective_ms / 1000} | {d / 1000 for d in D}, b

    prop()


def golden_tuples(results):
    def line(r):
        codes = [x["code"] for x in (r.get("reasons") or [])]
        score = r.get("score")
        shown = "rules" if score is None else format(float(score), ".3f")
        return " ".join([str(r["trade_id"]), str(r["decision"]), shown, ",".join(codes) if codes else "-"])

    return [line(r) for r in sorted(results, key=lambda r: str(r["trade_id"]))]


def contract_segments(openapi, observed):  # matches segment by segment instead of with a regex
    def matches(template, path):
        t, p = template.split("/"), path.split("/")
        return len(t) == len(p) and all(a == b or (a.startswith("{") and a.endswith("}") and b) for a, b in zip(t, p))

    out = set()
    for method, path, status in observed:
        hit = [(t, ops) for t, ops in openapi.get("paths", {}).items() if matches(t, path)]
        template, ops = hit[0] if hit else (path, {})
        op = ops.get(method.lower())
        declared = set(map(str, (op or {}).get("responses", {})))
        if op is None or not ({str(status), "default"} & declared):
            out.add((method.upper(), template, int(status)))
    return sorted(out)


# ---------------------------------------------------------------- plausible wrong solutions: 6.1


def prop_counts_bounds(fn):  # "one more bound than the defaults": false when the objective is a default
    _prop(fn, unique=False, count=True)


def prop_objective_in_ms(fn):  # forgets the unit: the bounds are seconds
    @given(TAUGHT)
    def prop(ms):
        b = list(fn(ms))
        assert b == sorted(b) and len(set(b)) == len(b) and ms in b

    prop()


def prop_no_sorted(fn):
    _prop(fn, sorted_=False)


def prop_naive_integers(fn):  # the trap: every assertion, but integers never hit the 2.5 ms default
    _prop(fn, st.integers(1, 10_000))


def prop_naive_integers_many_examples(fn):  # more examples do not help: no integer is 2.5
    @settings(max_examples=1_000)
    @given(st.integers(1, 10_000))
    def prop(ms):
        b = list(fn(ms))
        assert b == sorted(b) and len(set(b)) == len(b) and ms / 1000 in b and {d / 1000 for d in D} <= set(b)

    prop()


def prop_no_unique(fn):
    _prop(fn, unique=False)


def prop_small_range(fn):  # never above the largest default
    _prop(fn, st.one_of(st.sampled_from(D), st.integers(1, 2_000)))


def prop_no_objective(fn):
    _prop(fn, objective=False)


def prop_no_defaults(fn):
    _prop(fn, defaults=False)


# ---------------------------------------------------------------- plausible wrong solutions: 6.2


def _line(r, *, score=None, codes=None):
    s = score(r["score"]) if score else ("rules" if r["score"] is None else f"{r['score']:.3f}")
    c = codes(r["reasons"]) if codes else (",".join(x["code"] for x in r["reasons"]) or "-")
    return f"{r['trade_id']} {r['decision']} {s} {c}"


def golden_input_order(results):
    return [_line(r) for r in results]


def golden_numeric_order(results):  # "natural" sort: T2 before T10
    return [_line(r) for r in sorted(results, key=lambda r: int(r["trade_id"][1:]))]


def golden_truncated(results):
    return [
        _line(r, score=lambda s: "rules" if s is None else f"{int(s * 1000) / 1000:.3f}") for r in golden_input(results)
    ]


def golden_round_str(results):  # str(round(...)) drops trailing zeros
    return [_line(r, score=lambda s: "rules" if s is None else str(round(s, 3))) for r in golden_input(results)]


def golden_zero_is_rules(results):
    return [_line(r, score=lambda s: f"{s:.3f}" if s else "rules") for r in golden_input(results)]


def golden_sorted_codes(results):
    return [_line(r, codes=lambda rs: ",".join(sorted(x["code"] for x in rs)) or "-") for r in golden_input(results)]


def golden_empty_codes(results):
    return [_line(r, codes=lambda rs: ",".join(x["code"] for x in rs)) for r in golden_input(results)]


def golden_one_string(results):  # the golden file's text instead of its lines
    return "\n".join(w.golden_lines(results))


def golden_input(results):
    return sorted(results, key=lambda r: r["trade_id"])


# ---------------------------------------------------------------- plausible wrong solutions: 6.3


def _contract(
    openapi,
    observed,
    *,
    segment="[^/]+",
    lower=True,
    default=True,
    skip_unknown=False,
    upper=True,
    dedupe=True,
    sort=True,
):
    out = []
    for method, path, status in observed:
        m = method.lower() if lower else method
        hit = None
        for t, ops in openapi["paths"].items():
            if re.fullmatch(re.sub(r"\\\{[^}]+\\\}", segment, re.escape(t)), path):
                hit = (t, ops)
                break
        shown = method.upper() if upper else method
        if hit is None or m not in hit[1]:
            if not skip_unknown:
                out.append((shown, path if hit is None else hit[0], int(status)))
            continue
        responses = hit[1][m].get("responses", {})
        if str(status) not in responses and not (default and "default" in responses):
            out.append((shown, hit[0], int(status)))
    if dedupe:
        out = list(dict.fromkeys(out))
    return sorted(out) if sort else out


def contract_exact_paths(openapi, observed):
    out = set()
    for method, path, status in observed:
        responses = openapi["paths"].get(path, {}).get(method.lower(), {}).get("responses")
        if responses is None or (str(status) not in responses and "default" not in responses):
            out.add((method.upper(), path, int(status)))
    return sorted(out)


def contract_greedy_template(openapi, observed):  # .+ lets {item_id} swallow '1/2'
    return _contract(openapi, observed, segment=".+")


def contract_no_default(openapi, observed):
    return _contract(openapi, observed, default=False)


def contract_case_sensitive(openapi, observed):
    return _contract(openapi, observed, lower=False)


def contract_reports_as_observed(openapi, observed):  # method case as observed
    return _contract(openapi, observed, upper=False)


def contract_skips_unknown(openapi, observed):
    return _contract(openapi, observed, skip_unknown=True)


def contract_unsorted(openapi, observed):
    return _contract(openapi, observed, sort=False)


def contract_duplicates(openapi, observed):
    return _contract(openapi, observed, dedupe=False)


def contract_str_status(openapi, observed):
    return [(m, p, str(s)) for m, p, s in w.undocumented_statuses(openapi, observed)]


MUTANTS = [
    Mutant("6.1", "passes", prop_counts_bounds),
    Mutant("6.1", "passes", prop_objective_in_ms),
    Mutant("6.1", "sorted", prop_no_sorted),
    Mutant("6.1", "unique", prop_naive_integers),
    Mutant("6.1", "unique", prop_naive_integers_many_examples),
    Mutant("6.1", "unique", prop_no_unique),
    Mutant("6.1", "objective", prop_small_range),
    Mutant("6.1", "objective", prop_no_objective),
    Mutant("6.1", "defaults", prop_no_defaults),
    Mutant("6.2", "sorted", golden_input_order),
    Mutant("6.2", "sorted", golden_numeric_order),
    Mutant("6.2", "score", golden_truncated),
    Mutant("6.2", "score", golden_round_str),
    Mutant("6.2", "score", golden_zero_is_rules),
    Mutant("6.2", "codes", golden_sorted_codes),
    Mutant("6.2", "codes", golden_empty_codes),
    Mutant("6.2", "format", golden_one_string),
    Mutant("6.3", "template", contract_exact_paths),
    Mutant("6.3", "template", contract_greedy_template),
    Mutant("6.3", "default", contract_no_default),
    Mutant("6.3", "method", contract_case_sensitive),
    Mutant("6.3", "method", contract_reports_as_observed),
    Mutant("6.3", "unknown", contract_skips_unknown),
    Mutant("6.3", "result", contract_unsorted),
    Mutant("6.3", "result", contract_duplicates),
    Mutant("6.3", "result", contract_str_status),
]

CORRECT = {
    "6.1": [w.reference.latency_bucket_properties, prop_strictly_increasing, prop_sorted_set],
    "6.2": [w.reference.golden_lines, golden_sorted_lines, golden_tuples],
    "6.3": [w.reference.undocumented_statuses, contract_fullmatch, contract_segments],
}
