"""API keys stored as hashes, each with one role; a FastAPI dependency per required role.

A key looks like ``ibml_<key_id>_<secret>``. The store keeps ``key_id``, the role and the SHA-256 of
the whole key — never the key itself — so a leaked ``api_keys.json`` does not let anyone call the
API. A plain (unsalted, fast) hash is enough here because the secret is 32 random bytes: there is
nothing to brute-force. Passwords would need a slow, salted hash (scrypt/argon2); keys do not.

Roles (least privilege): ``scorer`` scores trades and classifies documents, ``reviewer`` works the
KYC review queue, ``auditor`` reads models/metrics/dashboards, ``admin`` may do everything,
including reloading models.

Examples
--------
>>> store = ApiKeyStore({})
>>> key, entry = store.create("scorer", label="batch job")
>>> store.authenticate(key).role
'scorer'
>>> store.authenticate("ibml_nope_x") is None
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader

from reference_impl.errors import ConfigError, WorkspaceError
from reference_impl.workspace import atomic_write

Role = Literal["scorer", "reviewer", "auditor", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
KEY_PREFIX = "ibml_"
API_KEY_HEADER = "X-API-Key"

_api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False, description="API key created with `ibml apikey create --role ROLE`"
)


def hash_key(key: str) -> str:
    """SHA-256 hex of an API key (what the store keeps)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id (safe to log) and its role."""

    key_id: str
    role: str
    label: str = ""


@dataclass(frozen=True)
class KeyEntry:
    key_id: str
    role: str
    key_sha256: str
    created_at: str
    label: str = ""


class ApiKeyStore:
    """Hashed API keys in memory, loaded from and saved to a JSON file in the workspace."""

    def __init__(self, entries: dict[str, KeyEntry]) -> None:
        self._entries = dict(entries)
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path | str) -> ApiKeyStore:
        """Read the key file; a missing file is an empty store (every call then gets 401)."""
        path = Path(path)
        if not path.exists():
            return cls({})
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            entries = {e["key_id"]: KeyEntry(**e) for e in raw.get("keys", [])}
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ConfigError(f"API key file {path} is unreadable or malformed: {exc}") from exc
        bad = [e.role for e in entries.values() if e.role not in ROLES]
        if bad:
            raise ConfigError(f"API key file {path} has unknown role {bad[0]!r}; expected one of {', '.join(ROLES)}")
        return cls(entries)

    def save(self, path: Path | str) -> None:
        """Write the store atomically (hashes only)."""
        body = {"keys": [asdict(e) for e in sorted(self._entries.values(), key=lambda e: e.created_at)]}
        try:
            with atomic_write(Path(path), "w") as fh:
                json.dump(body, fh, indent=2)
        except OSError as exc:
            raise WorkspaceError(f"cannot write API key file {path}: {exc.strerror or exc}") from exc

    def create(self, role: str, label: str = "") -> tuple[str, KeyEntry]:
        """Make a new key for ``role``; return the key (show it once) and its stored entry."""
        if role not in ROLES:
            raise ConfigError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
        key_id = secrets.token_hex(6)
        key = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        entry = KeyEntry(
            key_id=key_id,
            role=role,
            key_sha256=hash_key(key),
            created_at=dt.datetime.now(dt.UTC).isoformat(),
            label=label,
        )
        with self._lock:
            self._entries[key_id] = entry
        return key, entry

    def authenticate(self, key: str | None) -> Principal | None:
        """The principal for a presented key, or ``None`` (unknown, malformed or wrong secret)."""
        if not key or not key.startswith(KEY_PREFIX):
            return None
        key_id = key[len(KEY_PREFIX) :].split("_", 1)[0]
        entry = self._entries.get(key_id)
        if entry is None or not hmac.compare_digest(entry.key_sha256, hash_key(key)):
            return None
        return Principal(key_id=entry.key_id, role=entry.role, label=entry.label)

    def __len__(self) -> int:
        return len(self._entries)


def create_api_key(path: Path | str, role: str, label: str = "") -> tuple[str, KeyEntry]:
    """Add a key for ``role`` to the store at ``path`` and return it (the only time it is visible)."""
    store = ApiKeyStore.load(path)
    key, entry = store.create(role, label)
    store.save(path)
    return key, entry


async def get_principal(request: Request, api_key: Annotated[str | None, Depends(_api_key_scheme)]) -> Principal:
    """The authenticated caller, or 401 (no key / unknown key).

    ``async`` although it awaits nothing: FastAPI runs a plain ``def`` dependency on a worker thread,
    and a thread hop per request costs more than the hash and dictionary lookup it would run.
    """
    store: ApiKeyStore = request.app.state.services.api_keys
    principal = store.authenticate(api_key)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="missing API key" if not api_key else "invalid API key",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )
    request.state.principal = principal
    return principal


def require_role(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets through callers holding one of ``roles`` (admin always passes), else 403.

    Use it on any router, including ones other packages add with ``create_app(extra_routers=...)``::

        AuditorDep = Annotated[Principal, Depends(require_role("auditor"))]
    """
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ConfigError(f"unknown role {unknown[0]!r}; expected one of {', '.join(ROLES)}")
    allowed = frozenset(roles) | {"admin"}

    async def dependency(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"role {principal.role!r} may not call this endpoint; needs {' or '.join(sorted(roles))}",
            )
        return principal

    dependency.__name__ = f"require_role_{'_'.join(roles)}"
    return dependency


def principal_summary(p: Principal) -> dict[str, Any]:
    """What the audit log records about a caller (key id and role; never the key)."""
    return {"key_id": p.key_id, "role": p.role}


__all__ = [
    "API_KEY_HEADER",
    "ApiKeyStore",
    "KeyEntry",
    "Principal",
    "ROLES",
    "Role",
    "create_api_key",
    "get_principal",
    "hash_key",
    "principal_summary",
    "require_role",
]
