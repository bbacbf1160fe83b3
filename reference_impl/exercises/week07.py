"""Week 7 exercises: change control on a model registry.

Three exercises, each a control a model-risk reviewer will test:

* 7.1 :func:`passes_validation` — a challenger passes only if every rule holds; a *missing* or NaN metric
  fails (never passes by default), and "no worse than the champion" applies only when there is one.
* 7.2 :func:`rollback_target` — roll back to the newest *earlier* version that was validated and approved;
  versions are numbers ("10" comes after "9"), and a version already rolled back from is skipped.
* 7.3 :func:`alias_at` — which version was ``@champion`` when a decision was made? Replay the audit log's
  alias moves; timestamps are compared as times, not strings (``+01:00`` is not UTC).

Each ships *not started* in the notebook; ``check.hint(id)`` gives graded hints and ``check.solution(id)`` shows
a readable solution (the ``solution_*`` functions; the ``reference`` delegates to ``reference_impl.lifecycle``).
The notebook imports ``check`` and ``reference`` from :mod:`reference_impl.exercises.week07_mlflow`, which adds the
raw-MLflow exercises 7.4–7.6.

Examples
--------
>>> EXERCISES["7.2"].evaluate(solution_rollback_target)  # the number of cases passed
13
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from reference_impl.exercises.framework import Case, CheckBook, Exercise, Requirement, with_requirements
from reference_impl.lifecycle.registry import ModelVersionInfo
from reference_impl.lifecycle.registry import alias_at as _alias_at
from reference_impl.lifecycle.registry import rollback_target as _rollback_target
from reference_impl.lifecycle.validation import Threshold, check_threshold

# --------------------------------------------------------------------------------------------------------------
# Reference solutions (they delegate to the library)
# --------------------------------------------------------------------------------------------------------------


def passes_validation(
    challenger: Mapping[str, float], champion: Mapping[str, float] | None, rules: Sequence[Threshold]
) -> bool:
    """True when the challenger's metrics meet every rule (see :func:`~reference_impl.lifecycle.validation.check_threshold`).

    ``champion`` is ``None`` when nothing is in production yet; then ``max_drop`` rules do not apply.

    >>> passes_validation({"recall": 0.7}, {"recall": 0.8}, [Threshold("recall", max_drop=0.05)])
    False
    """
    return all(check_threshold(rule, challenger, champion).passed for rule in rules)


def _as_info(v: Mapping[str, Any]) -> ModelVersionInfo:
    return ModelVersionInfo(
        name="m",
        version=str(v["version"]),
        run_id="",
        source="",
        aliases=(),
        model_digest="",
        training_data_digest="",
        submitted_by="",
        validation_status=v["validation_status"],
        validated_at="",
        approval_status=v["approval_status"],
        approved_by="",
        approved_at="",
        rolled_back=bool(v.get("rolled_back", False)),
    )


def rollback_target(versions: Sequence[Mapping[str, Any]], current: str) -> str | None:
    """The version number a rollback from ``current`` moves ``@champion`` to, or ``None``.

    Each version is a dict with ``version`` (str), ``approval_status``, ``validation_status`` and ``rolled_back``.

    >>> rollback_target([{"version": "1", "approval_status": "approved", "validation_status": "passed",
    ...                   "rolled_back": False}], "2")
    '1'
    """
    target = _rollback_target([_as_info(v) for v in versions], str(current))
    return None if target is None else target.version


def alias_at(moves: Sequence[Mapping[str, Any]], alias: str, when: str) -> str | None:
    """The version ``alias`` pointed at, at ISO time ``when`` (tz-aware), from recorded alias moves."""
    return _alias_at(moves, alias, when)


# Readable solutions: what check.solution(...) shows (the reference above delegates to the library, which
# also serves the registry; these solve the exercise in a few plain lines and pass the same check)


def solution_passes_validation(
    challenger: Mapping[str, float], champion: Mapping[str, float] | None, rules: Sequence[Threshold]
) -> bool:
    """True when the challenger's metrics meet every rule; a missing or NaN metric fails its rule."""
    for rule in rules:
        value = challenger.get(rule.metric)
        if value is None or not math.isfinite(value):  # missing or NaN: never a pass by default
            return False
        if rule.min_value is not None and value < rule.min_value:  # bounds are inclusive
            return False
        if rule.max_value is not None and value > rule.max_value:
            return False
        base = None if champion is None else champion.get(rule.metric)
        if rule.max_drop is not None and base is not None:  # no champion value: only the bounds apply
            if base - value > rule.max_drop + 1e-12:  # 0.80 - 0.75 is 0.05000000000000004 in floats
                return False
    return True


