"""The rule set: each rule fires exactly where it should; versions are enforced."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from reference_impl.anomaly import (
    DEFAULT_RULESET,
    REQUEST_GROUP_COLUMN,
    RULESET_VERSION,
    RuleSet,
    ThresholdRule,
    evaluate_rules,
    rule_masks,
)
from reference_impl.anomaly.rules import DuplicateRule
from reference_impl.errors import ConfigError, DataValidationError

from anomaly_fixtures import trade_data  # noqa: F401  (pytest fixture)

#: Pinned (version -> digest). Changing any rule changes the digest: bump RULESET_VERSION and add a line.
RULESET_DIGESTS = {
    "2026.11.1": "4fe7ded0d793419ee9f98cc6d47c2a2f75879bf9230bf37e74fcb79299eb5b49",
    "2026.11.2": "cfa950c4335dda171c90022a72d01536e622ad7bdbf8ff799fe81fe4c9bf9873",  # + R_WASH_TRADE; R_NEW_CPTY_LARGE on size vs the trader and counterparty age
    "2026.11.3": "c23ab30b784f7f61e69a1fb0e98bf8256c09f6588e90b4558c11bb6d5fab8048",  # + R_NOTIONAL_MISMATCH, R_CURRENCY_MISMATCH (request-only)
}


def test_ruleset_change_requires_version_bump():
    assert RULESET_DIGESTS.get(RULESET_VERSION) == DEFAULT_RULESET.digest, (
        "the rule set changed without a version bump: bump RULESET_VERSION and pin the new digest"
    )


def _row(**overrides):
    base = {
        "trade_id": "T1", "trader_id": "TR1", "book": "B1", "counterparty_id": "CP1", "desk": "EQ_LDN",
        "instrument_id": "I1", "event_type": "new",
        "exec_ts": pd.Timestamp("2026-01-05 10:00", tz="UTC"), "booking_ts": pd.Timestamp("2026-01-05 10:01", tz="UTC"),
        "notional_to_desk_limit": 0.01, "abs_price_deviation_bps": 2.0, "off_hours": 0.0,
        "booking_delay_sla_ratio": 0.1, "notional_usd": 1e6, "is_new_counterparty": 0.0,
        "notional_zscore_7d": 0.5, "counterparty_age_days": 400.0, "opposite_side_matches_1h": 0.0,
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    "change, code",
    [
        ({"notional_to_desk_limit": 1.5}, "R_NOTIONAL_LIMIT"),
        ({"abs_price_deviation_bps": 80.0}, "R_PRICE_DEVIATION"),
        ({"off_hours": 1.0}, "R_OFF_HOURS"),
        ({"booking_delay_sla_ratio": 3.0}, "R_LATE_BOOKING"),
        ({"counterparty_age_days": 5.0, "notional_zscore_7d": 4.0}, "R_NEW_CPTY_LARGE"),
        ({"opposite_side_matches_1h": 1.0}, "R_WASH_TRADE"),
    ],
)
def test_each_rule_fires_on_its_pattern_only(change, code):
    frame = pd.DataFrame([_row(), _row(trade_id="T2", exec_ts=pd.Timestamp("2026-01-05 10:30", tz="UTC"), **change)])
    hits = evaluate_rules(DEFAULT_RULESET, frame)
    assert hits[0] == []
    assert [h.code for h in hits[1]] == [code]
    assert hits[1][0].text and hits[1][0].feature in frame.columns


def test_new_counterparty_rule_needs_both_conditions():
    old_cpty = pd.DataFrame([_row(notional_zscore_7d=9.0, counterparty_age_days=400.0)])
    unknown_cpty = pd.DataFrame([_row(notional_zscore_7d=9.0, counterparty_age_days=np.nan)])
    assert evaluate_rules(DEFAULT_RULESET, old_cpty) == [[]]
    assert evaluate_rules(DEFAULT_RULESET, unknown_cpty) == [[]]


@pytest.mark.parametrize("value, fires", [(1.0, False), (1.0000001, True), (np.nan, False)])
def test_threshold_boundary_and_nan(value, fires):
    hits = evaluate_rules(DEFAULT_RULESET, pd.DataFrame([_row(notional_to_desk_limit=value)]))
    assert any(h.code == "R_NOTIONAL_LIMIT" for h in hits[0]) is fires


def test_late_booking_ignores_amendments():
    frame = pd.DataFrame([_row(event_type="amend", booking_delay_sla_ratio=5.0)])
    assert evaluate_rules(DEFAULT_RULESET, frame) == [[]]


def test_duplicate_flags_later_copy_not_original():
    later = _row(trade_id="T2", booking_ts=pd.Timestamp("2026-01-05 11:00", tz="UTC"))
    frame = pd.DataFrame([later, _row(), _row(trade_id="T3", notional_usd=2e6)])
    codes = [[h.code for h in hs] for hs in evaluate_rules(DEFAULT_RULESET, frame)]
    assert codes == [["R_DUPLICATE"], [], []]


def test_reason_text_is_readable():
    hits = evaluate_rules(DEFAULT_RULESET, pd.DataFrame([_row(abs_price_deviation_bps=123.4)]))
    assert hits[0][0].text == "price is 123 bps away from the reference price (limit 50 bps)"


def test_off_hours_is_context_only():
    hits = evaluate_rules(DEFAULT_RULESET, pd.DataFrame([_row(off_hours=1.0)]))
    assert hits[0][0].flags is False


def test_rules_on_generated_data_catch_their_types(trade_data):
    trades, features = trade_data["trades"], trade_data["features"]
    hits = evaluate_rules(DEFAULT_RULESET, features)
    codes = ("R_DUPLICATE", "R_LATE_BOOKING", "R_WASH_TRADE", "R_NEW_CPTY_LARGE")
    fired = {code: np.array([any(h.code == code for h in hs) for hs in hits]) for code in codes}
    types = trades["anomaly_type"].to_numpy(dtype=object)
    assert (types[fired["R_DUPLICATE"]] == "duplicate_booking").all()
    assert (types[fired["R_WASH_TRADE"]] == "wash_trade").all() and fired["R_WASH_TRADE"].any()
    assert fired["R_NEW_CPTY_LARGE"][types == "large_new_counterparty"].mean() > 0.7
    assert fired["R_DUPLICATE"][types == "duplicate_booking"].mean() > 0.9
    assert fired["R_LATE_BOOKING"][types == "late_booking"].mean() > 0.9


def test_missing_column_is_a_clear_error():
    with pytest.raises(DataValidationError, match="abs_price_deviation_bps"):
        evaluate_rules(DEFAULT_RULESET, pd.DataFrame([_row()]).drop(columns="abs_price_deviation_bps"))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: RuleSet("x", "", "me", ()), "version"),
        (lambda: RuleSet("x", "1", "me", (DEFAULT_RULESET.rules[0], DEFAULT_RULESET.rules[0])), "duplicate"),
        (lambda: RuleSet("x", "1", "me", (dataclasses.replace(DEFAULT_RULESET.rules[0], op="~"),)), "operator"),
        (lambda: RuleSet("x", "1", "me", (dataclasses.replace(DEFAULT_RULESET.rules[0], threshold=float("nan")),)), "finite"),
    ],
)
def test_invalid_rulesets_rejected(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_digest_changes_with_any_rule_change():
    changed = dataclasses.replace(DEFAULT_RULESET.rules[1], threshold=60.0)
    other = RuleSet(DEFAULT_RULESET.name, "x", "me", (DEFAULT_RULESET.rules[0], changed, *DEFAULT_RULESET.rules[2:]))
    assert other.digest != DEFAULT_RULESET.digest
    assert isinstance(DEFAULT_RULESET.rule("R_DUPLICATE"), DuplicateRule)
    assert isinstance(DEFAULT_RULESET.rule("R_PRICE_DEVIATION"), ThresholdRule)


# ---------------------------------------------------------------------------------------------------------
# The fast mask evaluation (numpy, Python sets, duplicate shortlist) against the plain pandas formulation.
# ---------------------------------------------------------------------------------------------------------


def _pandas_masks(ruleset: RuleSet, features: pd.DataFrame) -> np.ndarray:
    """The rules as first written with pandas (``Series.isin``, sort + ``duplicated`` over all eligible rows)."""

    def compare(col, op, threshold):
        if col not in features.columns:  # a request-only column (required=False) absent from a batch frame
            return np.zeros(len(features), dtype=bool)
        values = features[col].to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore"):
            return {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal, "==": np.equal}[op](
                values, threshold) & ~np.isnan(values)

    out = []
    for rule in ruleset.rules:
        if isinstance(rule, ThresholdRule):
            mask = compare(rule.feature, rule.op, rule.threshold)
            if rule.only_if is not None:
                mask &= compare(*rule.only_if)
            if rule.event_types is not None:
                mask &= features["event_type"].isin(rule.event_types).to_numpy()
        else:
            mask = np.zeros(len(features), dtype=bool)
            if len(features) >= 2:
                keys = [*rule.keys, *([REQUEST_GROUP_COLUMN] if REQUEST_GROUP_COLUMN in features else [])]
                eligible = features["event_type"].isin(rule.event_types).to_numpy()
                cols = list(dict.fromkeys([*keys, rule.order_by]))
                ranked = features.loc[eligible, cols].assign(_pos=np.flatnonzero(eligible))
                ranked = ranked.sort_values([rule.order_by, "_pos"], kind="stable")
                mask[ranked.loc[ranked.duplicated(subset=keys, keep="first"), "_pos"].to_numpy(dtype=np.intp)] = True
        out.append(mask)
    return np.array(out, dtype=bool).reshape(len(ruleset.rules), len(features))


def _messy_frame(features: pd.DataFrame, n: int, seed: int, groups: int = 0) -> pd.DataFrame:
    """Real rows with copies (exact, re-booked, one key changed), NaN keys, missing event types, amendments."""
    rng = np.random.default_rng(seed)
    frame = features.iloc[rng.integers(0, len(features), n)].reset_index(drop=True)
    for col, missing in (("notional_usd", np.nan), ("counterparty_id", None), ("exec_ts", pd.NaT)):
        frame.loc[rng.random(n) < 0.1, col] = missing  # before copying: copies that agree on a missing key
    if n >= 2:
        src = rng.choice(n, size=max(n // 5, 1), replace=False)
        copies = frame.iloc[src].copy()
        shift = rng.integers(-300, 300, len(copies))
        copies["booking_ts"] = copies["booking_ts"] + pd.to_timedelta(shift, unit="s")  # earlier or later copy
        other = rng.random(len(copies)) < 0.3
        copies.loc[other, "notional_usd"] = copies.loc[other, "notional_usd"] + 1.0  # not a copy after all
        frame = pd.concat([frame, copies], ignore_index=True).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    m = len(frame)
    frame.loc[rng.random(m) < 0.05, "notional_usd"] = np.nan
    frame.loc[rng.random(m) < 0.05, "counterparty_id"] = None
    frame.loc[rng.random(m) < 0.05, "exec_ts"] = pd.NaT
    frame.loc[rng.random(m) < 0.05, "event_type"] = None
    frame.loc[rng.random(m) < 0.1, "event_type"] = "amend"
    for col in ("notional_to_desk_limit", "booking_delay_sla_ratio", "notional_zscore_7d"):
        frame.loc[rng.random(m) < 0.05, col] = rng.choice([np.nan, 0.5, 1.0, 5.0])
    if groups:
        frame[REQUEST_GROUP_COLUMN] = rng.integers(0, groups, m)
    return frame


@pytest.mark.parametrize("n", [1, 2, 3, 8, 40, 250, 600])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("groups", [0, 3])
def test_rule_masks_equal_the_pandas_formulation(trade_data, n, seed, groups):
    frame = _messy_frame(trade_data["features"], n, seed, groups)
    expected = _pandas_masks(DEFAULT_RULESET, frame)
    np.testing.assert_array_equal(rule_masks(DEFAULT_RULESET, frame), expected)
    for rule, mask in zip(DEFAULT_RULESET.rules, expected):
        np.testing.assert_array_equal(rule.evaluate(frame), mask)


@pytest.mark.parametrize("small_rows", [0, 10_000])  # force the pandas shortlist / the Python one
def test_duplicate_shortlist_paths_agree(trade_data, monkeypatch, small_rows):
    import reference_impl.anomaly.rules as rules_module

    monkeypatch.setattr(rules_module, "SMALL_FRAME_ROWS", small_rows)
    frame = _messy_frame(trade_data["features"], 400, 9)
    rule = DEFAULT_RULESET.rule("R_DUPLICATE")
    got = rule.evaluate(frame)
    assert got.sum() > 5  # the frame does hold copies
    np.testing.assert_array_equal(got, _pandas_masks(RuleSet("d", "1", "me", (rule,)), frame)[0])


def test_evaluate_rules_hits_match_masks(trade_data):
    frame = _messy_frame(trade_data["features"], 300, 4)
    masks = rule_masks(DEFAULT_RULESET, frame)
    hits = evaluate_rules(DEFAULT_RULESET, frame)
    for k, rule in enumerate(DEFAULT_RULESET.rules):
        fired = np.array([any(h.code == rule.code for h in row) for row in hits])
        np.testing.assert_array_equal(fired, masks[k])
    for row in hits:  # rule order within a row
        order = [DEFAULT_RULESET.rules.index(DEFAULT_RULESET.rule(h.code)) for h in row]
        assert order == sorted(order)


def test_request_groups_separate_duplicates():
    a = _row(trade_id="T1")
    b = _row(trade_id="T2", booking_ts=pd.Timestamp("2026-01-05 11:00", tz="UTC"))  # a later copy of T1
    apart = pd.DataFrame([a, b]).assign(**{REQUEST_GROUP_COLUMN: ["req-1", "req-2"]})
    together = pd.DataFrame([a, b]).assign(**{REQUEST_GROUP_COLUMN: ["req-1", "req-1"]})
    without = pd.DataFrame([a, b])
    assert [[h.code for h in hs] for hs in evaluate_rules(DEFAULT_RULESET, apart)] == [[], []]
    assert [[h.code for h in hs] for hs in evaluate_rules(DEFAULT_RULESET, together)] == [[], ["R_DUPLICATE"]]
    assert [[h.code for h in hs] for hs in evaluate_rules(DEFAULT_RULESET, without)] == [[], ["R_DUPLICATE"]]
    assert REQUEST_GROUP_COLUMN == "request_group"
    assert REQUEST_GROUP_COLUMN not in DEFAULT_RULESET.features  # optional: frames without it still work


def test_request_groups_in_a_large_frame(trade_data):
    """Above the small-frame size too: copies in other groups are never flagged."""
    frame = _messy_frame(trade_data["features"], 600, 11)
    rule = DEFAULT_RULESET.rule("R_DUPLICATE")
    one_group = rule.evaluate(frame.assign(**{REQUEST_GROUP_COLUMN: 0}))
    np.testing.assert_array_equal(one_group, rule.evaluate(frame))
    own_group = rule.evaluate(frame.assign(**{REQUEST_GROUP_COLUMN: np.arange(len(frame))}))
    assert one_group.any() and not own_group.any()


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA])
def test_duplicates_with_missing_keys_in_object_columns(missing):
    """Copies whose key is missing (None, NaN or NA in a plain object column) group as pandas groups them."""
    rows = [_row(trade_id=f"T{i}", booking_ts=pd.Timestamp("2026-01-05 10:01", tz="UTC") + pd.Timedelta(minutes=i))
            for i in range(4)]
    frame = pd.DataFrame(rows).astype({"counterparty_id": object})
    frame["counterparty_id"] = pd.Series([missing, missing, None, np.nan], dtype=object)
    expected = _pandas_masks(DEFAULT_RULESET, frame)
    np.testing.assert_array_equal(rule_masks(DEFAULT_RULESET, frame), expected)
