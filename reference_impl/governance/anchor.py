"""Anchored checkpoints of the audit chain: HMAC-signed heads kept where the log's writer cannot rewrite them.

A hash chain alone is tamper-evident only against someone who cannot recompute it. An insider with
write access to the workspace can edit a record, recompute every hash after it and rewrite the head
file; :meth:`AuditLog.verify` would then pass. A *checkpoint* closes that gap: after a group commit
the writer appends ``{chain, seq, hash, ts}`` authenticated with HMAC-SHA256 under a key that is **not**
in the workspace (a 0600 key file outside ``IBML_HOME``, ``IBML_AUDIT_ANCHOR_KEY_FILE``, or the key
itself in ``IBML_AUDIT_ANCHOR_KEY``; with neither set, ``audit-anchor.key`` in the identity directory if
it exists — ``ibml demo`` and ``ibml audit anchor-init`` create it) to a second, append-only file
(``IBML_AUDIT_CHECKPOINT_PATH``). Without any key the log is *not anchored*: ``ibml audit verify`` says so on
its result line and ``--require-anchor`` makes that a failure.
Verification checks every record a valid checkpoint names, so a rewrite of anything at or before the
latest checkpoint is detected, and a log shorter than its latest checkpoint is truncated.

The checkpoint store is a hard dependency when a key is configured: if a checkpoint cannot be written the
append raises ``AuditError`` and the service answers 503 (the records are already fsync'd, so the log may
hold a decision that was refused: over-recording, never under-recording).

``chain`` is the hash of record 0: it binds a checkpoint to one log wherever the file is copied, and
several logs may share one checkpoint file.

What this does not do, and what production adds
-----------------------------------------------
* The key still sits on the writing host (in a file or the environment) so the writer can sign. Anyone
  who can read it can forge checkpoints. Production keeps the key in a KMS/HSM (the writer asks the HSM
  to sign, it never holds the key) or uses an asymmetric signature (Ed25519) whose verifying key is
  public.
* The checkpoint file is append-only by convention only; an insider with write access to it can delete
  its *latest* lines, and records after the newest remaining checkpoint can be rewritten undetected —
  unless ``IBML_AUDIT_CHECKPOINT_DSN`` also sends every checkpoint to a database table
  (:mod:`reference_impl.governance.checkpoint_table`) whose owner grants the writer INSERT and SELECT only.
  Production writes checkpoints to WORM storage (S3 Object Lock in compliance mode, a WORM volume) or
  to a database table owned by another team (for example a PostgreSQL table the service may only
  ``INSERT`` into), and that team, not the model team, runs ``ibml audit verify``.
* Records written since the latest checkpoint are protected by the chain and the head only
  (``IBML_AUDIT_CHECKPOINT_EVERY`` sets how many records may pass between checkpoints; 1 = every commit).

Examples
--------
>>> import tempfile, pathlib
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> anchor = AuditAnchor(b"k" * 32, tmp / "checkpoints.jsonl")
>>> anchor.write_checkpoint("a" * 64, 0, "a" * 64, "2026-01-30T10:00:00+00:00")
>>> [(c.seq, c.hash[:4]) for c in anchor.checkpoints("a" * 64)]
[(0, 'aaaa')]
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from reference_impl.errors import AuditError, ConfigError
from reference_impl.governance.checkpoint_table import CheckpointTable
from reference_impl.workspace import create_key_file, default_identity_dir

_MIN_KEY_BYTES = 32


class AuditAnchorSettings(BaseSettings):
    """Where the checkpoint key and the checkpoint file live (unset: the identity directory's key, if any)."""

    model_config = SettingsConfigDict(env_prefix="IBML_", extra="ignore", frozen=True, env_ignore_empty=True)

    audit_anchor_key_file: Path | None = Field(
        None, description="file (mode 0600, outside IBML_HOME) holding the checkpoint HMAC key"
    )
    audit_anchor_key: SecretStr | None = Field(None, description="the checkpoint HMAC key itself (>= 32 characters)")
    audit_checkpoint_path: Path | None = Field(
        None, description="append-only checkpoint file; default <audit log>.checkpoints (put it outside IBML_HOME)"
    )
    audit_checkpoint_every: int = Field(1, ge=1, description="records between two checkpoints")
    audit_checkpoint_dsn: SecretStr | None = Field(
        None, description="database (SQLAlchemy URL) whose audit_checkpoints table also receives every checkpoint"
    )


def default_anchor_key_path() -> Path:
    """Where the anchor key is looked for when no ``IBML_AUDIT_ANCHOR_KEY*`` is set: the identity directory."""
    return default_identity_dir() / "audit-anchor.key"


def create_default_anchor_key() -> Path:
    """Create the default anchor key (0600, outside the workspace) unless one exists; return its path.

    From then on every audit log of this workspace writes checkpoints and ``verify`` checks them.
    """
    return create_key_file(default_anchor_key_path(), _MIN_KEY_BYTES)


@dataclass(frozen=True)
class Checkpoint:
    """One authenticated checkpoint: the record ``seq`` of chain ``chain`` had hash ``hash`` at ``ts``."""

    chain: str
    seq: int
    hash: str
    ts: str


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


class AuditAnchor:
    """Writes and reads HMAC-SHA256 checkpoints of an audit chain.

    Parameters
    ----------
    key : bytes
        The HMAC key (at least 32 bytes); never stored in the workspace.
    path : path-like
        The append-only checkpoint file.
    every : int
        Write a checkpoint when at least this many records were appended since the last one.
    table : CheckpointTable or None
        A second, append-only home for every checkpoint (:mod:`reference_impl.governance.checkpoint_table`);
        :meth:`checkpoints` then reads both, so deleting lines from the file alone hides nothing.
    """

    def __init__(self, key: bytes, path: Path | str, *, every: int = 1, table: CheckpointTable | None = None) -> None:
        self._key = bytes(key)
        self.path = Path(path)
        self.every = int(every)
        self.table = table
        self.key_id = hashlib.sha256(b"ibml-audit-anchor:" + self._key).hexdigest()[:16]
        self._last_seq = -1

    @classmethod
    def from_env(cls, log_path: Path, *, workspace_root: Path | None = None) -> AuditAnchor | None:
        """The anchor the environment configures for ``log_path``, or ``None`` when no key is set.

        Raises
        ------
        ConfigError
            If the key file is missing, readable by others, inside the workspace, or the key is too short.
        """
        s = AuditAnchorSettings()
        key_file = s.audit_anchor_key_file
        if key_file is None and s.audit_anchor_key is None:
            default = default_anchor_key_path()
            if not default.exists():
                return None
            key_file = default  # created by `ibml demo` / `ibml audit anchor-init`
        if s.audit_anchor_key is not None:
            key = s.audit_anchor_key.get_secret_value().encode()
        else:
            assert key_file is not None
            key = _read_key_file(key_file.expanduser(), workspace_root)
        if len(key) < _MIN_KEY_BYTES:
            raise ConfigError(f"the audit anchor key must be at least {_MIN_KEY_BYTES} bytes, got {len(key)}")
        path = s.audit_checkpoint_path or log_path.with_name(log_path.name + ".checkpoints")
        table = CheckpointTable(s.audit_checkpoint_dsn.get_secret_value()) if s.audit_checkpoint_dsn else None
        return cls(key, path.expanduser(), every=s.audit_checkpoint_every, table=table)

    @property
    def where(self) -> str:
        """Where the checkpoints are kept, for messages."""
        return str(self.path) + (f" and {self.table.where}" if self.table is not None else "")

    def has_checkpoints(self) -> bool:
        """Whether any checkpoint (of any chain) exists in the file or the table."""
        in_file = self.path.exists() and self.path.stat().st_size > 0
        return in_file or (self.table is not None and bool(self.table.rows()))

    def _mac(self, body: dict[str, Any]) -> str:
        return hmac.new(self._key, _canonical(body), hashlib.sha256).hexdigest()

    def due(self, seq: int) -> bool:
        """Whether a checkpoint should be written for ``seq`` (this process's last one was ``every`` ago)."""
        return seq >= 0 and seq - self._last_seq >= self.every

    def write_checkpoint(self, chain: str, seq: int, hash_: str, ts: str) -> None:
        """Append one authenticated checkpoint and fsync it (raises AuditError when it cannot)."""
        body = {"v": 1, "chain": chain, "seq": int(seq), "hash": hash_, "ts": ts, "key_id": self.key_id}
        line = json.dumps(body | {"mac": self._mac(body)}, sort_keys=True, separators=(",", ":")) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":  # a torn checkpoint (failed write): drop it
                    tail = os.pread(fd, min(size, 4096), max(0, size - 4096))
                    os.ftruncate(fd, size - len(tail) + tail.rfind(b"\n") + 1 if b"\n" in tail else 0)
                start = os.fstat(fd).st_size
                try:
                    os.write(fd, line.encode())
                    os.fsync(fd)
                except OSError:
                    with contextlib.suppress(OSError):  # take a partial line back
                        os.ftruncate(fd, start)
                    raise
            finally:
                os.close(fd)
        except OSError as exc:
            raise AuditError(f"cannot write audit checkpoint {self.path}: {exc.strerror or exc}") from exc
        if self.table is not None:
            self.table.insert(body | {"mac": self._mac(body)})
        self._last_seq = int(seq)

    def checkpoints(self, chain: str) -> list[Checkpoint]:
        """Every checkpoint of ``chain``, in file order.

        Raises
        ------
        AuditError
            If a line is not a well-formed checkpoint or its MAC does not verify under this key
            (a forged or edited checkpoint is tampering, never skipped).
        """
        found = self._file_checkpoints(chain)
        if self.table is not None:
            for i, row in enumerate(self.table.rows()):
                cp = self._authenticated(dict(row), f"row {i + 1} of {self.table.where}")
                if cp is not None and cp.chain == chain:
                    found.append(cp)
        return found

    def _authenticated(self, obj: dict[str, Any], where: str) -> Checkpoint | None:
        """The checkpoint ``obj`` holds if its MAC verifies (AuditError otherwise)."""
        try:
            mac = obj.pop("mac")
            body = {k: obj[k] for k in ("v", "chain", "seq", "hash", "ts", "key_id")}
            if set(obj) != set(body):
                raise ValueError("unexpected fields")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise AuditError(f"audit checkpoint {where} is malformed") from None
        if body["key_id"] != self.key_id or not hmac.compare_digest(str(mac), self._mac(body)):
            raise AuditError(f"audit checkpoint {where} is not authenticated by the anchor key")
        return Checkpoint(str(body["chain"]), int(body["seq"]), str(body["hash"]), str(body["ts"]))

    def _file_checkpoints(self, chain: str) -> list[Checkpoint]:
        if not self.path.exists():
            return []
        if not self.path.is_file():
            raise AuditError(f"audit checkpoint path {self.path} is not a file")
        out = []
        try:
            data = self.path.read_bytes()
            raw_lines = data.splitlines()
            if data and not data.endswith(b"\n"):
                raw_lines = raw_lines[:-1]  # a torn last checkpoint (a failed write) was never relied on
        except OSError as exc:
            raise AuditError(f"cannot read audit checkpoints {self.path}: {exc.strerror or exc}") from exc
        for i, raw in enumerate(raw_lines):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
            except ValueError:
                raise AuditError(f"audit checkpoint line {i + 1} of {self.path} is malformed") from None
            if not isinstance(obj, dict):
                raise AuditError(f"audit checkpoint line {i + 1} of {self.path} is malformed")
            cp = self._authenticated(obj, f"line {i + 1} of {self.path}")
            if cp is not None and cp.chain == chain:
                out.append(cp)
        return out


def _read_key_file(path: Path, workspace_root: Path | None) -> bytes:
    try:
        st = path.stat()
    except OSError as exc:
        raise ConfigError(f"audit anchor key file {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"audit anchor key file {path} is not a regular file")
    if st.st_mode & 0o077:
        raise ConfigError(f"audit anchor key file {path} has mode {stat.S_IMODE(st.st_mode):04o}; it must be 0600")
    if workspace_root is not None:
        root = workspace_root.resolve()
        if path.resolve().is_relative_to(root):
            raise ConfigError(f"audit anchor key file {path} is inside the workspace {root}; keep it outside IBML_HOME")
    try:
        return path.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"audit anchor key file {path}: {exc.strerror or exc}") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` that refuses a repeated key (parsers disagree on which copy wins)."""
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _no_constant(name: str) -> Any:
    """``parse_constant`` that refuses ``NaN``, ``Infinity`` and ``-Infinity`` (not JSON)."""
    raise ValueError(f"non-finite number {name}")


__all__ = ["AuditAnchor", "AuditAnchorSettings", "Checkpoint", "create_default_anchor_key", "default_anchor_key_path"]
