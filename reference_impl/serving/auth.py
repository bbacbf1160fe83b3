"""API keys stored as hashes, each with one role; a FastAPI dependency per required role.

A key looks like ``ibml_<key_id>_<secret>``. The store keeps ``key_id``, the role, a label, when it
was created and a *keyed* hash of the whole key — never the key itself: ``HMAC-SHA256(store secret,
SHA-256(key))``. The store secret (32 random bytes, mode 0600) lives in a separate file
(``api_keys.hmac.key`` beside the key file by default; production keeps it in a secret manager), so a
leaked ``api_keys.json`` alone cannot even be used to test guesses offline. A keyed hash rather than
scrypt/PBKDF2: the secret part of a key is 32 random bytes (nothing to brute-force), and
authentication is on every request's hot path — two SHA-256 passes cost about a microsecond.
Files written before keyed hashes (``key_sha256`` entries) still load: the HMAC of the stored SHA-256
is exactly the new hash, so they are migrated in memory and on the next save (``ibml apikey list``).

Roles (least privilege): ``scorer`` scores trades and classifies documents, ``reviewer`` works the
KYC review queue, ``auditor`` reads models/metrics/dashboards, ``admin`` administers (reload models,
every read-only endpoint) but does *not* decide cases: routes that record a human decision use
``require_role("reviewer", admin=False)``.

Revocation: ``ibml apikey revoke KEY_ID`` removes the entry; ``POST /v1/admin/reload`` re-reads the key
file, so a revoked key gets 401 from then on. A failed authentication is logged as one structured line
(``auth.failed``, the reason and at most a key-id prefix — never the key).

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
import logging
import secrets
import threading
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from reference_impl.errors import ConfigError, ErrorKind, WorkspaceError
from reference_impl.governance import load_or_create_key
from reference_impl.workspace import atomic_write

log = logging.getLogger(__name__)

Role = Literal["scorer", "reviewer", "auditor", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
KEY_PREFIX = "ibml_"
API_KEY_HEADER = "X-API-Key"

_api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False, description="API key created with `ibml apikey create --role ROLE`"
)


HASH_SCHEME = "hmac-sha256(secret, sha256(key))"


def hash_key(key: str) -> str:
    """SHA-256 hex of an API key (the inner hash; what files before keyed hashes stored)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def keyed_hash(secret: bytes, key_sha256: str) -> str:
    """``HMAC-SHA256(secret, sha256 hex of the key)``: what the store keeps for a key."""
    return hmac.new(secret, key_sha256.encode("ascii"), hashlib.sha256).hexdigest()


class ApiKeySettings(BaseSettings):
    """``IBML_API_KEYS_SECRET_FILE``: the key store's HMAC secret, best kept outside the workspace."""

    model_config = SettingsConfigDict(env_prefix="IBML_", extra="ignore", frozen=True, env_ignore_empty=True)

    api_keys_secret_file: Path | None = Field(None, description="HMAC secret of the API-key store; default beside it")


def secret_path_for(keys_path: Path | str) -> Path:
    """Where the store secret lives for a key file: ``$IBML_API_KEYS_SECRET_FILE``, else beside it."""
    override = ApiKeySettings().api_keys_secret_file
    if override is not None:
        return Path(override)
    path = Path(keys_path)
    return path.with_name(path.stem + ".hmac.key")


def key_id_of(key: str | None) -> str | None:
    """The key id part of a presented key when it parses (``ibml_<12 hex>_...``), else ``None``."""
    if not key or not key.startswith(KEY_PREFIX):
        return None
    key_id = key[len(KEY_PREFIX) :].split("_", 1)[0]
    if len(key_id) != 12 or any(c not in "0123456789abcdef" for c in key_id):
        return None
    return key_id


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
    key_hmac: str
    created_at: str
    label: str = ""

    def public(self) -> dict[str, str]:
        """What ``ibml apikey list`` shows: everything but the hash."""
        return {"key_id": self.key_id, "role": self.role, "label": self.label, "created_at": self.created_at}


