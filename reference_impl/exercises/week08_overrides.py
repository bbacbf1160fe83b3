"""Exercise 8.3: apply analyst overrides to the model's decisions, keeping what the model said.

The detector applies :class:`~reference_impl.anomaly.overrides.OverrideSet` rules after the model and the rules
(``reference_impl.anomaly.detector.final_flag``). This exercise asks the learner to write that step on a decision
frame: which overrides are active *now*, which rows each matches, who wins when two disagree, and what the audit
trail must still show (the model's own flag and score, the override ids applied and the expired ones that would
have applied). ``week08`` adds it to the week's ``check``.

>>> EXERCISE.evaluate(apply_overrides)  # the number of cases passed
30
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from reference_impl.anomaly.overrides import Override, OverrideSet
from reference_impl.exercises.framework import Case, Exercise, Requirement, Structural, compare_values

ADDED_COLUMNS = ("model_flagged", "overrides", "expired_overrides")

# --------------------------------------------------------------------------------------------------------------
# Reference solution (the library's own matching and expiry) and the readable one check.solution shows
# --------------------------------------------------------------------------------------------------------------


def apply_overrides(decisions: pd.DataFrame, overrides: Sequence[Override], now: dt.datetime) -> pd.DataFrame:
    """Final flags after the active overrides (force-flag beats suppress), with the model's flag and the ids kept."""
    out = decisions.copy()
    out["model_flagged"] = decisions["flagged"].astype(bool).to_numpy()
    masks = [(o, o.matches(decisions)) for o in overrides]
    applied, expired, final = [], [], []
    for i, model_flag in enumerate(out["model_flagged"].tolist()):
        hits = [o for o, mask in masks if mask[i]]
        active = [o for o in hits if o.is_active(now)]
        applied.append([o.override_id for o in active])
        expired.append([o.override_id for o in hits if not o.is_active(now) and o.expires_at <= now])
        actions = {o.action for o in active}
        final.append(True if "force_flag" in actions else False if "suppress" in actions else model_flag)
    out["flagged"] = final
    out["overrides"] = applied
    out["expired_overrides"] = expired
    return out


def solution_apply_overrides(decisions: pd.DataFrame, overrides: Sequence[Override], now: dt.datetime) -> pd.DataFrame:
    """Final flags after the active overrides (force-flag beats suppress), with the model's flag and the ids kept."""
    out = decisions.copy()
    out["model_flagged"] = decisions["flagged"].astype(bool)  # the model's own decision stays in the record
    final, applied, expired = [], [], []
    for _, row in decisions.iterrows():
        hit = [o for o in overrides if all(k in row.index and str(row[k]) == str(v) for k, v in o.match.items())]
        active = [o for o in hit if o.created_at <= now < o.expires_at]
        actions = {o.action for o in active}
        if "force_flag" in actions:  # two analysts disagree: a human looks at it
            final.append(True)
        elif "suppress" in actions:
            final.append(False)
        else:
            final.append(bool(row["flagged"]))
        applied.append([o.override_id for o in active])
        expired.append([o.override_id for o in hit if o.expires_at <= now])
    out["flagged"] = final
    out["overrides"] = applied
    out["expired_overrides"] = expired
    return out


# --------------------------------------------------------------------------------------------------------------
# Requirements and cases
# --------------------------------------------------------------------------------------------------------------

OVERRIDE_REQS = (
    Requirement(
        "active",
        "an override applies only while it is active, `created_at <= now < expires_at`: one that has expired (or "
        "starts later) changes nothing, and a matching one whose expiry has passed is listed in `expired_overrides`",
        "use o.is_active(now) (created_at <= now < expires_at): at exactly expires_at it has expired, and one "
        "created after `now` has not started; list the ids of matching expired ones (o.expires_at <= now) in "
        "expired_overrides, not in overrides",
    ),
    Requirement(
        "match",
        "it matches a row when *every* column in its `match` equals the row's value, compared as text (`str`); a "
        "`match` column the frame lacks matches no row",
        "use o.matches(decisions) (all match columns, compared with astype(str)), or all(str(row[k]) == str(v) "
        "...) — every key, not any; a missing column matches nothing",
    ),
    Requirement(
        "precedence",
        "`force_flag` sets `flagged`, `suppress` clears it, and `force_flag` wins when both apply to a row, whatever "
        "their order",
        "collect the actions of the row's active overrides: 'force_flag' in them -> True, else 'suppress' -> False, "
        "else the model's flag; not the first or last override in the list",
    ),
    Requirement(
        "audit",
        "return a copy with `flagged` the final flag and `score` unchanged, plus `model_flagged` (the input's "
        "`flagged`), `overrides` (ids of every active override that matched, in the given order) and "
        "`expired_overrides`",
        "the model's own decision is evidence: keep score as it was, copy the input flag to model_flagged before "
        "changing flagged, and list every applied id (o.override_id), not just the one that decided",
    ),
)

