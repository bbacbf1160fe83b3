"""decide_within_budget: the model is optional, the rules are not."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from reference_impl.serving.fallback import (
    MODEL_ERROR,
    MODEL_MISSING,
    MODEL_TIMEOUT,
    ONLINE_STORE_UNAVAILABLE,
    ScoringUnavailable,
    decide_within_budget,
)


@pytest.fixture
def executor():
    with ThreadPoolExecutor(max_workers=2) as ex:
        yield ex


def _run(model, rules, executor, budget=1.0, forced=None):
    return asyncio.run(decide_within_budget(model, rules, budget_s=budget, executor=executor, forced_reason=forced))


def _boom():
    raise RuntimeError("x")


@pytest.mark.parametrize("model,budget,forced,reason,expected", [
    (lambda: ["model"], 1.0, None, None, ["model"]),
    (None, 1.0, None, MODEL_MISSING, ["rules"]),
    (_boom, 1.0, None, MODEL_ERROR, ["rules"]),
    (lambda: (time.sleep(0.5), ["model"])[1], 0.05, None, MODEL_TIMEOUT, ["rules"]),
    (lambda: ["model"], 0.0, None, MODEL_TIMEOUT, ["rules"]),
    (lambda: ["model"], 1.0, ONLINE_STORE_UNAVAILABLE, ONLINE_STORE_UNAVAILABLE, ["rules"]),
])
def test_outcomes(executor, model, budget, forced, reason, expected):
    out = _run(model, lambda: ["rules"], executor, budget, forced)
    assert list(out.decisions) == expected
    assert out.fallback_reason == reason and out.fallback_used is (reason is not None)


def test_timeout_returns_inside_the_budget_not_after_the_model(executor):
    out = _run(lambda: (time.sleep(1.0), ["model"])[1], lambda: ["rules"], executor, budget=0.05)
    assert out.fallback_reason == MODEL_TIMEOUT
    assert out.model_seconds < 0.9  # returned long before the 1 s model finished (not a timing benchmark)


def test_rules_failure_is_scoring_unavailable(executor):
    with pytest.raises(ScoringUnavailable, match="model_error"):
        _run(_boom, _boom, executor)
