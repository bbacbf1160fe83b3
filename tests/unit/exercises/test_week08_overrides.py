"""Exercise 8.3 (analyst overrides): correct answers pass, plausible wrong ones fail on the case that shows the
mistake, and the reference agrees with what the detector itself does with an OverrideSet."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from reference_impl.anomaly.overrides import OverrideSet
from reference_impl.exercises import ExerciseFailed
from reference_impl.exercises import week08 as w
from reference_impl.exercises import week08_overrides as o
from reference_impl.exercises.mutants import week08_overrides as m


def overrides_by_row(decisions, overrides, now):
    """A learner's: a dict per row, built without the library's helpers."""
    rows = []
    for rec in decisions.to_dict("records"):
        matched = [ov for ov in overrides if all(str(rec.get(k, object())) == str(v) for k, v in ov.match.items())]
        live = [ov for ov in matched if ov.created_at <= now and now < ov.expires_at]
        flag = bool(rec["flagged"])
        if any(ov.action == "suppress" for ov in live):
            flag = False
        if any(ov.action == "force_flag" for ov in live):
            flag = True
        rows.append(rec | {"flagged": flag, "model_flagged": bool(rec["flagged"]),
                           "overrides": [ov.override_id for ov in live],
                           "expired_overrides": [ov.override_id for ov in matched if ov.expires_at <= now]})
    return pd.DataFrame(rows, index=decisions.index)


def as_learner(func):
    return lambda *args, **kwargs: func(*args, **kwargs)


@pytest.mark.parametrize("func", [o.apply_overrides, o.solution_apply_overrides, overrides_by_row,
                                  m.overrides_vectorised])
def test_correct_solutions_pass(func, capsys):
    w.check.apply_overrides(as_learner(func))
    assert capsys.readouterr().out.strip() == "Exercise 8.3 passed (30/30 cases)"


@pytest.mark.parametrize(("func", "case", "hint"), [
    (m.overrides_expiry_inclusive, "exactly at its expiry", "at exactly expires_at it has expired"),
    (m.overrides_no_expired_list, "exactly at its expiry", "expired_overrides"),
    (m.overrides_any_column, "counterparty and desk must both match", "every key, not any"),
    (m.overrides_raw_equality, "book is a number in the frame, text in the override", "astype(str)"),
    (m.overrides_suppress_wins, "force-flag listed before suppress", "'force_flag' in them"),
    (m.overrides_first_wins, "suppress listed before force-flag", "not the first or last"),
    (m.overrides_rewrite_score, "no overrides: nothing changes but the audit columns", "keep score"),
    (m.overrides_no_audit_columns, "no overrides: nothing changes but the audit columns", "model_flagged"),
])
def test_wrong_solutions_fail_with_the_right_case(func, case, hint):
    with pytest.raises(ExerciseFailed) as info:
        w.check.apply_overrides(func)
    assert info.value.case == case
    assert hint in str(info.value)


def test_the_check_does_not_trust_a_mutating_function():
    """The learner's function gets copies: one that edits its input in place cannot poison the next case."""
    def mutating(decisions, overrides, now):
        out = o.apply_overrides(decisions, overrides, now)
        decisions["flagged"] = True
        return out

    assert w.EXERCISES["8.3"].evaluate(mutating) == 30


def test_the_reference_agrees_with_the_detector():
    """What 8.3 teaches is what the service does: decide_rules_only with an OverrideSet gives the same flags."""
    from reference_impl import data
    from reference_impl.anomaly.detector import decide_rules_only
    from reference_impl.features import build_trade_features

    ref = data.make_reference_data(seed=5)
    prices = data.make_prices(ref, n_days=5, seed=5)
    features = build_trade_features(data.make_trades(ref, prices, n_trades=400, seed=5, anomaly_rate=0.05), ref, prices)
    now = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    cps = features["counterparty_id"].astype(str).value_counts().index[:2].tolist()
    desk = str(features["desk"].iloc[0])
    s = OverrideSet(authorised_users=frozenset({"ops.lead"}))
    s = s.add(action="suppress", match={"counterparty_id": cps[0]}, reason="month-end rebalancing, OPS-1",
              actor="ops.lead", expires_at=now + dt.timedelta(days=30), now=now - dt.timedelta(days=1))
    s = s.add(action="force_flag", match={"counterparty_id": cps[1], "desk": desk}, reason="under investigation, FC-7",
              actor="ops.lead", expires_at=now + dt.timedelta(days=10), now=now - dt.timedelta(days=1))
    s = s.add(action="force_flag", match={"desk": desk}, reason="expired campaign, OPS-2", actor="ops.lead",
              expires_at=now - dt.timedelta(hours=1), now=now - dt.timedelta(days=5))

    plain = decide_rules_only(features, now=now)
    with_overrides = decide_rules_only(features, overrides=s, now=now)
    frame = features[["counterparty_id", "desk"]].assign(
        trade_id=[d.trade_id for d in plain], score=[d.score for d in plain], flagged=[d.flagged for d in plain])
    ours = o.apply_overrides(frame, list(s.overrides), now)

    assert ours["flagged"].tolist() == [d.flagged for d in with_overrides]
    assert ours["overrides"].tolist() == [d.overrides for d in with_overrides]
    assert ours["expired_overrides"].tolist() == [d.expired_overrides for d in with_overrides]
    assert ours["flagged"].ne(ours["model_flagged"]).any()  # the overrides changed something worth checking