_T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _decisions() -> pd.DataFrame:
    """Eight decisions of one morning: a client's month-end rebalancing, a counterparty under investigation."""
    return pd.DataFrame(
        {
            "trade_id": [f"T{i:04d}" for i in range(8)],
            "counterparty_id": ["CP0042", "CP0042", "CP0007", "CP0007", "CP0013", "CP0042", "CP0099", "CP0013"],
            "desk": ["rates", "fx", "rates", "fx", "rates", "rates", "fx", "fx"],
            "book": [7, 7, 8, 8, 7, 9, 8, 7],
            "score": [0.71, 0.64, 0.22, 0.58, 0.12, 0.69, 0.81, 0.31],
            "flagged": [True, True, False, True, False, True, True, False],
        },
        index=pd.Index([101, 102, 103, 104, 105, 106, 107, 108], name="row"),
    )


def _set(*specs: tuple[str, dict[str, str], int, int]) -> list[Override]:
    """Overrides added through the real OverrideSet: (action, match, created day offset, lifetime in days)."""
    s = OverrideSet(authorised_users=frozenset({"ops.lead"}))
    for action, match, start, days in specs:
        created = _T0 + dt.timedelta(days=start)
        s = s.add(
            action=action,  # type: ignore[arg-type]
            match=match,
            reason=f"{action} for {sorted(match.items())}: ticket OPS-{len(s.overrides) + 100}",
            actor="ops.lead",
            expires_at=created + dt.timedelta(days=days),
            now=created,
        )
    return list(s.overrides)


def _compare(got: Any, expected: Any) -> str | None:
    if not isinstance(got, pd.DataFrame):
        return Structural(f"expected a DataFrame, got {type(got).__name__}")
    missing = [c for c in expected.columns if c not in got.columns]
    if missing:
        return Structural(f"columns missing: {missing} (add {list(ADDED_COLUMNS)} to a copy of the input)")
    if len(got) != len(expected):
        return Structural(f"expected {len(expected)} rows (one per decision), got {len(got)}")
    got = got[list(expected.columns)].reset_index(drop=True)
    for col in ("overrides", "expired_overrides"):
        got[col] = [list(v) if isinstance(v, (list, tuple, np.ndarray)) else v for v in got[col]]
    return compare_values(got, expected.reset_index(drop=True))


def _case(name: str, overrides: list[Override], now: dt.datetime, req: str, frame: Any = None, hint: str = "") -> Case:
    decisions = _decisions() if frame is None else frame
    expected = apply_overrides(decisions, overrides, now)
    return Case(name, (decisions, overrides, now), expected=expected, compare=_compare, req=req, hint=hint)


def override_cases() -> list[Case]:
    # ordered so a mistake's first failing case names its requirement: the output's shape, then each rule
    suppress_42 = ("suppress", {"counterparty_id": "CP0042"}, 0, 30)
    force_07 = ("force_flag", {"counterparty_id": "CP0007"}, 0, 30)
    rates = ("suppress", {"desk": "rates"}, 0, 30)
    now, day = _T0 + dt.timedelta(days=1), dt.timedelta(days=1)
    month_end = _set(suppress_42)
    return [
        _case("no overrides: nothing changes but the audit columns", [], now, "audit"),
        _case("suppress a client's month-end rebalancing", month_end, now, "audit"),
        _case("force-flag a counterparty under investigation", _set(force_07), now, "audit"),
        _case("suppress and force-flag on different counterparties", _set(suppress_42, force_07), now, "audit"),
        _case(
            "suppress an unflagged trade: it stays unflagged",
            _set(("suppress", {"counterparty_id": "CP0013"}, 0, 30)),
            now,
            "precedence",
        ),
        _case("two suppressions of one row: both ids recorded", _set(suppress_42, rates), now, "audit"),
        _case("the day before it expires", month_end, _T0 + dt.timedelta(days=29, hours=23), "active"),
        _case("exactly at its expiry", month_end, _T0 + 30 * day, "active"),
        _case("a week after its expiry", month_end, _T0 + 37 * day, "active"),
        _case(
            "created tomorrow, not yet active", _set(("suppress", {"counterparty_id": "CP0042"}, 2, 30)), now, "active"
        ),
        _case(
            "one expired, one active, same counterparty",
            _set(("suppress", {"counterparty_id": "CP0042"}, 0, 1), ("force_flag", {"desk": "fx"}, 0, 30)),
            _T0 + 2 * day,
            "active",
        ),
        _case(
            "expired override on a row also suppressed by an active one",
            _set(("suppress", {"desk": "rates"}, 0, 1), suppress_42),
            _T0 + 3 * day,
            "active",
        ),
        _case(
            "counterparty and desk must both match",
            _set(("suppress", {"counterparty_id": "CP0042", "desk": "rates"}, 0, 30)),
            now,
            "match",
        ),
        _case(
            "book is a number in the frame, text in the override",
            _set(("suppress", {"book": "7"}, 0, 30)),
            now,
            "match",
        ),
        _case("desk and book must both match", _set(("force_flag", {"desk": "fx", "book": "7"}, 0, 30)), now, "match"),
        _case(
            "a match column the frame lacks",
            _set(("suppress", {"trader_id": "TR001"}, 0, 30)),
            now,
            "match",
            hint="no trader_id column: an override on trader_id matches no row",
        ),
        _case(
            "force-flag listed before suppress",
            _set(("force_flag", {"counterparty_id": "CP0042"}, 0, 30), rates),
            now,
            "precedence",
        ),
        _case(
            "suppress listed before force-flag",
            _set(rates, ("force_flag", {"counterparty_id": "CP0042"}, 0, 30)),
            now,
            "precedence",
        ),
        _case(
            "force-flag an already flagged trade",
            _set(("force_flag", {"counterparty_id": "CP0099"}, 0, 30)),
            now,
            "precedence",
        ),
    ]