def solution_rollback_target(versions: Sequence[Mapping[str, Any]], current: str) -> str | None:
    """The newest version before ``current`` that is approved, validated and was not rolled back from."""
    candidates = [
        int(v["version"])  # numbers: as text "9" > "10"
        for v in versions
        if v["approval_status"] == "approved"
        and v["validation_status"] == "passed"
        and not v["rolled_back"]
        and int(v["version"]) < int(current)  # a rollback goes back in time
    ]
    return str(max(candidates)) if candidates else None


def solution_alias_at(moves: Sequence[Mapping[str, Any]], alias: str, when: str) -> str | None:
    """The version ``alias`` pointed at, at ISO time ``when``: replay its moves in time order."""
    import datetime as dt

    at = dt.datetime.fromisoformat(when)  # an instant: "+01:00" is not UTC
    mine = sorted(
        (m for m in moves if m["alias"] == alias),  # only this alias's moves
        key=lambda m: dt.datetime.fromisoformat(m["ts"]),  # the log may be unsorted
    )
    version = None  # before the first move the alias did not exist
    for move in mine:
        if dt.datetime.fromisoformat(move["ts"]) > at:
            break
        version = move["to_version"]  # a move at exactly `when` has happened; None deletes the alias
    return version


reference = SimpleNamespace(passes_validation=passes_validation, rollback_target=rollback_target, alias_at=alias_at)

# --------------------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------------------

_RECALL = Threshold("recall", min_value=0.5, max_drop=0.05)
_PRECISION = Threshold("precision", min_value=0.2)


def validation_cases() -> list[Case]:
    good = {"recall": 0.8, "precision": 0.4}
    return [
        Case("first model, no champion", (good, None, [_RECALL, _PRECISION]), expected=True),
        Case(
            "exactly at the floor",
            ({"recall": 0.5, "precision": 0.2}, None, [_RECALL, _PRECISION]),
            expected=True,
            hint="a floor is inclusive: value >= min_value passes",
        ),
        Case("below a floor", ({"recall": 0.49, "precision": 0.4}, None, [_RECALL, _PRECISION]), expected=False),
        Case(
            "exactly at a ceiling",
            ({"latency_ms": 10.0}, None, [Threshold("latency_ms", max_value=10.0)]),
            expected=True,
            hint="a ceiling is inclusive: value <= max_value passes",
        ),
        Case(
            "above a ceiling", ({"latency_ms": 10.5}, None, [Threshold("latency_ms", max_value=10.0)]), expected=False
        ),
        Case(
            "metric missing",
            ({"recall": 0.8}, None, [_RECALL, _PRECISION]),
            expected=False,
            hint="a metric the challenger did not report cannot pass a rule: treat missing as a failure",
        ),
        Case(
            "metric is NaN",
            ({"recall": 0.8, "precision": math.nan}, None, [_RECALL, _PRECISION]),
            expected=False,
            hint="NaN compares False with everything, so `not value < floor` lets it through: check math.isnan",
        ),
        Case(
            "small drop vs champion", (good, {"recall": 0.84, "precision": 0.4}, [_RECALL, _PRECISION]), expected=True
        ),
        Case(
            "drop exactly at the allowance",
            ({"recall": 0.75, "precision": 0.4}, {"recall": 0.80}, [_RECALL]),
            expected=True,
            hint="the allowed drop is inclusive (allow for float rounding: 0.80 - 0.75 > 0.05 in floats)",
        ),
        Case(
            "large drop vs champion",
            (good, {"recall": 0.9, "precision": 0.4}, [_RECALL, _PRECISION]),
            expected=False,
            hint="max_drop compares with the champion's value on the same backtest: champion - challenger <= max_drop",
        ),
        Case(
            "champion lacks the metric",
            (good, {"precision": 0.4}, [_RECALL, _PRECISION]),
            expected=True,
            hint="without a champion value there is nothing to compare against: skip max_drop, keep the bounds",
        ),
        Case("a better challenger", (good, {"recall": 0.6, "precision": 0.3}, [_RECALL, _PRECISION]), expected=True),
    ]


