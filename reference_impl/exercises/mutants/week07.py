"""Week 7 mutants: plausible wrong answers to exercises 7.1–7.3, each breaking one requirement."""

from __future__ import annotations

import datetime as dt
import math

from reference_impl.exercises import week07 as w
from reference_impl.exercises.mutation import Mutant

# ---------------------------------------------------------------- alternative correct solutions


def validation_loop(challenger, champion, rules):
    for r in rules:
        v = challenger.get(r.metric)
        if v is None or math.isnan(v):
            return False
        if r.min_value is not None and v < r.min_value:
            return False
        if r.max_value is not None and v > r.max_value:
            return False
        c = None if champion is None else champion.get(r.metric)
        if r.max_drop is not None and c is not None and c - v > r.max_drop + 1e-9:
            return False
    return True


def rollback_loop(versions, current):
    ok = [
        int(v["version"])
        for v in versions
        if v["approval_status"] == "approved"
        and v["validation_status"] == "passed"
        and not v.get("rolled_back")
        and int(v["version"]) < int(current)
    ]
    return str(max(ok)) if ok else None


def alias_replay(moves, alias, when):
    t = dt.datetime.fromisoformat(when)
    mine = sorted((dt.datetime.fromisoformat(m["ts"]), m["to_version"]) for m in moves if m["alias"] == alias)
    out = None
    for ts, to in mine:
        if ts <= t:
            out = to
    return out


# ---------------------------------------------------------------- plausible wrong solutions


def _validation(
    challenger,
    champion,
    rules,
    *,
    strict_floor=False,
    nan_passes=False,
    strict_drop=False,
    no_tol=False,
    champion_missing_fails=False,
    ignore_ceiling=False,
):
    for r in rules:
        v = challenger.get(r.metric)
        if v is None:
            return False
        if math.isnan(v) and not nan_passes:
            return False
        if r.min_value is not None and (v <= r.min_value if strict_floor else v < r.min_value):
            return False
        if r.max_value is not None and not ignore_ceiling and v > r.max_value:
            return False
        c = None if champion is None else champion.get(r.metric)
        if r.max_drop is not None and champion is not None:
            if c is None:
                if champion_missing_fails:
                    return False
                continue
            tol = 0 if no_tol else 1e-9
            if (c - v >= r.max_drop) if strict_drop else (c - v > r.max_drop + tol):
                return False
    return True


def validation_strict_floor(ch, champ, rules):
    return _validation(ch, champ, rules, strict_floor=True)


def validation_ignores_ceiling(ch, champ, rules):
    return _validation(ch, champ, rules, ignore_ceiling=True)


def validation_nan_passes(ch, champ, rules):
    return _validation(ch, champ, rules, nan_passes=True)


def validation_missing_passes(ch, champ, rules):  # a missing metric skips its rule
    return _validation({**{r.metric: math.inf for r in rules}, **ch}, champ, rules)


def validation_float_drop(ch, champ, rules):  # exact float comparison of the drop
    return _validation(ch, champ, rules, no_tol=True)


def validation_needs_champion_metric(ch, champ, rules):
    return _validation(ch, champ, rules, champion_missing_fails=True)


def _rollback(versions, current, *, key=int, check_rolled=True, check_approval=True, earlier=True):
    ok = [
        v["version"]
        for v in versions
        if (v["approval_status"] == "approved" or not check_approval)
        and v["validation_status"] == "passed"
        and (not v.get("rolled_back") or not check_rolled)
        and (key(v["version"]) < key(current) or not earlier)
        and v["version"] != current
    ]
    return max(ok, key=key) if ok else None


def rollback_string_order(versions, current):
    return _rollback(versions, current, key=str)


def rollback_keeps_rolled_back(versions, current):
    return _rollback(versions, current, check_rolled=False)


def rollback_ignores_approval(versions, current):
    return _rollback(versions, current, check_approval=False)


def rollback_any_version(versions, current):  # a later version is "newest" too
    return _rollback(versions, current, earlier=False)


def rollback_previous_in_list(versions, current):  # the entry before current in the list as given
    idx = [v["version"] for v in versions].index(current)
    for v in reversed(versions[:idx]):
        if v["approval_status"] == "approved" and v["validation_status"] == "passed" and not v.get("rolled_back"):
            return v["version"]
    return None


def alias_as_text(moves, alias, when):  # compares ISO strings
    out = None
    for m in sorted((m for m in moves if m["alias"] == alias), key=lambda m: m["ts"]):
        if m["ts"] <= when:
            out = m["to_version"]
    return out


def alias_strict(moves, alias, when):
    t = dt.datetime.fromisoformat(when)
    out = None
    for ts, to in sorted((dt.datetime.fromisoformat(m["ts"]), m["to_version"]) for m in moves if m["alias"] == alias):
        if ts < t:
            out = to
    return out


def alias_unsorted(moves, alias, when):  # replays in the order given
    t = dt.datetime.fromisoformat(when)
    out = None
    for m in moves:
        if m["alias"] == alias and dt.datetime.fromisoformat(m["ts"]) <= t:
            out = m["to_version"]
    return out


def alias_any_alias(moves, alias, when):  # forgets to filter on the alias
    return alias_replay([{**m, "alias": alias} for m in moves], alias, when)


MUTANTS = [
    Mutant("7.1", "floor", validation_strict_floor),
    Mutant("7.1", "floor", validation_ignores_ceiling),
    Mutant("7.1", "missing", validation_nan_passes),
    Mutant("7.1", "missing", validation_missing_passes),
    Mutant("7.1", "drop", validation_float_drop),
    Mutant("7.1", "champion", validation_needs_champion_metric),
    Mutant("7.2", "numeric", rollback_string_order),
    Mutant("7.2", "numeric", rollback_previous_in_list),
    Mutant("7.2", "eligible", rollback_keeps_rolled_back),
    Mutant("7.2", "eligible", rollback_ignores_approval),
    Mutant("7.2", "earlier", rollback_any_version),
    Mutant("7.3", "instants", alias_as_text),
    Mutant("7.3", "inclusive", alias_strict),
    Mutant("7.3", "replay", alias_unsorted),
    Mutant("7.3", "replay", alias_any_alias),
]

CORRECT = {
    "7.1": [w.reference.passes_validation, validation_loop],
    "7.2": [w.reference.rollback_target, rollback_loop],
    "7.3": [w.reference.alias_at, alias_replay],
}
