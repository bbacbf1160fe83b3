"""Governance questions about one past decision, answered from its audit record.

An auditor picks a trade flagged six months ago and asks two things:

1. **Lineage** — which model decided it, trained by which run, on which data, from which code?
   (:func:`decision_lineage`: audit record -> model version -> run -> training-data digest -> code commit.)
2. **Reproducibility** — can you show the same score and the same reasons today?
   (:func:`reproduce_decision`: re-score the *logged* features with the *logged* model version and compare.)

Both work from the audit record the service wrote (``trade.decision`` events, docs/contracts.md
"Governance"), plus what the registry knows about the model version (``ModelVersionInfo`` from
:mod:`reference_impl.lifecycle`, or any object/mapping with the same field names).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reference_impl.errors import AuditError, ModelError


@dataclass(frozen=True)
class DecisionLineage:
    """The chain from one decision back to the code that built its model."""

    request_id: str
    decided_at: str
    audit_seq: int | None
    model_name: str | None
    model_version: str | None
    ruleset_version: str | None
    training_data_digest: str | None
    run_id: str | None = None
    model_digest: str | None = None
    code_version: str | None = None
    score: float | None = None
    reason_codes: tuple[str, ...] = ()

    def chain(self) -> list[tuple[str, str]]:
        """``(step, value)`` pairs, decision first; missing links show as ``"unknown"`` (a finding in itself)."""

        def v(x: Any) -> str:
            return str(x) if x not in (None, "") else "unknown"

        return [
            ("decision", f"request {self.request_id} at {self.decided_at} (audit seq {v(self.audit_seq)})"),
            ("model version", f"{v(self.model_name)} version {v(self.model_version)}, rules {v(self.ruleset_version)}"),
            ("training run", v(self.run_id)),
            ("model artifact digest", v(self.model_digest)),
            ("training data digest", v(self.training_data_digest)),
            ("code commit", v(self.code_version)),
        ]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ReproductionCheck:
    """Logged vs re-computed score (and reasons) for one decision."""

    logged_score: float
    rescored: float
    abs_diff: float
    ok: bool
    logged_reasons: tuple[str, ...] = ()
    reproduced_reasons: tuple[str, ...] = field(default=())

    @property
    def reasons_match(self) -> bool:
        return not self.reproduced_reasons or list(self.logged_reasons) == list(self.reproduced_reasons)


def find_decision(
    records: Iterable[Mapping[str, Any]],
    *,
    request_id: str | None = None,
    trade_id: str | None = None,
    event_type: str = "trade.decision",
) -> dict[str, Any]:
    """The audit record of a decision, by request id and/or the trade id in its input; AuditError if absent."""
    if request_id is None and trade_id is None:
        raise AuditError("find_decision needs request_id or trade_id")
    for rec in records:
        if rec.get("event_type") != event_type:
            continue
        payload = rec.get("payload") or {}
        if request_id is not None and payload.get("request_id") != request_id:
            continue
        if trade_id is not None and (payload.get("input") or {}).get("trade_id") != trade_id:
            continue
        return dict(rec)
    wanted = f"request_id={request_id!r}" if request_id is not None else f"trade_id={trade_id!r}"
    raise AuditError(f"no {event_type} record with {wanted} in the audit log")


def decision_lineage(
    record: Mapping[str, Any], *, version_info: Any = None, code_version: str | None = None
) -> DecisionLineage:
    """Lineage of a decision from its audit record, completed with the registry's view of the model version.

    ``version_info`` (e.g. ``ModelVersionInfo``) must describe the same version the record names:
    a mismatch raises :class:`~reference_impl.errors.ModelError` rather than a wrong lineage.
    """
    payload = record.get("payload") or {}
    model = payload.get("model") or {}
    output = payload.get("output") or {}
    version = model.get("version")
    info = _fields(version_info)
    if info and version is not None and str(info.get("version")) != str(version):
        raise ModelError(
            f"audit record was decided by version {version!r}, but version {info.get('version')!r} was supplied"
        )
    if (
        info
        and model.get("training_data_digest")
        and info.get("training_data_digest") not in (None, "", model["training_data_digest"])
    ):
        raise ModelError("training-data digest in the audit record differs from the registry's: the lineage is broken")
    return DecisionLineage(
        request_id=str(payload.get("request_id", "")),
        decided_at=str(payload.get("received_at") or record.get("ts", "")),
        audit_seq=record.get("seq"),
        model_name=model.get("name"),
        model_version=None if version is None else str(version),
        ruleset_version=model.get("ruleset_version"),
        training_data_digest=model.get("training_data_digest") or info.get("training_data_digest"),
        run_id=info.get("run_id"),
        model_digest=info.get("model_digest"),
        code_version=code_version or info.get("code_version") or info.get("git_commit"),
        score=output.get("score"),
        reason_codes=tuple(output.get("reason_codes") or ()),
    )


def reproduce_decision(
    record: Mapping[str, Any],
    score: Callable[[pd.DataFrame], Sequence[float]],
    *,
    reasons: Callable[[pd.DataFrame], Sequence[str]] | None = None,
    feature_order: Sequence[str] | None = None,
    atol: float = 1e-9,
) -> ReproductionCheck:
    """Re-score the features logged in ``record`` and compare with the logged score (and reason codes).

    ``score`` takes a one-row frame of the logged features (columns in ``feature_order`` if given) and
    returns scores; ``reasons`` likewise returns the reason codes. A decision without logged features or
    score (e.g. a rules-only fallback) cannot be reproduced this way: AuditError says so.
    """
    output = (record.get("payload") or {}).get("output") or {}
    features, logged = output.get("features_used"), output.get("score")
    if not features or logged is None:
        raise AuditError(f"audit record seq {record.get('seq')} has no logged features or score to reproduce")
    frame = pd.DataFrame([features])
    if feature_order is not None:
        missing = [f for f in feature_order if f not in frame.columns]
        if missing:
            raise AuditError(f"audit record seq {record.get('seq')} lacks logged feature {missing[0]!r}")
        frame = frame[list(feature_order)]
    rescored = float(np.asarray(score(frame), dtype=float).ravel()[0])
    diff = abs(rescored - float(logged))
    return ReproductionCheck(
        logged_score=float(logged),
        rescored=rescored,
        abs_diff=diff,
        ok=bool(math.isclose(rescored, float(logged), rel_tol=0, abs_tol=atol)),
        logged_reasons=tuple(output.get("reason_codes") or ()),
        reproduced_reasons=tuple(reasons(frame)) if reasons is not None else (),
    )


def _fields(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if isinstance(obj, Mapping):
        return dict(obj)
    if hasattr(obj, "to_dict"):
        return dict(obj.to_dict())
    return {k: getattr(obj, k) for k in dir(obj) if not k.startswith("_") and not callable(getattr(obj, k))}


__all__ = ["DecisionLineage", "ReproductionCheck", "decision_lineage", "find_decision", "reproduce_decision"]
