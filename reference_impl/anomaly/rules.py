"""Declarative, versioned business rules for trade-capture events.

Rules are the controls an operations team already understands: a notional above the desk limit, a price
far from the reference, a booking outside trading hours or later than the SLA, the same trade booked
twice. They run next to the model (and alone when the model is unavailable), each hit carrying a reason a
reviewer can read without knowing any ML.

The rule set below is a flat list of module-level declarations, in the style of a Feast feature
definitions file: one object per rule, with a code, the feature it reads, a threshold, an owner and a
one-line comment that says why. A :class:`RuleSet` has a ``version`` that every decision records, and a
``digest`` of its content; ``tests/unit/anomaly`` pins the pair, so changing a rule without bumping the
version fails CI — change management, enforced.

Rules read the feature frame from :func:`reference_impl.features.build_trade_features` (the columns are
listed in docs/contracts.md), so batch scoring, the service and the fallback path all evaluate the same
values.
"""

from __future__ import annotations

import hashlib
import json
import operator
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from reference_impl.errors import ConfigError, DataValidationError

_OPS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
}


def _compare(column: pd.Series, op: str, threshold: float) -> np.ndarray:
    values = column.to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return _OPS[op](values, threshold) & ~np.isnan(values)


@dataclass(frozen=True)
class ThresholdRule:
    """Flag a row when ``feature <op> threshold`` (NaN never fires: a missing value is not evidence).

    ``text`` is a ``str.format`` template; it may use ``{value}`` and ``{threshold}``. ``only_if`` is an
    optional second condition ``(feature, op, threshold)`` that must also hold; ``event_types`` limits the
    rule to those capture events (an amendment is booked long after execution by design). A rule with
    ``flags=False`` is context: it adds its reason to a row flagged for another reason, but never flags
    a row on its own (for signals too common in normal flow to alert on).
    """

    code: str
    feature: str
    op: str
    threshold: float
    text: str
    owner: str
    description: str = ""
    only_if: tuple[str, str, float] | None = None
    event_types: tuple[str, ...] | None = None
    flags: bool = True

    def evaluate(self, features: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the rows this rule fires on."""
        mask = _compare(features[self.feature], self.op, self.threshold)
        if self.only_if is not None:
            col, op, threshold = self.only_if
            mask &= _compare(features[col], op, threshold)
        if self.event_types is not None and "event_type" in features.columns:
            mask &= features["event_type"].isin(self.event_types).to_numpy()
        return mask

    def reason(self, value: float) -> str:
        """The reviewer-facing sentence for one hit."""
        return self.text.format(value=value, threshold=self.threshold)


@dataclass(frozen=True)
class DuplicateRule:
    """Flag every row that repeats the ``keys`` of an earlier-booked row in the same batch.

    The first booking of a trade is not flagged; each later copy is. Only rows whose ``event_type`` is in
    ``event_types`` take part (amendments legitimately repeat economics). Works within one batch: a
    single request cannot see the earlier booking (see Notes in the module docs).
    """

    code: str
    keys: tuple[str, ...]
    text: str
    owner: str
    order_by: str = "booking_ts"
    event_types: tuple[str, ...] = ("new",)
    description: str = ""
    flags: bool = True

    @property
    def feature(self) -> str:
        return self.order_by

    def evaluate(self, features: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the later copies."""
        if len(features) < 2:  # a single event has no earlier booking in the batch
            return np.zeros(len(features), dtype=bool)
        eligible = features["event_type"].isin(self.event_types).to_numpy() if "event_type" in features else np.ones(len(features), bool)
        cols = list(dict.fromkeys([*self.keys, self.order_by]))
        ranked = features.loc[eligible, cols].assign(_pos=np.flatnonzero(eligible))
        ranked = ranked.sort_values([self.order_by, "_pos"], kind="stable")
        dup = ranked.duplicated(subset=list(self.keys), keep="first")
        mask = np.zeros(len(features), dtype=bool)
        mask[ranked.loc[dup, "_pos"].to_numpy(dtype=np.intp)] = True
        return mask

    def reason(self, value: object) -> str:
        return self.text.format(value=value)


Rule = ThresholdRule | DuplicateRule


@dataclass(frozen=True)
class RuleSet:
    """A named, versioned collection of rules; every decision records ``version``."""

    name: str
    version: str
    owner: str
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        validate_ruleset(self)

    @property
    def digest(self) -> str:
        """SHA-256 of the rule definitions: changes whenever any rule changes."""
        payload = [{"type": type(r).__name__, **asdict(r)} for r in self.rules]
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    @property
    def features(self) -> list[str]:
        """Columns the rules read (plus the duplicate keys)."""
        cols: list[str] = []
        for r in self.rules:
            if isinstance(r, ThresholdRule):
                cols.extend([r.feature] + ([r.only_if[0]] if r.only_if else []))
            else:
                cols.extend([*r.keys, r.order_by])
        return list(dict.fromkeys(cols))

    def rule(self, code: str) -> Rule:
        """The rule with this code."""
        for r in self.rules:
            if r.code == code:
                return r
        raise ConfigError(f"rule set {self.name} {self.version} has no rule {code!r}")


def validate_ruleset(ruleset: RuleSet) -> None:
    """Reject rule sets a reviewer could not trust: no version, duplicate codes, unknown operators."""
    if not ruleset.version or not str(ruleset.version).strip():
        raise ConfigError(f"rule set {ruleset.name!r} needs a version: every decision records it")
    codes = [r.code for r in ruleset.rules]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise ConfigError(f"rule set {ruleset.name!r} has duplicate rule codes: {dupes}")
    for r in ruleset.rules:
        if isinstance(r, ThresholdRule):
            if r.op not in _OPS:
                raise ConfigError(f"rule {r.code}: operator must be one of {sorted(_OPS)}, got {r.op!r}")
            if r.only_if is not None and r.only_if[1] not in _OPS:
                raise ConfigError(f"rule {r.code}: only_if operator must be one of {sorted(_OPS)}, got {r.only_if[1]!r}")
            if not np.isfinite(r.threshold):
                raise ConfigError(f"rule {r.code}: threshold must be finite, got {r.threshold!r}")


@dataclass(frozen=True)
class RuleHit:
    """One rule firing on one row."""

    code: str
    text: str
    feature: str
    value: float | str | None
    flags: bool = True


def evaluate_rules(ruleset: RuleSet, features: pd.DataFrame) -> list[list[RuleHit]]:
    """Every rule over every row: one list of hits per row (empty when nothing fires), in rule order.

    Raises
    ------
    DataValidationError
        If a column a rule reads is missing.
    """
    missing = [c for c in ruleset.features if c not in features.columns]
    if missing:
        raise DataValidationError(f"rule set {ruleset.name} {ruleset.version} needs column(s) missing from the features: {missing}")
    hits: list[list[RuleHit]] = [[] for _ in range(len(features))]
    for rule in ruleset.rules:
        mask = rule.evaluate(features)
        column = features[rule.feature]
        for i in np.flatnonzero(mask):
            raw = column.iat[i]
            value = float(raw) if isinstance(rule, ThresholdRule) else str(raw)
            hits[i].append(RuleHit(rule.code, rule.reason(value), rule.feature, value, rule.flags))
    return hits


# ----------------------------------------------------------------------------------------------------------
# The rule set. One declaration per rule; change a rule -> bump RULESET_VERSION (a test enforces it).
# ----------------------------------------------------------------------------------------------------------

RULESET_VERSION = "2026.11.2"

# Desk limits are set by risk per desk; the feature is notional_usd / the desk's notional_limit_usd.
notional_above_desk_limit = ThresholdRule(
    code="R_NOTIONAL_LIMIT",
    feature="notional_to_desk_limit",
    op=">",
    threshold=1.0,
    text="notional is {value:.1f}x the desk's notional limit",
    owner="market-risk",
    description="A single trade above the desk limit needs a pre-approval; without one it is a breach.",
)

# Equities scatter a few bps around the reference; 50 bps away is an off-market price or a typo.
price_off_reference = ThresholdRule(
    code="R_PRICE_DEVIATION",
    feature="abs_price_deviation_bps",
    op=">",
    threshold=50.0,
    text="price is {value:.0f} bps away from the reference price (limit {threshold:.0f} bps)",
    owner="product-control",
    description="Off-market prices move P&L between counterparties and can hide mis-marking.",
)

# off_hours is 1.0 outside the desk's local session (desk time zone, weekends, holidays). Normal flow has
# pre-/post-market trades, so on its own it would alert on ~8 % of trades: context, not an alert.
booked_outside_trading_hours = ThresholdRule(
    code="R_OFF_HOURS",
    feature="off_hours",
    op="==",
    threshold=1.0,
    text="executed outside the desk's trading hours",
    owner="trading-supervision",
    description="Trades outside the session need a reason (client request, other venue).",
    flags=False,
)

# booking_delay_sla_ratio is (booking_ts - exec_ts) / the desk's booking SLA.
booking_beyond_sla = ThresholdRule(
    code="R_LATE_BOOKING",
    feature="booking_delay_sla_ratio",
    op=">",
    threshold=1.0,
    text="booked {value:.1f}x the desk's booking SLA after execution",
    owner="operations",
    event_types=("new",),
    description="Late bookings leave risk and P&L wrong in the meantime; regulators ask for timely capture.",
)

# A second booking of the same economics and execution time under a new trade id double-counts risk.
duplicate_booking = DuplicateRule(
    code="R_DUPLICATE",
    keys=("trader_id", "counterparty_id", "instrument_id", "exec_ts", "notional_usd"),
    text="same trader, counterparty, instrument, execution time and notional as an earlier booking",
    owner="operations",
    description="Duplicates double-count positions and settle twice if not cancelled.",
)

# A counterparty onboarded weeks ago doing a trade far above the trader's usual size: onboarding and credit
# checks may not have caught up (counterparty_age_days is NaN for an unknown counterparty: never fires).
large_trade_new_counterparty = ThresholdRule(
    code="R_NEW_CPTY_LARGE",
    feature="notional_zscore_7d",
    op=">",
    threshold=3.0,
    text="size {value:.1f} standard deviations above the trader's week, with a counterparty onboarded < 30 days ago",
    owner="credit-risk",
    description="Credit limits for new counterparties start small; large first trades need sign-off.",
    only_if=("counterparty_age_days", "<", 30.0),
)

# opposite_side_matches_1h counts the trader's earlier trades in the same instrument with the same counterparty,
# opposite side and identical quantity within an hour: the second leg of a wash trade.
wash_trade_leg = ThresholdRule(
    code="R_WASH_TRADE",
    feature="opposite_side_matches_1h",
    op=">",
    threshold=0.0,
    text="reverses {value:.0f} earlier trade(s) of the same size with the same counterparty within an hour",
    owner="trading-supervision",
    description="Buying and selling the same quantity back and forth creates volume without risk transfer.",
)

DEFAULT_RULESET = RuleSet(
    name="trade-capture-controls",
    version=RULESET_VERSION,
    owner="operations-control",
    rules=(
        notional_above_desk_limit,
        price_off_reference,
        booked_outside_trading_hours,
        booking_beyond_sla,
        duplicate_booking,
        large_trade_new_counterparty,
        wash_trade_leg,
    ),
)


__all__ = [
    "DEFAULT_RULESET",
    "DuplicateRule",
    "RULESET_VERSION",
    "Rule",
    "RuleHit",
    "RuleSet",
    "ThresholdRule",
    "evaluate_rules",
    "validate_ruleset",
]
