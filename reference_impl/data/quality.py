"""Dataframe validation for trade events: a full data-quality report, not a first-error exception.

A control function wants to know *everything* wrong with a feed (how many nulls, which columns
drifted, which events are duplicated or late) before deciding to reject it; stopping at the
first problem hides the rest. :func:`validate_trades` runs every check and returns a
:class:`QualityReport`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from reference_impl.data.anomalies import ANOMALY_NAMES
from reference_impl.data.schemas import BOOKED_CURRENCIES
from reference_impl.data.trades import EVENT_TYPES, SIDES

#: Expected kind of every trade column; ``str``, ``float``, ``bool`` or ``utc`` (tz-aware datetime).
TRADE_SCHEMA: dict[str, str] = {
    "trade_id": "str",
    "event_type": "str",
    "orig_trade_id": "str",
    "exec_ts": "utc",
    "booking_ts": "utc",
    "desk": "str",
    "book": "str",
    "trader_id": "str",
    "counterparty_id": "str",
    "instrument_id": "str",
    "asset_class": "str",
    "currency": "str",
    "side": "str",
    "quantity": "float",
    "price": "float",
    "notional": "float",
    "notional_usd": "float",
    "venue": "str",
    "booking_system": "str",
    "is_anomaly": "bool",
    "anomaly_type": "str",
}
NULLABLE: frozenset[str] = frozenset({"orig_trade_id", "anomaly_type"})
#: Label columns may be absent (a feed to be scored has no labels).
OPTIONAL: frozenset[str] = frozenset({"is_anomaly", "anomaly_type"})
DEFAULT_MAX_BOOKING_DELAY = pd.Timedelta(days=7)
N_EXAMPLES = 5


@dataclass(frozen=True)
class QualityIssue:
    """One problem: its kind, the column concerned, how many rows, a few example row positions."""

    kind: str
    column: str | None
    count: int
    examples: list[int]
    message: str


@dataclass
class QualityReport:
    """Everything the validator found. ``ok`` is true when there are no issues."""

    dataset: str
    n_rows: int
    n_columns: int
    nulls: dict[str, int] = field(default_factory=dict)
    issues: list[QualityIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    def kinds(self) -> set[str]:
        """The set of issue kinds found (handy in tests and alerts)."""
        return {issue.kind for issue in self.issues}

    def to_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "ok": self.ok,
            "n_rows": self.n_rows,
            "n_columns": self.n_columns,
            "nulls": dict(self.nulls),
            "issues": [asdict(i) for i in self.issues],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def summary(self) -> str:
        """Readable text: one header line, then one line per issue."""
        head = f"{self.dataset}: {self.n_rows:,} rows x {self.n_columns} columns - " + (
            "OK, no issues" if self.ok else f"{len(self.issues)} issue(s)"
        )
        lines = [head]
        for issue in self.issues:
            col = f"[{issue.column}] " if issue.column else ""
            rows = f" (rows {', '.join(map(str, issue.examples))})" if issue.examples else ""
            lines.append(f"  - {issue.kind}: {col}{issue.message}{rows}")
        return "\n".join(lines)


def _issue(kind: str, column: str | None, mask: np.ndarray | pd.Series, message: str) -> QualityIssue | None:
    mask = np.asarray(mask, dtype=bool)
    count = int(mask.sum())
    if count == 0:
        return None
    return QualityIssue(kind, column, count, np.flatnonzero(mask)[:N_EXAMPLES].tolist(), message.format(n=count))


def _kind_of(series: pd.Series) -> str:
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "utc"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "naive"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "float"
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        return "str"
    return str(dtype)


def _schema_issues(df: pd.DataFrame) -> tuple[list[QualityIssue], set[str]]:
    """Missing, renamed, unexpected and wrongly typed columns; returns the usable columns too."""
    issues: list[QualityIssue] = []
    missing = [c for c in TRADE_SCHEMA if c not in df.columns and c not in OPTIONAL]
    extra = [c for c in df.columns if c not in TRADE_SCHEMA]
    for col in missing:
        guess = difflib.get_close_matches(col, extra, n=1, cutoff=0.5)
        if guess:
            extra.remove(guess[0])
            issues.append(
                QualityIssue(
                    "renamed_column",
                    col,
                    len(df),
                    [],
                    f"column missing; '{guess[0]}' looks like it was renamed from it",
                )
            )
        else:
            issues.append(QualityIssue("missing_column", col, len(df), [], "required column is missing"))
    for col in extra:
        issues.append(QualityIssue("unexpected_column", col, len(df), [], "column is not in the trade schema"))
    usable = set()
    for col, want in TRADE_SCHEMA.items():
        if col not in df.columns:
            continue
        series = df[col]
        got = _kind_of(series)
        if got == want or series.isna().all():  # an all-null column has no type; its nulls are reported
            usable.add(col)
            continue
        if want in ("float", "bool") and got == "str":
            bad = pd.to_numeric(series, errors="coerce").isna() & series.notna()
            issues.append(
                _issue("wrong_type", col, bad, f"expected {want}, found text; {{n}} value(s) do not parse")
                or QualityIssue("wrong_type", col, len(df), [], f"expected {want}, found text")
            )
        elif want == "utc" and got == "naive":
            issues.append(QualityIssue("wrong_type", col, len(df), [], "timestamps are naive; expected tz-aware UTC"))
        else:
            issues.append(QualityIssue("wrong_type", col, len(df), [], f"expected {want}, found {series.dtype}"))
    return issues, usable


def validate_trades(
    df: pd.DataFrame,
    ref: Mapping[str, pd.DataFrame] | None = None,
    *,
    dataset: str = "trades",
    max_booking_delay: pd.Timedelta = DEFAULT_MAX_BOOKING_DELAY,
) -> QualityReport:
    """Check a trades frame against the contract and (optionally) reference data.

    Parameters
    ----------
    df : DataFrame
        Trade events, one per row, expected sorted by ``booking_ts``.
    ref : dict, optional
        Reference data (``instruments``, ``desks``, ``counterparties``, ``traders``) for key checks.
    dataset : str
        Name used in the report.
    max_booking_delay : Timedelta
        Bookings later than this after execution are reported as ``late_event``.

    Returns
    -------
    QualityReport
        Issue kinds: ``missing_column, renamed_column, unexpected_column, wrong_type,
        null_values, duplicate_event, out_of_order, booking_before_exec, late_event,
        invalid_value, notional_mismatch, orphan_event, unknown_reference``.

    Examples
    --------
    >>> import pandas as pd
    >>> report = validate_trades(pd.DataFrame({"trade_id": ["T1"]}))
    >>> report.ok, "missing_column" in report.kinds()
    (False, True)
    """
    issues, usable = _schema_issues(df)
    nulls = {c: int(df[c].isna().sum()) for c in df.columns}
    add = issues.append

    def check(issue: QualityIssue | None) -> None:
        if issue is not None:
            add(issue)

    for col in TRADE_SCHEMA:
        if col in df.columns and col not in NULLABLE:
            check(_issue("null_values", col, df[col].isna(), "{n} null value(s)"))

    if "trade_id" in usable:
        check(
            _issue(
                "duplicate_event",
                "trade_id",
                df["trade_id"].duplicated(keep="first") & df["trade_id"].notna(),
                "{n} event(s) repeat an earlier trade_id",
            )
        )
    if "booking_ts" in usable:
        booking = df["booking_ts"]
        previous_max = booking.cummax().shift(1)
        check(
            _issue(
                "out_of_order",
                "booking_ts",
                (booking < previous_max).fillna(False),
                "{n} event(s) arrive after events booked later (file must be sorted by booking_ts)",
            )
        )
        if "exec_ts" in usable:
            delay = booking - df["exec_ts"]
            check(
                _issue(
                    "booking_before_exec",
                    "booking_ts",
                    (delay < pd.Timedelta(0)).fillna(False),
                    "{n} event(s) booked before they were executed",
                )
            )
            check(
                _issue(
                    "late_event",
                    "booking_ts",
                    (delay > max_booking_delay).fillna(False),
                    f"{{n}} event(s) booked more than {max_booking_delay} after execution",
                )
            )

    for col in ("quantity", "price", "notional"):
        if col in usable:
            check(
                _issue(
                    "invalid_value",
                    col,
                    (df[col] <= 0) | ~np.isfinite(df[col].fillna(1.0)),
                    "{n} value(s) not strictly positive and finite",
                )
            )
    categorical = {
        "side": SIDES,
        "event_type": EVENT_TYPES,
        "currency": BOOKED_CURRENCIES,
        "anomaly_type": ANOMALY_NAMES,
        "asset_class": ("equity", "fx", "govt_bond", "irs"),
    }
    for col, allowed in categorical.items():
        if col in usable:
            check(
                _issue(
                    "invalid_value",
                    col,
                    df[col].notna() & ~df[col].isin(allowed),
                    f"{{n}} value(s) outside {sorted(allowed)[:8]}",
                )
            )
    if {"quantity", "price", "notional"} <= usable:
        expected = df["quantity"] * df["price"]
        check(
            _issue(
                "notional_mismatch",
                "notional",
                ((df["notional"] - expected).abs() > 1e-6 * expected.abs() + 0.01).fillna(False),
                "{n} notional(s) differ from quantity * price",
            )
        )
    if {"event_type", "orig_trade_id", "trade_id"} <= usable:
        follow_up = df["event_type"].isin(["amend", "cancel"])
        orphan = follow_up & ~df["orig_trade_id"].isin(df.loc[df["event_type"] == "new", "trade_id"])
        check(
            _issue(
                "orphan_event", "orig_trade_id", orphan, "{n} amend/cancel event(s) refer to no known original trade"
            )
        )
    if ref is not None:
        keys = {
            "instrument_id": ("instruments", "instrument_id"),
            "desk": ("desks", "desk"),
            "counterparty_id": ("counterparties", "counterparty_id"),
            "trader_id": ("traders", "trader_id"),
        }
        for col, (table, key) in keys.items():
            if col in usable and table in ref:
                unknown = df[col].notna() & ~df[col].isin(ref[table][key])
                check(_issue("unknown_reference", col, unknown, f"{{n}} value(s) not found in reference {table}"))
    return QualityReport(dataset=dataset, n_rows=len(df), n_columns=df.shape[1], nulls=nulls, issues=issues)


__all__ = ["NULLABLE", "TRADE_SCHEMA", "QualityIssue", "QualityReport", "validate_trades"]
