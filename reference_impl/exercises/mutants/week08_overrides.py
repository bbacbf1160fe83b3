"""Week 8 mutants for exercise 8.3 (apply analyst overrides): each breaks one requirement; week08 lists them."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from reference_impl.anomaly.overrides import MAX_OVERRIDE_DAYS
from reference_impl.exercises.mutation import Mutant

# ---------------------------------------------------------------- an alternative correct solution


def overrides_vectorised(decisions, overrides, now):
    """Masks per override, then one pass: force-flag where any active force matched, else suppress."""
    out = decisions.copy()
    out["model_flagged"] = decisions["flagged"].astype(bool)
    n = len(decisions)
    forced = pd.Series(False, index=range(n))
    suppressed = pd.Series(False, index=range(n))
    applied = [[] for _ in range(n)]
    expired = [[] for _ in range(n)]
    for o in overrides:
        hit = pd.Series(True, index=range(n))
        for col, value in o.match.items():
            hit &= decisions[col].astype(str).reset_index(drop=True).eq(str(value)) if col in decisions else False
        rows = hit[hit].index
        if o.created_at <= now < o.expires_at:
            (forced if o.action == "force_flag" else suppressed).loc[rows] = True
            for i in rows:
                applied[i].append(o.override_id)
        elif o.expires_at <= now:
            for i in rows:
                expired[i].append(o.override_id)
    model = out["model_flagged"].reset_index(drop=True)
    out["flagged"] = (forced | (model & ~suppressed)).to_numpy()
    out["overrides"] = applied
    out["expired_overrides"] = expired
    return out


# ---------------------------------------------------------------- plausible wrong solutions


def _apply(
    decisions,
    overrides,
    now,
    *,
    active=None,
    matches=None,
    decide=None,
    keep_model=True,
    score=None,
    record="active",
    expired_list=True,
):
    out = decisions.copy()
    model = decisions["flagged"].astype(bool).tolist()
    active = active or (lambda o: o.created_at <= now < o.expires_at)
    matches = matches or (lambda o, row: all(k in row.index and str(row[k]) == str(v) for k, v in o.match.items()))
    final, applied, expired = [], [], []
    for (_, row), flag in zip(decisions.iterrows(), model):
        hit = [o for o in overrides if matches(o, row)]
        act = [o for o in hit if active(o)]
        if decide is not None:
            flag = decide(flag, act)
        elif any(o.action == "force_flag" for o in act):
            flag = True
        elif any(o.action == "suppress" for o in act):
            flag = False
        final.append(flag)
        applied.append([o.override_id for o in (hit if record == "matched" else act[-1:] if record == "last" else act)])
        expired.append([o.override_id for o in hit if o.expires_at <= now] if expired_list else [])
    out["flagged"] = final
    out["model_flagged"] = model if keep_model else final
    if score is not None:
        out["score"] = [score(s, f) for s, f in zip(out["score"], final)]
    out["overrides"] = applied
    out["expired_overrides"] = expired
    return out


# active
def overrides_ignore_expiry(decisions, overrides, now):
    return _apply(decisions, overrides, now, active=lambda o: o.created_at <= now)


def overrides_expiry_inclusive(decisions, overrides, now):  # still active at exactly expires_at
    return _apply(decisions, overrides, now, active=lambda o: o.created_at <= now <= o.expires_at)


def overrides_ignore_start(decisions, overrides, now):  # a future override already applies
    return _apply(decisions, overrides, now, active=lambda o: now < o.expires_at)


def overrides_cap_not_expiry(decisions, overrides, now):  # "every override lasts the maximum"
    return _apply(
        decisions,
        overrides,
        now,
        active=lambda o: o.created_at <= now < o.created_at + timedelta(days=MAX_OVERRIDE_DAYS),
    )


# match
def overrides_any_column(decisions, overrides, now):  # one matching column is enough
    return _apply(
        decisions,
        overrides,
        now,
        matches=lambda o, row: any(k in row.index and str(row[k]) == str(v) for k, v in o.match.items()),
    )


def overrides_raw_equality(decisions, overrides, now):  # 7 != "7"
    return _apply(
        decisions,
        overrides,
        now,
        matches=lambda o, row: all(k in row.index and row[k] == v for k, v in o.match.items()),
    )


def overrides_missing_column_matches(decisions, overrides, now):  # an unknown column is skipped, so all rows match
    return _apply(
        decisions,
        overrides,
        now,
        matches=lambda o, row: all(str(row[k]) == str(v) for k, v in o.match.items() if k in row.index),
    )


def overrides_first_key_only(decisions, overrides, now):
    def first(o, row):
        k, v = next(iter(o.match.items()))
        return k in row.index and str(row[k]) == str(v)

    return _apply(decisions, overrides, now, matches=first)


# precedence
def overrides_suppress_wins(decisions, overrides, now):
    def decide(flag, act):
        if any(o.action == "suppress" for o in act):
            return False
        return True if any(o.action == "force_flag" for o in act) else flag

    return _apply(decisions, overrides, now, decide=decide)


def overrides_last_wins(decisions, overrides, now):
    return _apply(decisions, overrides, now, decide=lambda flag, act: act[-1].action == "force_flag" if act else flag)


def overrides_first_wins(decisions, overrides, now):
    return _apply(decisions, overrides, now, decide=lambda flag, act: act[0].action == "force_flag" if act else flag)


def overrides_suppress_toggles(decisions, overrides, now):  # "suppress" flips the model's flag
    def decide(flag, act):
        if any(o.action == "force_flag" for o in act):
            return True
        return (not flag) if any(o.action == "suppress" for o in act) else flag

    return _apply(decisions, overrides, now, decide=decide)


# audit
def overrides_model_flag_lost(decisions, overrides, now):  # model_flagged holds the final flag
    return _apply(decisions, overrides, now, keep_model=False)


def overrides_rewrite_score(decisions, overrides, now):  # the score is "corrected" to match the override
    return _apply(decisions, overrides, now, score=lambda s, f: 1.0 if f else 0.0)


def overrides_deciding_id_only(decisions, overrides, now):  # only one id per row
    return _apply(decisions, overrides, now, record="last")


def overrides_no_expired_list(decisions, overrides, now):  # expired ones vanish from the record
    return _apply(decisions, overrides, now, expired_list=False)


def overrides_records_expired_as_applied(decisions, overrides, now):
    return _apply(decisions, overrides, now, record="matched")


def overrides_no_audit_columns(decisions, overrides, now):  # only the final flag
    out = _apply(decisions, overrides, now)
    return out.drop(columns=["model_flagged", "overrides", "expired_overrides"])


MUTANTS = [
    Mutant("8.3", "active", overrides_ignore_expiry),
    Mutant("8.3", "active", overrides_expiry_inclusive),
    Mutant("8.3", "active", overrides_ignore_start),
    Mutant("8.3", "active", overrides_cap_not_expiry),
    Mutant("8.3", "match", overrides_any_column),
    Mutant("8.3", "match", overrides_raw_equality),
    Mutant("8.3", "match", overrides_missing_column_matches),
    Mutant("8.3", "match", overrides_first_key_only),
    Mutant("8.3", "precedence", overrides_suppress_wins),
    Mutant("8.3", "precedence", overrides_last_wins),
    Mutant("8.3", "precedence", overrides_first_wins),
    Mutant("8.3", "precedence", overrides_suppress_toggles),
    Mutant("8.3", "audit", overrides_model_flag_lost),
    Mutant("8.3", "audit", overrides_rewrite_score),
    Mutant("8.3", "audit", overrides_deciding_id_only),
    Mutant("8.3", "active", overrides_no_expired_list),
    Mutant("8.3", "active", overrides_records_expired_as_applied),
    Mutant("8.3", "audit", overrides_no_audit_columns),
]

CORRECT = {"8.3": [overrides_vectorised]}
