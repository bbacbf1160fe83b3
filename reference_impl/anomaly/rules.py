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

Request groups: when the frame has a :data:`REQUEST_GROUP_COLUMN` (``request_group``) column, the duplicate
rule compares rows only within the same group (the column is added to its keys). The service uses it when
it scores several requests in one micro-batch: two clients' trades must not be called duplicates of each
other just because they share a batch. Without the column, the whole frame is one group.

Speed: :func:`rule_masks` evaluates every rule once over the frame as numpy masks, converting each column
once and avoiding pandas string operations (which cost a fixed ~0.1 ms each on a frame of a few rows, the
size the service scores). Per-row :class:`RuleHit` objects are built only for the rows that need them.
"""

from __future__ import annotations

import hashlib
import json
import operator
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

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


#: Name of the optional column that splits a frame into independent requests for the duplicate rule.
REQUEST_GROUP_COLUMN = "request_group"

#: Up to this many eligible rows, the duplicate rule looks for shared keys with Python tuples (no pandas
#: hashing); above it, with ``DataFrame.duplicated``. Both only shortlist rows; the decision is the same.
SMALL_FRAME_ROWS = 256


def _compare(values: np.ndarray, op: str, threshold: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return _OPS[op](values, threshold) & ~np.isnan(values)


def _is_missing(value: Any) -> bool:
    """NaN, None, NA or NaT: values pandas groups together but Python tuples do not compare equal."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False


