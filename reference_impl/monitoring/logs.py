"""Read the service's prediction log and the late outcome labels, and cut them into time windows.

The prediction log (``Workspace.prediction_log``, JSON lines, one object per scored item) is the
only source monitoring trusts: it records what the service actually decided, with which model,
how fast, and whether it fell back to rules. Field list: docs/contracts.md "Governance/Prediction log".
Outcome labels (``<IBML_HOME>/logs/outcomes.jsonl``) arrive days later from reviewers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from reference_impl.errors import ConfigError, DataValidationError, WorkspaceError
from reference_impl.workspace import Workspace, atomic_write

#: Columns every loaded prediction log has (missing optional fields become NA).
LOG_COLUMNS: tuple[str, ...] = (
    "ts",
    "request_id",
    "item_id",
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
    "route",
    "confidence",
    "reason_codes",
    "features",
    "caller_role",
)
#: Columns every loaded outcomes frame has.
OUTCOME_COLUMNS: tuple[str, ...] = ("request_id", "item_id", "ts", "label", "reviewer")
#: KYC routes; a record whose ``decision`` is one of these carries its predicted class in ``label``.
KYC_ROUTES = frozenset({"auto_accept", "manual_review", "reject_unknown"})
_REQUIRED = ("ts", "endpoint", "status_code", "latency_ms")
_ITEM_ID_FIELDS = ("item_id", "trade_id", "doc_id")


def outcomes_path(workspace: Workspace) -> Path:
    """Where reviewer outcome labels land: ``<IBML_HOME>/logs/outcomes.jsonl``."""
    return workspace.root / "logs" / "outcomes.jsonl"


def iter_jsonl(path: Path | str) -> Iterator[tuple[int, dict]]:
    """Yield ``(line_number, object)`` for each non-blank line; a bad line raises naming file and line."""
    path = Path(path)
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise WorkspaceError(f"log file {path} does not exist") from None
    except OSError as exc:
        raise WorkspaceError(f"cannot read log file {path}: {exc.strerror or exc}") from exc
    with fh:
        for number, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise DataValidationError(f"{path}:{number}: not UTF-8 text (is this a JSON-lines log?)") from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataValidationError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise DataValidationError(f"{path}:{number}: expected a JSON object, got {type(obj).__name__}")
            yield number, obj


def records_to_frame(records: Iterable[dict], *, source: str = "prediction log") -> pd.DataFrame:
    """Normalise prediction-log records (dicts) into a frame with :data:`LOG_COLUMNS`, sorted by ``ts``."""
    rows = []
    for i, rec in enumerate(records):
        missing = [f for f in _REQUIRED if rec.get(f) is None]
        if missing:
            raise DataValidationError(f"{source} record {i}: required field {missing[0]!r} is missing")
        row = {c: rec.get(c) for c in LOG_COLUMNS}
        row["item_id"] = next((rec[f] for f in _ITEM_ID_FIELDS if rec.get(f) is not None), None)
        # the service logs a KYC route as its "decision" and the predicted class as "label"
        decision = rec.get("decision")
        if row["route"] is None and decision in KYC_ROUTES:
            row["route"], decision = decision, None
        row["decision"] = rec.get("predicted_label") or rec.get("label") or decision
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(LOG_COLUMNS))
    frame["ts"] = _parse_utc(frame["ts"], f"{source} field 'ts'")
    for col in ("status_code",):
        frame[col] = pd.to_numeric(frame[col], errors="raise").astype("int64")
    for col in ("latency_ms", "score", "confidence"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame["fallback_used"] = frame["fallback_used"].map(lambda v: bool(v) if v is not None else False).astype(bool)
    frame["flagged"] = frame["flagged"].astype("boolean")
    frame["features"] = frame["features"].map(lambda v: v if isinstance(v, dict) else {})
    frame["reason_codes"] = frame["reason_codes"].map(lambda v: list(v) if isinstance(v, (list, tuple)) else [])
    return frame.sort_values("ts", kind="stable").reset_index(drop=True)


def load_prediction_log(path: Path | str) -> pd.DataFrame:
    """Read a prediction-log JSONL file into a frame (see :func:`records_to_frame`); errors name the line."""
    path = Path(path)
    records = []
    for number, obj in iter_jsonl(path):
        missing = [f for f in _REQUIRED if obj.get(f) is None]
        if missing:
            raise DataValidationError(f"{path}:{number}: required field {missing[0]!r} is missing")
        records.append(obj)
    try:
        return records_to_frame(records, source=str(path))
    except (ValueError, TypeError) as exc:
        if isinstance(exc, DataValidationError):
            raise
        raise DataValidationError(f"{path}: {exc}") from None


def outcomes_to_frame(records: Iterable[dict], *, source: str = "outcomes") -> pd.DataFrame:
    """Normalise outcome labels ``{request_id or trade_id/doc_id, ts, label, reviewer}`` into a frame."""
    rows = []
    for i, rec in enumerate(records):
        item = next((rec[f] for f in _ITEM_ID_FIELDS if rec.get(f) is not None), None)
        if rec.get("request_id") is None and item is None:
            raise DataValidationError(f"{source} record {i}: needs 'request_id' or 'trade_id'/'doc_id'")
        if rec.get("label") is None or rec.get("ts") is None:
            raise DataValidationError(
                f"{source} record {i}: required field {'label' if rec.get('label') is None else 'ts'!r} is missing"
            )
        rows.append(
            {
                "request_id": rec.get("request_id"),
                "item_id": item,
                "ts": rec["ts"],
                "label": str(rec["label"]),
                "reviewer": rec.get("reviewer"),
            }
        )
    frame = pd.DataFrame(rows, columns=list(OUTCOME_COLUMNS))
    frame["ts"] = _parse_utc(frame["ts"], f"{source} field 'ts'")
    return frame.sort_values("ts", kind="stable").reset_index(drop=True)


def load_outcomes(path: Path | str, *, missing_ok: bool = True) -> pd.DataFrame:
    """Read outcome labels; a missing file is an empty frame (labels are late, none may exist yet)."""
    path = Path(path)
    if missing_ok and not path.exists():
        return outcomes_to_frame([])
    return outcomes_to_frame((obj for _, obj in iter_jsonl(path)), source=str(path))


def write_jsonl(records: Iterable[dict], path: Path | str) -> Path:
    """Write records as JSON lines atomically (tests, notebooks and the simulator use it)."""
    path = Path(path)
    with atomic_write(path, "w", private=True) as fh:  # prediction-log records
        for rec in records:
            fh.write(json.dumps(rec, sort_keys=True, separators=(",", ":")) + "\n")
    return path


def feature_frame(log: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Expand the ``features`` dicts into one numeric column per feature (same index as ``log``)."""
    frame = pd.DataFrame.from_records(list(log["features"]), index=log.index)
    if columns is not None:
        frame = frame.reindex(columns=list(columns))
    return frame.apply(pd.to_numeric, errors="coerce").astype("float64").sort_index(axis=1)