def _v(version: str, approved: bool = True, passed: bool = True, rolled_back: bool = False) -> dict[str, Any]:
    return {
        "version": version,
        "approval_status": "approved" if approved else "pending",
        "validation_status": "passed" if passed else "failed",
        "rolled_back": rolled_back,
    }


def rollback_cases() -> list[Case]:
    return [
        Case("previous version", ([_v("1"), _v("2")], "2"), expected="1"),
        Case(
            "skip unapproved",
            ([_v("1"), _v("2", approved=False), _v("3")], "3"),
            expected="1",
            hint="only approved versions may ever be champion",
        ),
        Case("skip failed validation", ([_v("1"), _v("2", passed=False), _v("3")], "3"), expected="1"),
        Case(
            "skip rolled-back",
            ([_v("1"), _v("2", rolled_back=True), _v("3")], "3"),
            expected="1",
            hint="a version we already rolled back from was withdrawn for a reason; skip it",
        ),
        Case(
            "numeric order",
            ([_v("8"), _v("9"), _v("10")], "10"),
            expected="9",
            hint="compare versions as numbers: as strings '9' > '10'",
        ),
        Case(
            "nothing earlier",
            ([_v("1")], "1"),
            expected=None,
            hint="return None when no earlier approved version exists (the registry then refuses)",
        ),
        Case(
            "later versions ignored",
            ([_v("1"), _v("2"), _v("3")], "2"),
            expected="1",
            hint="a rollback goes back in time: only versions earlier than the current champion count",
        ),
        Case("unsorted input", ([_v("3"), _v("1"), _v("2")], "3"), expected="2"),
    ]


def _move(ts: str, to: str | None, alias: str = "champion", frm: str | None = None) -> dict[str, Any]:
    return {"ts": ts, "alias": alias, "from_version": frm, "to_version": to}


_MOVES = [
    _move("2026-03-02T09:00:00+00:00", "1"),
    _move("2026-03-09T09:00:00+00:00", "2", frm="1"),
    _move("2026-03-10T14:30:00+00:00", "1", frm="2"),  # rollback
    _move("2026-03-05T12:00:00+00:00", "2", alias="challenger"),
]


def alias_cases() -> list[Case]:
    return [
        Case("between moves", (_MOVES, "champion", "2026-03-05T00:00:00+00:00"), expected="1"),
        Case(
            "before any move",
            (_MOVES, "champion", "2026-03-01T00:00:00+00:00"),
            expected=None,
            hint="before the first move the alias did not exist: None",
        ),
        Case(
            "at the moment of a move",
            (_MOVES, "champion", "2026-03-09T09:00:00+00:00"),
            expected="2",
            hint="a move at exactly `when` has happened (<=, not <)",
        ),
        Case("after a rollback", (_MOVES, "champion", "2026-03-11T00:00:00+00:00"), expected="1"),
        Case("other aliases ignored", (_MOVES, "challenger", "2026-03-09T10:00:00+00:00"), expected="2"),
        Case(
            "a challenger move does not move the champion",
            (_MOVES, "champion", "2026-03-06T00:00:00+00:00"),
            expected="1",
            hint="replay only the moves of the alias you were asked about",
        ),
        Case(
            "unsorted moves",
            (list(reversed(_MOVES)), "champion", "2026-03-09T12:00:00+00:00"),
            expected="2",
            hint="sort the moves by time before replaying them",
        ),
        Case(
            "alias deleted",
            (_MOVES[:1] + [_move("2026-03-03T09:00:00+00:00", None, frm="1")], "champion", "2026-03-04T00:00:00+00:00"),
            expected=None,
            hint="a move with to_version None deletes the alias",
        ),
        Case(
            "offsets are times, not text",
            (_MOVES, "champion", "2026-03-09T09:30:00+01:00"),
            expected="1",
            hint="09:30+01:00 is 08:30 UTC, before the 09:00 UTC move: parse with datetime.fromisoformat and "
            "compare datetimes, not strings",
        ),
    ]