class FrameColumns:
    """The columns rules read, each converted once per evaluation and shared by every rule.

    Why: on the few-row frames the service scores, each pandas column access or string operation has a
    fixed cost far above the work itself; the late-booking and duplicate rules both need the
    ``event_type`` membership, and several rules read the same column. ``floats`` may be seeded with
    columns the caller already converted (the detector's model matrix).
    """

    def __init__(self, features: pd.DataFrame, floats: dict[str, np.ndarray] | None = None) -> None:
        self.frame = features
        self.n = len(features)
        self._floats: dict[str, np.ndarray] = dict(floats or {})
        self._members: dict[tuple[str, tuple[Any, ...]], np.ndarray] = {}

    def __contains__(self, column: str) -> bool:
        return column in self.frame.columns

    def floats(self, column: str) -> np.ndarray:
        """The column as float64 (cached)."""
        if column not in self._floats:
            self._floats[column] = self.frame[column].to_numpy(dtype=np.float64)
        return self._floats[column]

    def isin(self, column: str, values: Sequence[Any]) -> np.ndarray:
        """``Series.isin(values)`` via a Python set: same mask, without pandas' per-call cost (cached)."""
        key = (column, tuple(values))
        if key not in self._members:
            allowed = frozenset(values)
            objects = self.frame[column].to_numpy(dtype=object)
            self._members[key] = np.fromiter((v in allowed for v in objects), dtype=bool, count=self.n)
        return self._members[key]

    def values(self, column: str, rows: np.ndarray) -> list[Any]:
        """Python values of ``rows``; numeric columns come from the float cache (no new conversion)."""
        if column in self._floats or pd.api.types.is_numeric_dtype(self.frame[column].dtype):
            return self.floats(column)[rows].tolist()
        return self.frame[column].to_numpy(dtype=object)[rows].tolist()


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
    #: False for a request-only feature (e.g. what the caller claimed): a frame without the column never fires.
    required: bool = True

    def evaluate(self, features: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the rows this rule fires on."""
        return self.mask(FrameColumns(features))

    def mask(self, columns: FrameColumns) -> np.ndarray:
        """:meth:`evaluate` on columns shared with the other rules of a set."""
        if not self.required and self.feature not in columns:
            return np.zeros(columns.n, dtype=bool)
        mask = _compare(columns.floats(self.feature), self.op, self.threshold)
        if self.only_if is not None:
            col, op, threshold = self.only_if
            mask &= _compare(columns.floats(col), op, threshold)
        if self.event_types is not None and "event_type" in columns:
            mask &= columns.isin("event_type", self.event_types)
        return mask

    def reason(self, value: float) -> str:
        """The reviewer-facing sentence for one hit."""
        return self.text.format(value=value, threshold=self.threshold)


@dataclass(frozen=True)
class DuplicateRule:
    """Flag every row that repeats the ``keys`` of an earlier-booked row in the same batch.

    The first booking of a trade is not flagged; each later copy is. Only rows whose ``event_type`` is in
    ``event_types`` take part (amendments legitimately repeat economics). Works within one batch: a
    single request cannot see the earlier booking (see Notes in the module docs). When the frame has a
    :data:`REQUEST_GROUP_COLUMN` column, rows in different groups are never duplicates of each other.
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
        return self.mask(FrameColumns(features))

    def group_keys(self, columns: FrameColumns) -> list[str]:
        """The keys two rows must share to be copies: ``keys``, plus the request group when present."""
        return [*self.keys, REQUEST_GROUP_COLUMN] if REQUEST_GROUP_COLUMN in columns else list(self.keys)

    def mask(self, columns: FrameColumns) -> np.ndarray:
        """:meth:`evaluate` on columns shared with the other rules of a set."""
        mask = np.zeros(columns.n, dtype=bool)
        if columns.n < 2:  # a single event has no earlier booking in the batch
            return mask
        eligible = columns.isin("event_type", self.event_types) if "event_type" in columns else np.ones(columns.n, bool)
        keys = self.group_keys(columns)
        rows = _rows_sharing_keys(columns, np.flatnonzero(eligible), keys)
        if rows.size == 0:  # the usual case: every eligible row is unique, nothing to order
            return mask
        cols = list(dict.fromkeys([*keys, self.order_by]))
        ranked = columns.frame.iloc[rows][cols].assign(_pos=rows)
        ranked = ranked.sort_values([self.order_by, "_pos"], kind="stable")
        dup = ranked.duplicated(subset=keys, keep="first").to_numpy()
        mask[ranked["_pos"].to_numpy(dtype=np.intp)[dup]] = True
        return mask

    def reason(self, value: object) -> str:
        return self.text.format(value=value)


def _rows_sharing_keys(columns: FrameColumns, rows: np.ndarray, keys: list[str]) -> np.ndarray:
    """The subset of ``rows`` whose keys equal those of another row in ``rows`` (a superset when unsure).

    Why: ordering and ``duplicated`` then run on these few rows only; every row left out is unique, so it
    is neither flagged nor the first booking of a flagged copy. Small sets are narrowed one key at a
    time in Python (numeric keys first: they are already converted, and one key with all-distinct values
    ends the search); a missing value counts as shared, so Python equality may keep more rows than pandas
    would group, never fewer.
    """
    if rows.size < 2:
        return rows[:0]
    if rows.size > SMALL_FRAME_ROWS:
        return rows[columns.frame.iloc[rows][keys].duplicated(keep=False).to_numpy()]
    numeric_first = sorted(keys, key=lambda k: not pd.api.types.is_numeric_dtype(columns.frame[k].dtype))
    for key in numeric_first:
        values = columns.values(key, rows)
        counts = Counter(v for v in values if not _is_missing(v))
        keep = np.fromiter((_is_missing(v) or counts[v] > 1 for v in values), dtype=bool, count=len(values))
        rows = rows[keep]
        if rows.size < 2:
            return rows[:0]
    return rows


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
                raise ConfigError(
                    f"rule {r.code}: only_if operator must be one of {sorted(_OPS)}, got {r.only_if[1]!r}"
                )
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


def rule_masks(ruleset: RuleSet, features: pd.DataFrame, floats: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Every rule over every row as a boolean matrix of shape (rules, rows), in rule order.

    The one place rules are evaluated: :func:`evaluate_rules` and the detector's decision paths start
    here, so they cannot disagree. ``floats`` optionally holds columns already converted to float64
    (``features[c].to_numpy(dtype=np.float64)``), which are then not converted again.

    Raises
    ------
    DataValidationError
        If a column a rule reads is missing.
    """
    optional = {r.feature for r in ruleset.rules if isinstance(r, ThresholdRule) and not r.required}
    missing = [c for c in ruleset.features if c not in features.columns and c not in optional]
    if missing:
        raise DataValidationError(
            f"rule set {ruleset.name} {ruleset.version} needs column(s) missing from the features: {missing}"
        )
    columns = FrameColumns(features, floats)
    masks = np.zeros((len(ruleset.rules), len(features)), dtype=bool)
    for k, rule in enumerate(ruleset.rules):
        masks[k] = rule.mask(columns)
    return masks


def flagging_rows(ruleset: RuleSet, masks: np.ndarray) -> np.ndarray:
    """Rows on which at least one flagging rule fired (context-only rules, ``flags=False``, never flag)."""
    flags = np.fromiter((r.flags for r in ruleset.rules), dtype=bool, count=len(ruleset.rules))
    return masks[flags].any(axis=0)


def rule_hits(ruleset: RuleSet, features: pd.DataFrame, masks: np.ndarray, rows: Sequence[int]) -> list[list[RuleHit]]:
    """The :class:`RuleHit` objects of ``rows`` (positions), in rule order, from :func:`rule_masks`' output.

    Why separate: building hits (value lookup, reason text) costs microseconds per hit, and a decision
    only needs them for the rows a reviewer will see.
    """
    positions = np.asarray(rows, dtype=np.intp)
    out: list[list[RuleHit]] = [[] for _ in range(positions.size)]
    if positions.size == 0:
        return out
    for rule, fired in zip(ruleset.rules, masks[:, positions]):
        if not fired.any():
            continue
        column = features[rule.feature]
        for j in np.flatnonzero(fired).tolist():
            raw = column.iat[int(positions[j])]
            value: float | str
            if isinstance(rule, ThresholdRule):
                value = float(raw)
                text = rule.reason(value)
            else:
                value = str(raw)
                text = rule.reason(value)
            out[j].append(RuleHit(rule.code, text, rule.feature, value, rule.flags))
    return out


def evaluate_rules(ruleset: RuleSet, features: pd.DataFrame) -> list[list[RuleHit]]:
    """Every rule over every row: one list of hits per row (empty when nothing fires), in rule order.

    Raises
    ------
    DataValidationError
        If a column a rule reads is missing.
    """
    masks = rule_masks(ruleset, features)
    hits: list[list[RuleHit]] = [[] for _ in range(len(features))]
    rows = np.flatnonzero(masks.any(axis=0)).tolist()
    for i, row_hits in zip(rows, rule_hits(ruleset, features, masks, rows)):
        hits[i] = row_hits
    return hits


# ----------------------------------------------------------------------------------------------------------
# The rule set. One declaration per rule; change a rule -> bump RULESET_VERSION (a test enforces it).
# ----------------------------------------------------------------------------------------------------------

RULESET_VERSION = "2026.11.3"

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

# Reconciliation of what the caller says (request path only; a stored trade has no caller claim, so batch frames
# lack these columns and the rules never fire there). The service recomputes notional_usd from quantity, price and
# the instrument currency's USD rate; notional_usd_claim_gap is |claimed - recomputed| / recomputed (NaN when the
# caller sent none). 5 % covers the latest-rate vs trade-date-rate difference and rounding; a x1000 fat finger
# disguised by a hand-written notional is a gap of ~1.0.
notional_claim_mismatch = ThresholdRule(
    code="R_NOTIONAL_MISMATCH",
    feature="notional_usd_claim_gap",
    op=">",
    threshold=0.05,
    text="the USD notional sent differs by {value:.0%} from quantity x price x FX (tolerance {threshold:.0%})",
    owner="product-control",
    description="The booking's own economics decide; a notional that disagrees with them is a typo or a disguise.",
    required=False,
)

# currency_mismatch is 1.0 when the event's currency is not the instrument's in the reference data (NaN for an
# instrument the reference data does not know). The price is quoted in the instrument's currency.
currency_not_instruments = ThresholdRule(
    code="R_CURRENCY_MISMATCH",
    feature="currency_mismatch",
    op="==",
    threshold=1.0,
    text="the trade's currency is not the instrument's currency in the reference data",
    owner="operations",
    description="A wrong currency mis-states the notional by the FX rate (x150 for JPY on a USD instrument).",
    required=False,
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
        notional_claim_mismatch,
        currency_not_instruments,
    ),
)


__all__ = [
    "DEFAULT_RULESET",
    "DuplicateRule",
    "FrameColumns",
    "REQUEST_GROUP_COLUMN",
    "RULESET_VERSION",
    "Rule",
    "RuleHit",
    "RuleSet",
    "SMALL_FRAME_ROWS",
    "ThresholdRule",
    "evaluate_rules",
    "flagging_rows",
    "rule_hits",
    "rule_masks",
    "validate_ruleset",
]
