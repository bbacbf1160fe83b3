"""Validation reports: a challenger's metrics against the champion's on the same backtest.

Why "the same backtest": comparing a challenger's fresh test score with a champion's months-old
one compares two datasets, not two models. Both models are scored by one function over one
time-based split, and every threshold is checked in the open, so an approver reads *which* check
failed and by how much.

Examples
--------
>>> rules = [Threshold("recall", min_value=0.5), Threshold("precision", max_drop=0.05)]
>>> report = build_report("m", "2", {"recall": 0.8, "precision": 0.70},
...                       champion_version="1", champion_metrics={"recall": 0.7, "precision": 0.80},
...                       thresholds=rules, backtest="holdout")
>>> report.passed, [c.passed for c in report.checks]
(False, [True, False])
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from reference_impl.errors import ConfigError


@dataclass(frozen=True)
class Threshold:
    """One rule a challenger must meet.

    Parameters
    ----------
    metric : str
        Metric name, as logged (``recall``, ``f1.passport``...).
    min_value, max_value : float, optional
        Absolute floor / ceiling on the challenger's value.
    max_drop : float, optional
        Largest allowed fall below the champion's value on the same backtest (absolute units);
        ignored when there is no champion yet.
    """

    metric: str
    min_value: float | None = None
    max_value: float | None = None
    max_drop: float | None = None

    def describe(self) -> str:
        parts = []
        if self.min_value is not None:
            parts.append(f">= {self.min_value:g}")
        if self.max_value is not None:
            parts.append(f"<= {self.max_value:g}")
        if self.max_drop is not None:
            parts.append(f"drop vs champion <= {self.max_drop:g}")
        return f"{self.metric} " + ", ".join(parts) if parts else self.metric


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one :class:`Threshold` (``detail`` says why it failed)."""

    rule: str
    metric: str
    challenger: float | None
    champion: float | None
    passed: bool
    detail: str


@dataclass(frozen=True)
class ValidationReport:
    """Everything an approver needs to decide on a challenger, JSON-serialisable."""

    model: str
    version: str
    backtest: str
    challenger_metrics: dict[str, float]
    champion_version: str | None
    champion_metrics: dict[str, float]
    checks: list[CheckResult] = field(default_factory=list)
    created_at: str = ""

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def status(self) -> str:
        return "passed" if self.passed else "failed"

    def failures(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["passed"] = self.passed
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, indent=2, default=str)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ValidationReport:
        checks = [CheckResult(**c) for c in data.get("checks", [])]
        fields = {
            k: data[k]
            for k in (
                "model",
                "version",
                "backtest",
                "challenger_metrics",
                "champion_version",
                "champion_metrics",
                "created_at",
            )
            if k in data
        }
        return cls(checks=checks, **fields)

    def to_markdown(self) -> str:
        vs = f"champion v{self.champion_version}" if self.champion_version else "no champion yet"
        lines = [
            f"### Validation of {self.model} v{self.version} ({vs}, backtest: {self.backtest})",
            "",
            f"**Result: {self.status.upper()}**",
            "",
            "| rule | challenger | champion | result |",
            "| --- | --- | --- | --- |",
        ]
        for c in self.checks:
            lines.append(
                f"| {c.rule} | {_fmt(c.challenger)} | {_fmt(c.champion)} | "
                f"{'pass' if c.passed else 'FAIL: ' + c.detail} |"
            )
        return "\n".join(lines) + "\n"


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def check_threshold(
    rule: Threshold, challenger: Mapping[str, float], champion: Mapping[str, float] | None
) -> CheckResult:
    """Apply one rule; a missing or NaN challenger metric fails (never passes silently).

    >>> check_threshold(Threshold("auc", min_value=0.6), {"auc": 0.55}, None).detail
    'auc 0.5500 is below the floor 0.6'
    """
    value = challenger.get(rule.metric)
    base = None if champion is None else champion.get(rule.metric)
    desc = rule.describe()
    if value is None or not math.isfinite(float(value)):
        return CheckResult(desc, rule.metric, None, base, False, f"{rule.metric} missing from the challenger's metrics")
    value = float(value)
    if rule.min_value is not None and value < rule.min_value:
        return CheckResult(
            desc, rule.metric, value, base, False, f"{rule.metric} {value:.4f} is below the floor {rule.min_value:g}"
        )
    if rule.max_value is not None and value > rule.max_value:
        return CheckResult(
            desc, rule.metric, value, base, False, f"{rule.metric} {value:.4f} is above the ceiling {rule.max_value:g}"
        )
    if rule.max_drop is not None and base is not None and math.isfinite(float(base)):
        drop = float(base) - value
        if drop > rule.max_drop + 1e-12:
            return CheckResult(
                desc,
                rule.metric,
                value,
                float(base),
                False,
                f"{rule.metric} fell {drop:.4f} below the champion (allowed {rule.max_drop:g})",
            )
    return CheckResult(desc, rule.metric, value, None if base is None else float(base), True, "ok")


def build_report(
    model: str,
    version: str,
    challenger_metrics: Mapping[str, float],
    *,
    champion_version: str | None,
    champion_metrics: Mapping[str, float] | None,
    thresholds: Sequence[Threshold],
    backtest: str,
    now: dt.datetime | None = None,
) -> ValidationReport:
    """Check every threshold and return the report (pure: no I/O)."""
    if not thresholds:
        raise ConfigError(f"no validation thresholds configured for model {model!r}")
    champ = dict(champion_metrics or {}) if champion_version is not None else None
    checks = [check_threshold(rule, challenger_metrics, champ) for rule in thresholds]
    created = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    return ValidationReport(
        model=model,
        version=str(version),
        backtest=backtest,
        challenger_metrics={k: float(v) for k, v in sorted(challenger_metrics.items())},
        champion_version=None if champion_version is None else str(champion_version),
        champion_metrics={k: float(v) for k, v in sorted((champion_metrics or {}).items())},
        checks=checks,
        created_at=created,
    )


#: Evaluates a native model on one fixed backtest and returns its metrics.
Evaluator = Callable[[Any], Mapping[str, float]]

#: The thresholds each registered model must meet (model-risk policy, versioned with the code).
DEFAULT_THRESHOLDS: dict[str, list[Threshold]] = {
    "trade-anomaly": [
        Threshold("recall", min_value=0.30, max_drop=0.05),
        Threshold("precision", min_value=0.15, max_drop=0.05),
        Threshold("average_precision", min_value=0.15, max_drop=0.05),
    ],
    "kyc-classifier": [
        Threshold("accuracy", min_value=0.75, max_drop=0.02),
        Threshold("macro_f1", min_value=0.80, max_drop=0.02),
        Threshold("auto_accept_precision", min_value=0.90),
    ],
}


__all__ = [
    "CheckResult",
    "DEFAULT_THRESHOLDS",
    "Evaluator",
    "Threshold",
    "ValidationReport",
    "build_report",
    "check_threshold",
]