class ApiKeyStore:
    """Keyed-hashed API keys in memory, loaded from and saved to a JSON file in the workspace.

    ``secret`` is the HMAC key; ``None`` makes an ephemeral random one (an in-memory store).
    ``migrated`` counts legacy ``key_sha256`` entries converted on load (saved on the next ``save``).
    """

    def __init__(self, entries: dict[str, KeyEntry], secret: bytes | None = None, migrated: int = 0) -> None:
        self._entries = dict(entries)
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._lock = threading.Lock()
        self.migrated = migrated

    @classmethod
    def load(cls, path: Path | str, secret_path: Path | str | None = None) -> ApiKeyStore:
        """Read the key file; a missing file is an empty store (every call then gets 401).

        The store secret is read from ``secret_path`` (default :func:`secret_path_for`), created
        (mode 0600) the first time.
        """
        path = Path(path)
        secret = load_or_create_key(secret_path or secret_path_for(path))
        if not path.exists():
            return cls({}, secret)
        entries: dict[str, KeyEntry] = {}
        migrated = 0
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            for e in raw.get("keys", []):
                e = dict(e)
                if "key_hmac" not in e and "key_sha256" in e:  # written before keyed hashes: migrate
                    e["key_hmac"] = keyed_hash(secret, e.pop("key_sha256"))
                    migrated += 1
                entries[e["key_id"]] = KeyEntry(**e)
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ConfigError(f"API key file {path} is unreadable or malformed: {exc}") from exc
        bad = [e.role for e in entries.values() if e.role not in ROLES]
        if bad:
            raise ConfigError(f"API key file {path} has unknown role {bad[0]!r}; expected one of {', '.join(ROLES)}")
        if migrated:
            log.warning(
                "API key file %s has %d unkeyed SHA-256 entries (migrated in memory); run `ibml apikey list` "
                "to rewrite it with keyed hashes",
                path,
                migrated,
            )
        return cls(entries, secret, migrated)

    def save(self, path: Path | str) -> None:
        """Write the store atomically (keyed hashes only; the secret stays in its own file)."""
        body = {
            "hash": HASH_SCHEME,
            "keys": [asdict(e) for e in sorted(self._entries.values(), key=lambda e: e.created_at)],
        }
        try:
            with atomic_write(Path(path), "w", private=True) as fh:
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
            key_hmac=keyed_hash(self._secret, hash_key(key)),
            created_at=dt.datetime.now(dt.UTC).isoformat(),
            label=label,
        )
        with self._lock:
            self._entries[key_id] = entry
        return key, entry

    def authenticate(self, key: str | None) -> Principal | None:
        """The principal for a presented key, or ``None`` (unknown, malformed or wrong secret)."""
        return self.check(key)[0]

    def check(self, key: str | None) -> tuple[Principal | None, str]:
        """``(principal, "ok")`` or ``(None, reason)``: missing, malformed, unknown_key or wrong_secret."""
        if not key:
            return None, "missing"
        if not key.startswith(KEY_PREFIX):
            return None, "malformed"
        key_id = key[len(KEY_PREFIX) :].split("_", 1)[0]
        entry = self._entries.get(key_id)
        if entry is None:
            return None, "unknown_key"
        if not hmac.compare_digest(entry.key_hmac, keyed_hash(self._secret, hash_key(key))):
            return None, "wrong_secret"
        return Principal(key_id=entry.key_id, role=entry.role, label=entry.label), "ok"

    def entries(self) -> list[KeyEntry]:
        """The stored entries, oldest first."""
        return sorted(self._entries.values(), key=lambda e: e.created_at)

    def revoke(self, key_id: str) -> KeyEntry:
        """Remove ``key_id`` from the store (``ConfigError`` NOT_FOUND if there is no such key)."""
        with self._lock:
            entry = self._entries.pop(key_id, None)
        if entry is None:
            raise ConfigError(f"no API key with id {key_id!r} (see `ibml apikey list`)", kind=ErrorKind.NOT_FOUND)
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:  # never print the secret
        return f"ApiKeyStore({len(self._entries)} keys, secret=<redacted>)"


def create_api_key(path: Path | str, role: str, label: str = "") -> tuple[str, KeyEntry]:
    """Add a key for ``role`` to the store at ``path`` and return it (the only time it is visible)."""
    store = ApiKeyStore.load(path)
    key, entry = store.create(role, label)
    store.save(path)
    return key, entry


def list_api_keys(path: Path | str) -> tuple[list[KeyEntry], int]:
    """The entries in the store at ``path`` and how many legacy entries were migrated (and saved)."""
    store = ApiKeyStore.load(path)
    if store.migrated:
        store.save(path)
    return store.entries(), store.migrated


def revoke_api_key(path: Path | str, key_id: str) -> KeyEntry:
    """Remove ``key_id`` from the store at ``path``; a running service drops it on ``/v1/admin/reload``."""
    store = ApiKeyStore.load(path)
    entry = store.revoke(key_id)
    store.save(path)
    return entry


def _log_failed_auth(request: Request, api_key: str | None, reason: str) -> None:
    """One structured line per failed authentication: reason, key-id prefix if parseable, path, client."""
    key_id = key_id_of(api_key)
    record = {
        "event": "auth.failed",
        "reason": reason,
        "key_id_prefix": key_id[:6] if key_id else None,
        "method": request.method,
        "path": request.url.path,
        "client": request.client.host if request.client else None,
        "request_id": getattr(request.state, "request_id", None),
    }
    log.warning(json.dumps(record, sort_keys=True), extra={"ibml_event": record})


async def get_principal(request: Request, api_key: Annotated[str | None, Depends(_api_key_scheme)]) -> Principal:
    """The authenticated caller, or 401 (no key / unknown key).

    ``async`` although it awaits nothing: FastAPI runs a plain ``def`` dependency on a worker thread,
    and a thread hop per request costs more than the hash and dictionary lookup it would run.
    """
    store: ApiKeyStore = request.app.state.services.api_keys
    principal, reason = store.check(api_key)
    if principal is None:
        _log_failed_auth(request, api_key, reason)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="missing API key" if not api_key else "invalid API key",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )
    request.state.principal = principal
    return principal


def require_role(*roles: str, admin: bool = True) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets through callers holding one of ``roles``, else 403.

    ``admin`` also passes unless ``admin=False``: routes where a person decides a case (the KYC
    review queue) take exactly their role, because an administrator administers, it does not decide.
    Use it on any router, including ones other packages add with ``create_app(extra_routers=...)``::

        AuditorDep = Annotated[Principal, Depends(require_role("auditor"))]
        DeciderDep = Annotated[Principal, Depends(require_role("reviewer", admin=False))]
    """
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ConfigError(f"unknown role {unknown[0]!r}; expected one of {', '.join(ROLES)}")
    allowed = frozenset(roles) | ({"admin"} if admin else frozenset())

    async def dependency(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"role {principal.role!r} may not call this endpoint; needs {' or '.join(sorted(roles))}",
            )
        return principal

    dependency.__name__ = f"require_role_{'_'.join(roles)}{'' if admin else '_only'}"
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
    "key_id_of",
    "keyed_hash",
    "list_api_keys",
    "revoke_api_key",
    "secret_path_for",
    "principal_summary",
    "require_role",
]
