"""A trade anomaly detection service (ibml portfolio lab, project A).

Milestones (``tests/test_m<N>_*.py``):

1. :func:`trade_features` — point-in-time per-trade features (no look-ahead);
2. :func:`fit_detector` and :func:`rules_only` — an isolation forest with a threshold from an alert rate,
   rules and reason codes, one :class:`Decision` per trade;
3. :class:`AuditLog` — an append-only, hash-chained audit record that detects edits, deletions, reordering;
4. :func:`anomaly_lab.api.create_app` — the FastAPI service: API keys and roles, strict bodies, a rules-only
   fallback, every decision audited;
5. :func:`evaluate` and :func:`check_policy` — the validation gate (``python -m anomaly_lab.gate``).
"""

from anomaly_lab.audit import GENESIS_HASH, AuditLog, Verification
from anomaly_lab.detector import MAX_REASONS, RULE_CODES, Decision, fit_detector, rules_only
from anomaly_lab.errors import AnomalyLabError
from anomaly_lab.features import COLUMNS, FEATURES, KEY_COLUMNS, trade_features
from anomaly_lab.history import TradeHistory
from anomaly_lab.validation import POLICY, Check, GateResult, check_policy, evaluate

__all__ = [
    "COLUMNS",
    "FEATURES",
    "GENESIS_HASH",
    "KEY_COLUMNS",
    "MAX_REASONS",
    "POLICY",
    "RULE_CODES",
    "AnomalyLabError",
    "AuditLog",
    "Check",
    "Decision",
    "GateResult",
    "TradeHistory",
    "Verification",
    "check_policy",
    "evaluate",
    "fit_detector",
    "rules_only",
    "trade_features",
]
