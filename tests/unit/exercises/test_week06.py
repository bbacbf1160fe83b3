"""Week 6 checks: the reference passes; plausible wrong answers fail with a helpful message."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.exercises.framework import ExerciseFailed
from reference_impl.exercises.week06 import DEFAULT_BUCKETS_MS, check, latency_buckets, reference
from reference_impl.serving.metrics import latency_buckets as service_buckets


@pytest.mark.parametrize("name", ["latency_bucket_properties", "golden_lines", "undocumented_statuses"])
def test_reference_passes(name, capsys):
    getattr(check, name)(getattr(reference, name))
    assert "passed" in capsys.readouterr().out


def test_exercise_function_is_the_service_function():
    assert latency_buckets(30) == service_buckets(0.03)
    assert tuple(d / 1000 for d in DEFAULT_BUCKETS_MS) == service_buckets(0.001)


def only_sorted(fn):
    @settings(max_examples=50, deadline=None, database=None, derandomize=True)
    @given(st.integers(1, 10_000))
    def prop(ms):
        b = list(fn(ms))
        assert b == sorted(b)

    prop()


def small_range(fn):
    @settings(max_examples=100, deadline=None, database=None, derandomize=True)
    @given(st.one_of(st.sampled_from(DEFAULT_BUCKETS_MS), st.integers(1, 2_000)))
    def prop(ms):
        b = list(fn(ms))
        assert b == sorted(b) and len(set(b)) == len(b) and ms / 1000 in b

    prop()


def wrong_property(fn):
    @settings(max_examples=50, deadline=None, database=None, derandomize=True)
    @given(st.one_of(st.sampled_from(DEFAULT_BUCKETS_MS), st.integers(1, 10_000)))
    def prop(ms):
        assert len(fn(ms)) == len(DEFAULT_BUCKETS_MS) + 1  # false when the objective is a default bucket

    prop()


@pytest.mark.parametrize("wrong,case", [(only_sorted, "duplicate bucket"), (small_range, "objective above"),
                                        (wrong_property, "correct implementation")])
def test_property_test_wrong_answers(wrong, case):
    with pytest.raises(ExerciseFailed, match=case):
        check.latency_bucket_properties(wrong)


def _sorted_codes(results):
    return sorted(f"{r['trade_id']} {r['decision']} {'rules' if r['score'] is None else format(r['score'], '.3f')} "
                  f"{','.join(sorted(x['code'] for x in r['reasons'])) or '-'}" for r in results)


def _unrounded(results):
    return sorted(f"{r['trade_id']} {r['decision']} {'rules' if r['score'] is None else r['score']} "
                  f"{','.join(x['code'] for x in r['reasons']) or '-'}" for r in results)


def _input_order(results):
    return [f"{r['trade_id']} {r['decision']} {'rules' if r['score'] is None else format(r['score'], '.3f')} "
            f"{','.join(x['code'] for x in r['reasons']) or '-'}" for r in results]


@pytest.mark.parametrize("wrong,hint", [(_sorted_codes, "one flagged result"), (_unrounded, "round the score"),
                                        (_input_order, "sort by trade id")])
def test_golden_lines_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        check.golden_lines(wrong)


def _exact_paths(openapi, observed):
    out = set()
    for method, path, status in observed:
        ops = openapi["paths"].get(path, {})
        responses = ops.get(method.lower(), {}).get("responses", {})
        if str(status) not in responses and "default" not in responses:
            out.add((method.upper(), path, status))
    return sorted(out)


def _no_default(openapi, observed):
    import re

    out = set()
    for method, path, status in observed:
        for template, ops in openapi["paths"].items():
            if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
                if str(status) not in ops.get(method.lower(), {}).get("responses", {}):
                    out.add((method.upper(), template, status))
                break
        else:
            out.add((method.upper(), path, status))
    return sorted(out)


@pytest.mark.parametrize("wrong,case", [(_exact_paths, "path template"), (_no_default, "default documents")])
def test_undocumented_statuses_wrong_answers(wrong, case):
    with pytest.raises(ExerciseFailed, match=case):
        check.undocumented_statuses(wrong)
