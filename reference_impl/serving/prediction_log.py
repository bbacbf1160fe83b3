"""The prediction log: one JSON line per scored item, read by monitoring (drift, latency, fallbacks).

Unlike the audit log it is not a control record, so it is buffered and not fsync'd per line; it holds
numeric feature values and pseudonymised identifiers only. Fields are listed in docs/contracts.md.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from reference_impl.governance.audit import json_safe
from reference_impl.workspace import open_private

log = logging.getLogger(__name__)

#: Keys every prediction-log line carries (docs/contracts.md, "Prediction log").
PREDICTION_LOG_FIELDS: tuple[str, ...] = (
    "ts",
    "request_id",
    "endpoint",
    "status_code",
    "latency_ms",
    "model_name",
    "model_version",
    "ruleset_version",
    "fallback_used",
    "fallback_reason",
    "score",
    "flagged",
    "decision",
    "confidence",
    "reason_codes",
    "features",
    "caller_role",
    "trade_id",
    "doc_id",
    "label",
)
#: Route template -> endpoint name used in the log (failed requests are logged by the middleware).
ENDPOINT_NAMES: dict[str, str] = {
    "/v1/trades/score": "trades.score",
    "/v1/trades/score-batch": "trades.score_batch",
    "/v1/kyc/classify": "kyc.classify",
}


class PredictionLog:
    """Append-only JSON lines; a write failure is logged and counted, never fails the request."""

    def __init__(self, path: Path | str, *, enabled: bool = True) -> None:
        self.path = Path(path)
        self.enabled = enabled
        self._lock = threading.Lock()
        self._fh: Any = None
        self.failures = 0

    def write(self, rows: Iterable[dict[str, Any]]) -> None:
        if not self.enabled:
            return
        text = "".join(
            json.dumps(json_safe({k: row.get(k) for k in PREDICTION_LOG_FIELDS}), separators=(",", ":")) + "\n"
            for row in rows
        )
        with self._lock:
            try:
                if self._fh is None:
                    self._fh = os.fdopen(open_private(self.path), "a", encoding="utf-8")
                self._fh.write(text)
                self._fh.flush()
            except OSError as exc:  # monitoring data is best effort; the audit log is the control
                self.failures += 1
                log.warning("prediction log write failed: %s", exc.strerror or exc)

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None


__all__ = ["ENDPOINT_NAMES", "PREDICTION_LOG_FIELDS", "PredictionLog"]
