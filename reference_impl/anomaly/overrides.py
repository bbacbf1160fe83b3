"""Analyst overrides: suppress a known benign pattern, or force-flag one, with a reason and an expiry.

A bank needs this control (a client's month-end rebalancing alerts every month; a counterparty under
investigation must be reviewed whatever the model says) and needs it to be safe:

* only authorised users may add an override, and they must give a reason;
* every override expires — the expiry is mandatory and capped at :data:`MAX_OVERRIDE_DAYS`, so nothing is
  silently permanent; expired overrides are ignored and reported in the decisions they would have hit;
* the set is versioned: adding or revoking creates a new version; each decision records the ids applied;
* overrides run after the model and the rules, so the model's own score is always kept for audit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from reference_impl.errors import AccessDeniedError, ConfigError
from reference_impl.workspace import atomic_write

#: The longest an override may live; renewing it is a new, reviewed decision.
MAX_OVERRIDE_DAYS = 90
#: Columns an override may match on (keys of the feature frame).
MATCHABLE_COLUMNS = ("counterparty_id", "instrument_id", "trader_id", "book", "desk")
Action = Literal["suppress", "force_flag"]


def _utc(value: datetime | str, name: str) -> datetime:
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        raise ConfigError(f"{name} must be timezone-aware (UTC), got {value!r}")
    return ts.tz_convert("UTC").to_pydatetime()


@dataclass(frozen=True)
class Override:
    """One override: which rows it matches, what it does, who asked, why and until when."""

    override_id: str
    action: Action
    match: Mapping[str, str]
    reason: str
    created_by: str
    created_at: datetime
    expires_at: datetime

    def matches(self, features: pd.DataFrame) -> np.ndarray:
        """Rows whose every ``match`` column equals the given value."""
        mask = np.ones(len(features), dtype=bool)
        for col, value in self.match.items():
            if col not in features.columns:
                return np.zeros(len(features), dtype=bool)
            mask &= (features[col].astype(str) == str(value)).to_numpy()
        return mask

    def is_active(self, now: datetime) -> bool:
        return self.created_at <= now < self.expires_at

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["match"] = dict(self.match)
        d["created_at"] = self.created_at.isoformat()
        d["expires_at"] = self.expires_at.isoformat()
        return d


def validate_override(o: Override) -> None:
    """Reject an override that could hide risk silently (no reason, no or too long an expiry, no match)."""
    if o.action not in ("suppress", "force_flag"):
        raise ConfigError(f"override {o.override_id}: action must be 'suppress' or 'force_flag', got {o.action!r}")
    if not o.match:
        raise ConfigError(f"override {o.override_id}: match must name at least one of {MATCHABLE_COLUMNS}")
    unknown = sorted(set(o.match) - set(MATCHABLE_COLUMNS))
    if unknown:
        raise ConfigError(f"override {o.override_id}: cannot match on {unknown}; use {MATCHABLE_COLUMNS}")
    if not o.reason or len(o.reason.strip()) < 10:
        raise ConfigError(f"override {o.override_id}: give a reason a reviewer can read (at least 10 characters)")
    if o.expires_at <= o.created_at:
        raise ConfigError(f"override {o.override_id}: expires_at must be after created_at")
    if o.expires_at - o.created_at > timedelta(days=MAX_OVERRIDE_DAYS):
        raise ConfigError(f"override {o.override_id}: expiry is capped at {MAX_OVERRIDE_DAYS} days; renew it instead")


@dataclass(frozen=True)
class OverrideSet:
    """An immutable, versioned set of overrides and the users allowed to change it.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> now = datetime(2026, 11, 2, tzinfo=timezone.utc)
    >>> s = OverrideSet(authorised_users=frozenset({"ops.lead"}))
    >>> s = s.add(action="suppress", match={"counterparty_id": "CP0042"}, reason="month-end rebalancing, known",
    ...           actor="ops.lead", expires_at=datetime(2026, 12, 1, tzinfo=timezone.utc), now=now)
    >>> s.version, s.overrides[0].override_id
    (1, 'OVR-0001')
    """

    authorised_users: frozenset[str] = frozenset()
    overrides: tuple[Override, ...] = ()
    version: int = 0
    history: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def _authorise(self, actor: str) -> None:
        if actor not in self.authorised_users:
            raise AccessDeniedError(f"user {actor!r} is not authorised to change overrides")

    def add(
        self,
        *,
        action: Action,
        match: Mapping[str, str],
        reason: str,
        actor: str,
        expires_at: datetime | str,
        now: datetime | None = None,
    ) -> OverrideSet:
        """A new version with one more override (the expiry is mandatory and capped)."""
        self._authorise(actor)
        now = _utc(now or datetime.now(UTC), "now")
        new = Override(
            override_id=f"OVR-{len(self.overrides) + 1:04d}",
            action=action,
            match=dict(match),
            reason=reason,
            created_by=actor,
            created_at=now,
            expires_at=_utc(expires_at, "expires_at"),
        )
        validate_override(new)
        event = {
            "version": self.version + 1,
            "event": "added",
            "override_id": new.override_id,
            "actor": actor,
            "at": now.isoformat(),
        }
        return replace(self, overrides=(*self.overrides, new), version=self.version + 1, history=(*self.history, event))

    def revoke(self, override_id: str, *, actor: str, now: datetime | None = None) -> OverrideSet:
        """A new version in which ``override_id`` expires now."""
        self._authorise(actor)
        now = _utc(now or datetime.now(UTC), "now")
        if override_id not in {o.override_id for o in self.overrides}:
            raise ConfigError(f"no override {override_id!r}")
        kept = tuple(
            replace(o, expires_at=min(o.expires_at, now)) if o.override_id == override_id else o for o in self.overrides
        )
        event = {
            "version": self.version + 1,
            "event": "revoked",
            "override_id": override_id,
            "actor": actor,
            "at": now.isoformat(),
        }
        return replace(self, overrides=kept, version=self.version + 1, history=(*self.history, event))

    def expired(self, now: datetime) -> list[Override]:
        """Overrides past their expiry (ignored when deciding; listed for clean-up)."""
        now = _utc(now, "now")
        return [o for o in self.overrides if not o.is_active(now) and o.expires_at <= now]

    def apply(self, features: pd.DataFrame, now: datetime) -> tuple[list[list[Override]], list[list[str]]]:
        """Per row: the active overrides matching it, and the ids of expired ones that would have matched."""
        now = _utc(now, "now")
        active: list[list[Override]] = [[] for _ in range(len(features))]
        expired: list[list[str]] = [[] for _ in range(len(features))]
        for o in self.overrides:
            rows = np.flatnonzero(o.matches(features))
            target = active if o.is_active(now) else expired
            for i in rows:
                target[i].append(o if target is active else o.override_id)  # type: ignore[arg-type]
        return active, expired

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "authorised_users": sorted(self.authorised_users),
            "overrides": [o.to_dict() for o in self.overrides],
            "history": list(self.history),
        }

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> OverrideSet:
        overrides = tuple(
            Override(
                override_id=o["override_id"],
                action=o["action"],
                match=dict(o["match"]),
                reason=o["reason"],
                created_by=o["created_by"],
                created_at=_utc(o["created_at"], "created_at"),
                expires_at=_utc(o["expires_at"], "expires_at"),
            )
            for o in payload.get("overrides", [])
        )
        for o in overrides:
            validate_override(o)
        return cls(
            frozenset(payload.get("authorised_users", [])),
            overrides,
            int(payload.get("version", 0)),
            tuple(payload.get("history", [])),
        )


def save_overrides(overrides: OverrideSet, path: Path | str) -> None:
    """Write the set as JSON (atomically)."""
    with atomic_write(path, "w") as fh:
        json.dump(overrides.to_dict(), fh, indent=2, sort_keys=True)


def load_overrides(path: Path | str) -> OverrideSet:
    """Read a set written by :func:`save_overrides`; every override is re-validated."""
    try:
        payload = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read overrides file {path}: {exc}") from None
    return OverrideSet.from_dict(payload)


__all__ = [
    "MATCHABLE_COLUMNS",
    "MAX_OVERRIDE_DAYS",
    "Override",
    "OverrideSet",
    "load_overrides",
    "save_overrides",
    "validate_override",
]
