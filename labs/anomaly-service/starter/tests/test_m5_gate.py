"""Milestone 5: the validation gate — measure the flags, hold them to the policy, exit non-zero on a miss."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from anomaly_lab import POLICY, Decision, check_policy, evaluate


class FixedFlags:
    """A detector that flags exactly the given trade ids."""

    def __init__(self, flagged_ids):
        self.flagged_ids = set(flagged_ids)

    def decide(self, features):
        return [Decision(t, 0.5, 0.5, t in self.flagged_ids, [], "fixed", "none", {}) for t in features["trade_id"]]


def frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"trade_id": [f"T{i}" for i in range(n)]})


def test_metrics_of_known_flags():
    # 10 trades, anomalies T0-T3; flags T0, T1 (hits) and T5 (a false alarm)
    got = evaluate(FixedFlags({"T0", "T1", "T5"}), frame(10), [True] * 4 + [False] * 6)
    want = {"alert_rate": 0.3, "recall": 0.5, "precision": 2 / 3}
    assert set(got) >= set(want) and all(math.isclose(got[k], v) for k, v in want.items()), f"want {want}, got {got}"


def test_an_empty_alert_queue_is_not_perfect():
    got = evaluate(FixedFlags(set()), frame(5), [True, False, False, False, False])
    assert (got["alert_rate"], got["recall"], got["precision"]) == (0.0, 0.0, 0.0), (
        f"nothing flagged: alert_rate 0, recall 0 and precision 0 (not NaN, not 1), got {got}"
    )


def test_the_policy_has_a_ceiling_and_floors():
    ok = check_policy({"alert_rate": 0.02, "recall": 0.6, "precision": 0.5})
    assert ok.passed and all(c.passed for c in ok.checks) and len(ok.checks) == len(POLICY), f"should pass: {ok}"
    noisy = check_policy({"alert_rate": 0.2, "recall": 0.9, "precision": 0.5})
    failed = [c for c in noisy.checks if not c.passed]
    assert not noisy.passed and [c.metric for c in failed] == ["alert_rate"], (
        f"alert_rate 0.2 is above its ceiling (0.05): only that check fails, got {noisy.checks}"
    )
    assert "alert_rate" in failed[0].detail and "0.05" in failed[0].detail, (
        f"name the metric and the bar: {failed[0].detail!r}"
    )
    blind = check_policy({"alert_rate": 0.01, "recall": 0.1, "precision": 0.5})
    assert [c.metric for c in blind.checks if not c.passed] == ["recall"], (
        f"recall 0.1 is below its floor: {blind.checks}"
    )


@pytest.mark.parametrize(
    "metrics", [{"alert_rate": 0.01, "precision": 0.5}, {"alert_rate": 0.01, "recall": float("nan"), "precision": 0.5}]
)
def test_a_missing_metric_fails_the_gate(metrics):
    result = check_policy(metrics)
    bad = [c for c in result.checks if not c.passed]
    assert not result.passed and [c.metric for c in bad] == ["recall"], f"a missing/NaN recall must fail, got {result}"
    assert bad[0].value is None, f"a missing metric has value None, got {bad[0].value}"


def test_the_gate_passes_your_detector_and_fails_a_noisy_one(capsys):
    from anomaly_lab.gate import main

    assert main([]) == 0, f"the gate must pass your detector at alert rate 0.01:\n{capsys.readouterr().out}"
    out = capsys.readouterr().out
    assert "validation gate passed" in out, out
    assert main(["--alert-rate", "0.2"]) == 1, "a detector alerting on 20 % of trades must fail the gate"
    out = capsys.readouterr().out
    assert "FAIL  alert_rate" in out and "validation gate FAILED" in out, out