# --------------------------------------------------------------------------- windows


def parse_timestamp(text: str, what: str = "timestamp") -> pd.Timestamp:
    """ISO-8601 with an offset (``2026-11-01T00:00Z``) or a bare date (UTC midnight); naive times are an error."""
    try:
        ts = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise ConfigError(f"{what} {text!r} is not an ISO-8601 timestamp") from None
    if ts.tzinfo is None:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            return ts.tz_localize("UTC")
        raise ConfigError(f"{what} {text!r} has no time zone; add 'Z' or an offset like +00:00")
    return ts.tz_convert("UTC")


def parse_window(spec: str, *, what: str = "window") -> tuple[pd.Timestamp, pd.Timestamp]:
    """``START/END`` (end exclusive), e.g. ``2026-11-01/2026-11-08`` or ``2026-11-01T00:00Z/2026-11-02T12:00Z``.

    >>> parse_window("2026-11-01/2026-11-08")
    (Timestamp('2026-11-01 00:00:00+0000', tz='UTC'), Timestamp('2026-11-08 00:00:00+0000', tz='UTC'))
    """
    parts = spec.split("/")
    if len(parts) != 2:
        raise ConfigError(f"{what} {spec!r} must be START/END, e.g. 2026-11-01/2026-11-08")
    start, end = (parse_timestamp(p.strip(), f"{what} bound") for p in parts)
    if end <= start:
        raise ConfigError(f"{what} {spec!r} ends before it starts")
    return start, end


def default_windows(
    ts: pd.Series,
    current: pd.Timedelta = pd.Timedelta(days=1),
    reference: pd.Timedelta = pd.Timedelta(days=7),
) -> tuple[tuple[pd.Timestamp, pd.Timestamp], tuple[pd.Timestamp, pd.Timestamp]]:
    """Current = the last ``current`` of the log; reference = the first ``reference`` (a baseline week) before it.

    When the log is shorter than two ``current`` periods it is split in half by time instead.
    """
    if len(ts) == 0:
        raise DataValidationError("prediction log is empty: nothing to monitor")
    if ts.min() == ts.max():
        raise DataValidationError(
            "prediction log covers a single instant: pass --reference-window and --current-window, or log more traffic"
        )
    first, last = ts.min(), ts.max() + pd.Timedelta(microseconds=1)
    cut = last - current
    if cut - first < current:
        cut = first + (last - first) / 2
    return (first, min(first + reference, cut)), (cut, last)


def select_window(frame: pd.DataFrame, window: tuple[pd.Timestamp, pd.Timestamp], column: str = "ts") -> pd.DataFrame:
    """Rows with ``start <= ts < end``."""
    start, end = window
    mask = (frame[column] >= start) & (frame[column] < end)
    return frame.loc[mask]


def _parse_utc(values: pd.Series, what: str) -> pd.Series:
    if len(values) == 0:
        return pd.Series(pd.DatetimeIndex([], tz="UTC"), index=values.index)
    try:
        parsed = pd.to_datetime(values, format="ISO8601", utc=False)
    except (ValueError, TypeError) as exc:
        raise DataValidationError(f"{what}: {exc}") from None
    if getattr(parsed.dt, "tz", None) is None:
        raise DataValidationError(f"{what}: timestamps have no time zone (expected ISO-8601 UTC, e.g. ...Z)")
    return parsed.dt.tz_convert("UTC")


__all__ = [
    "LOG_COLUMNS",
    "OUTCOME_COLUMNS",
    "outcomes_path",
    "iter_jsonl",
    "records_to_frame",
    "load_prediction_log",
    "outcomes_to_frame",
    "load_outcomes",
    "write_jsonl",
    "feature_frame",
    "parse_timestamp",
    "parse_window",
    "default_windows",
    "select_window",
]