def override_random_cases(rng: np.random.Generator) -> list[Case]:
    """Random mornings (6-20 decisions) and 1-5 random overrides, judged at a random moment."""
    cases = []
    cps, desks, books = ["CP0007", "CP0013", "CP0042", "CP0099"], ["rates", "fx", "credit"], [7, 8, 9]
    values: dict[str, list[Any]] = {"counterparty_id": cps, "desk": desks, "book": books}
    for k in range(11):
        n = int(rng.integers(6, 21))
        frame = pd.DataFrame(
            {
                "trade_id": [f"R{k:02d}{i:03d}" for i in range(n)],
                "counterparty_id": rng.choice(cps, n).tolist(),
                "desk": rng.choice(desks, n).tolist(),
                "book": rng.choice(books, n).tolist(),
                "score": np.round(rng.uniform(0, 1, n), 3),
                "flagged": (rng.uniform(0, 1, n) < 0.4).tolist(),
            },
            index=pd.Index(rng.permutation(1000)[:n], name="row"),
        )
        specs = []
        for _ in range(int(rng.integers(1, 6))):
            key = str(rng.choice(["counterparty_id", "desk", "book", "both"]))
            match = (
                {"counterparty_id": str(rng.choice(cps)), "desk": str(rng.choice(desks))}
                if key == "both"
                else {key: str(rng.choice(values[key]))}
            )
            action = str(rng.choice(["suppress", "force_flag"]))
            specs.append((action, match, int(rng.integers(0, 10)), int(rng.integers(1, 91))))
        now = _T0 + dt.timedelta(days=int(rng.integers(0, 40)), hours=int(rng.integers(0, 24)))
        kind = ("active", "match", "precedence", "audit")[k % 4]
        cases.append(
            _case(
                f"random morning {k + 1}: {n} decisions, {len(specs)} overrides", _set(*specs), now, kind, frame=frame
            )
        )
    return cases


_HINTS = (
    "Work row by row: which overrides match this row, which of those are active now, and what do their "
    "actions say? Start from a copy of the frame and keep the model's flag in `model_flagged` first.",
    "`o.matches(decisions)` gives a boolean mask per override (every match column, compared as text) and "
    "`o.is_active(now)` says whether it applies (`created_at <= now < expires_at`). Force-flag wins over "
    "suppress in either order; an expired override changes nothing but is listed in `expired_overrides`.",
    'out = decisions.copy(); out["model_flagged"] = decisions["flagged"].astype(bool)\n'
    "masks = [(o, o.matches(decisions)) for o in overrides]\n"
    "for each row i: hit = [o for o, m in masks if m[i]]; active = [o for o in hit if o.is_active(now)]\n"
    "flag = True if any force_flag in active, False if any suppress, else the model's flag\n"
    "overrides = ids of active; expired_overrides = ids of hit with o.expires_at <= now",
)

EXERCISE = Exercise(
    "8.3",
    "apply analyst overrides",
    OVERRIDE_REQS,
    cases=override_cases,
    reference=apply_overrides,
    random_cases=override_random_cases,
    seed=803,
    structure_req="audit",  # a frame without the audit columns gets the audit hint, whatever the case tests
    hints=_HINTS,
    solution=solution_apply_overrides,
)


def check_apply_overrides(func: Any) -> Any:
    """Exercise 8.3: ``func(decisions, overrides, now)``."""
    return EXERCISE.check(func)


__all__ = [
    "ADDED_COLUMNS",
    "EXERCISE",
    "OVERRIDE_REQS",
    "apply_overrides",
    "check_apply_overrides",
    "solution_apply_overrides",
]