# --------------------------------------------------------------------------------------------------------------
# Requirements (the bullets the notebook shows) and random cases
# --------------------------------------------------------------------------------------------------------------

VALIDATION_REQS = (
    Requirement(
        "floor",
        "a rule's `min_value` and `max_value` are inclusive bounds: `min_value <= value <= max_value` passes",
        "bounds are inclusive: value >= min_value and value <= max_value pass",
    ),
    Requirement(
        "missing",
        "a missing or NaN metric fails its rule (it never passes by default)",
        "a metric the challenger did not report, or NaN, cannot pass a rule: check for it explicitly (math.isnan)",
    ),
    Requirement(
        "drop",
        "a rule's `max_drop` compares with the champion: `champion - challenger <= max_drop` passes (inclusive, "
        "allowing for float rounding)",
        "max_drop compares with the champion's value on the same backtest: champion - challenger <= max_drop "
        "(+ a small tolerance: 0.80 - 0.75 > 0.05 in floats)",
    ),
    Requirement(
        "champion",
        "without a champion, or when the champion lacks the metric, `max_drop` is skipped: only `min_value` and "
        "`max_value` apply",
        "without a champion value there is nothing to compare against: skip max_drop, keep the bounds",
    ),
)
_VALIDATION_TABLE = {
    "first model, no champion": "champion",
    "exactly at the floor": "floor",
    "below a floor": "floor",
    "exactly at a ceiling": "floor",
    "above a ceiling": "floor",
    "metric missing": "missing",
    "metric is NaN": "missing",
    "small drop vs champion": "drop",
    "drop exactly at the allowance": "drop",
    "large drop vs champion": "drop",
    "champion lacks the metric": "champion",
    "a better challenger": "drop",
}

ROLLBACK_REQS = (
    Requirement(
        "eligible",
        "only versions that are approved, passed validation and were not rolled back from are candidates",
        "only approved, validated versions may be champion; skip a version we already rolled back from",
    ),
    Requirement(
        "earlier",
        "only versions earlier than `current` count: return the newest of them, or `None` when there is none",
        "a rollback goes back in time: the newest version earlier than the current champion, else None",
    ),
    Requirement(
        "numeric",
        'versions are numbers ("10" comes after "9"), and the input may be in any order',
        "compare versions as numbers (int(v)): as strings '9' > '10'",
    ),
)
_ROLLBACK_TABLE = {
    "previous version": "earlier",
    "skip unapproved": "eligible",
    "skip failed validation": "eligible",
    "skip rolled-back": "eligible",
    "numeric order": "numeric",
    "nothing earlier": "earlier",
    "later versions ignored": "earlier",
    "unsorted input": "numeric",
}


def rollback_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for k in range(5):
        n = int(rng.integers(3, 14))
        versions = [
            _v(
                str(i),
                approved=bool(rng.random() < 0.8),
                passed=bool(rng.random() < 0.8),
                rolled_back=bool(rng.random() < 0.15),
            )
            for i in range(1, n + 1)
        ]
        order = rng.permutation(n)
        current = str(int(rng.integers(2, n + 1)))
        cases.append(
            Case(
                f"random registry {k + 1}: {n} versions, unsorted, current {current}",
                ([versions[int(i)] for i in order], current),
                req="earlier",
            )
        )
    return cases


ALIAS_REQS = (
    Requirement(
        "replay",
        "replay the moves of `alias` only, in time order (the moves may be unsorted); a move to `None` deletes the "
        "alias",
        "filter on the alias, sort the moves by time, and take the last one at or before `when`",
    ),
    Requirement(
        "inclusive",
        "a move at exactly `when` has happened; before the first move the alias did not exist (`None`)",
        "a move at exactly `when` has happened (<=, not <); before any move: None",
    ),
    Requirement(
        "instants",
        "compare times, not text: `+01:00` is not UTC",
        "parse with datetime.fromisoformat and compare datetimes, not strings",
    ),
)
_ALIAS_TABLE = {
    "between moves": "replay",
    "before any move": "inclusive",
    "at the moment of a move": "inclusive",
    "after a rollback": "replay",
    "other aliases ignored": "replay",
    "a challenger move does not move the champion": "replay",
    "unsorted moves": "replay",
    "alias deleted": "replay",
    "offsets are times, not text": "instants",
}


def alias_random_cases(rng: np.random.Generator) -> list[Case]:
    import datetime as dt

    base = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    zones = [dt.timezone(dt.timedelta(hours=h)) for h in (-5, 0, 1, 9)]
    cases = []
    for k in range(5):
        n = int(rng.integers(3, 10))
        minutes = np.sort(rng.choice(5000, size=n, replace=False))
        moves = [
            _move(
                (base + dt.timedelta(minutes=int(m))).astimezone(zones[int(rng.integers(0, 4))]).isoformat(),
                None if rng.random() < 0.1 else str(int(rng.integers(1, 6))),
                alias=str(rng.choice(["champion", "champion", "challenger"])),
            )
            for m in minutes
        ]
        at = base + dt.timedelta(minutes=int(rng.choice(minutes)) + int(rng.choice([-90, 0, 0, 30])))
        when = at.astimezone(zones[int(rng.integers(0, 4))]).isoformat()
        shuffled = [moves[int(i)] for i in rng.permutation(n)]
        cases.append(
            Case(
                f"random history {k + 1}: {n} moves, mixed offsets, unsorted",
                (shuffled, "champion", when),
                req="replay",
            )
        )
    return cases


def validation_random_cases(rng: np.random.Generator) -> list[Case]:
    """Random rule sets on a 0.05 grid (so values land exactly on bounds and allowances), with missing and NaN
    metrics, champions that lack a metric or are absent; the expected answer comes from the reference."""
    metrics = ("recall", "precision", "average_precision", "latency_ms")
    grid = np.round(np.arange(0.0, 1.0001, 0.05), 2)
    cases = []
    for k in range(10):
        rules = []
        for metric in rng.choice(metrics, size=int(rng.integers(1, 4)), replace=False):
            kind = int(rng.integers(0, 4))
            rules.append(
                Threshold(
                    str(metric),
                    min_value=float(rng.choice(grid[:13])) if kind in (0, 3) else None,
                    max_value=float(rng.choice(grid[10:])) if kind == 1 else None,
                    max_drop=float(rng.choice([0.0, 0.05, 0.1])) if kind in (2, 3) else None,
                )
            )
        challenger: dict[str, float] = {}
        for metric in metrics:
            draw = rng.random()
            if draw < 0.06:
                continue  # missing
            challenger[metric] = math.nan if draw < 0.1 else float(rng.choice(grid[6:]))
        champion = None
        if rng.random() < 0.75:
            champion = {m: float(rng.choice(grid)) for m in metrics if rng.random() < 0.8}
        cases.append(
            Case(
                f"random rules {k + 1}: {len(rules)} rule(s), {'no champion' if champion is None else 'a champion'}",
                (challenger, champion, rules),
                req="drop",
            )
        )
    return cases


def _validation_cases() -> list[Case]:
    cases = validation_cases()
    ceiling = [c for c in cases if "ceiling" in c.name]  # last: a solution that forgets max_value gets other hints
    return with_requirements([c for c in cases if c not in ceiling] + ceiling, _VALIDATION_TABLE)


_HINTS = {
    "7.1": (
        "Loop over the rules and return False at the first one that fails; return True after the loop. Each rule "
        "looks up `challenger.get(rule.metric)`.",
        "Handle the missing value first: `None` or NaN fails the rule (`math.isfinite` catches NaN). Then the "
        "bounds, inclusive: `value < min_value` fails, `value == min_value` passes.",
        "The drop rule needs a champion value: `base = None if champion is None else champion.get(rule.metric)`; "
        "skip it when `base is None`. Floats: 0.80 - 0.75 is 0.05000000000000004, so allow a tiny tolerance.",
        "for rule in rules:\n"
        "    value = challenger.get(rule.metric)\n"
        "    if value is None or not math.isfinite(value): return False\n"
        "    if rule.min_value is not None and value < rule.min_value: return False\n"
        "    if rule.max_value is not None and value > rule.max_value: return False\n"
        "    base = None if champion is None else champion.get(rule.metric)\n"
        "    if rule.max_drop is not None and base is not None and base - value > rule.max_drop + 1e-12:\n"
        "        return False\n"
        "return True",
    ),
    "7.2": (
        "Filter first, then pick: keep the versions a champion could be, and of those the newest one before `current`.",
        "A candidate is approved (`approval_status == 'approved'`), validated (`validation_status == 'passed'`) "
        "and not `rolled_back`, and its number is below `current`'s. Compare `int(v['version'])`: as text '9' > "
        "'10'.",
        "candidates = [int(v['version']) for v in versions\n"
        "              if v['approval_status'] == 'approved' and v['validation_status'] == 'passed'\n"
        "              and not v['rolled_back'] and int(v['version']) < int(current)]\n"
        "return str(max(candidates)) if candidates else None",
    ),
    "7.3": (
        "Replay the history: start with None (no alias yet), walk the moves of this alias in time order, and "
        "remember each move's `to_version` until you pass `when`.",
        "Parse every timestamp with `datetime.fromisoformat` and compare datetimes: as text, "
        "'2026-03-09T09:30:00+01:00' sorts after '2026-03-09T09:00:00+00:00' although it is half an hour "
        "earlier. A move at exactly `when` has happened (`<=`).",
        "at = dt.datetime.fromisoformat(when)\n"
        "mine = sorted((m for m in moves if m['alias'] == alias), key=lambda m: dt.datetime.fromisoformat(m['ts']))\n"
        "version = None\n"
        "for m in mine:\n"
        "    if dt.datetime.fromisoformat(m['ts']) > at: break\n"
        "    version = m['to_version']\n"
        "return version",
    ),
}


EXERCISES = {
    "7.1": Exercise(
        "7.1",
        "does a challenger pass?",
        VALIDATION_REQS,
        cases=_validation_cases,
        reference=passes_validation,
        random_cases=validation_random_cases,
        seed=701,
        hints=_HINTS["7.1"],
        solution=solution_passes_validation,
        fallback=passes_validation,  # later cells keep the library-backed reference
    ),
    "7.2": Exercise(
        "7.2",
        "the rollback target",
        ROLLBACK_REQS,
        cases=lambda: with_requirements(rollback_cases(), _ROLLBACK_TABLE),
        reference=rollback_target,
        random_cases=rollback_random_cases,
        seed=702,
        hints=_HINTS["7.2"],
        solution=solution_rollback_target,
        fallback=rollback_target,
    ),
    "7.3": Exercise(
        "7.3",
        "which version was champion at the time?",
        ALIAS_REQS,
        cases=lambda: with_requirements(alias_cases(), _ALIAS_TABLE),
        reference=alias_at,
        random_cases=alias_random_cases,
        seed=703,
        hints=_HINTS["7.3"],
        solution=solution_alias_at,
        fallback=alias_at,
    ),
}

# --------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------


def check_passes_validation(func: Callable[..., Any]) -> Any:
    """Exercise 7.1: run ``func(challenger, champion, rules)`` against the validation cases."""
    return EXERCISES["7.1"].check(func)


def check_rollback_target(func: Callable[..., Any]) -> Any:
    """Exercise 7.2: run ``func(versions, current)`` against the rollback cases."""
    return EXERCISES["7.2"].check(func)


def check_alias_at(func: Callable[..., Any]) -> Any:
    """Exercise 7.3: run ``func(moves, alias, when)`` against the alias-history cases."""
    return EXERCISES["7.3"].check(func)


check = CheckBook(
    EXERCISES,
    passes_validation="7.1",
    rollback_target="7.2",
    alias_at="7.3",
)

__all__ = [
    "EXERCISES",
    "Threshold",
    "alias_at",
    "check",
    "check_alias_at",
    "check_passes_validation",
    "check_rollback_target",
    "passes_validation",
    "reference",
    "rollback_target",
    "solution_alias_at",
    "solution_passes_validation",
    "solution_rollback_target",
]
