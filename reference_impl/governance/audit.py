"""An append-only, hash-chained audit log (JSON lines) that survives a crash right after a write.

Why a hash chain: each record stores the SHA-256 of its predecessor, so editing, removing or
reordering any record breaks every hash after it and :meth:`AuditLog.verify` points at the first
bad one. Removing records from the *end* leaves a valid shorter chain, so the log also keeps a
small *head* file (the sequence number and hash of the newest record it acknowledged); a log
shorter than its head fails verification. In production the head would be published somewhere
the log's writer cannot rewrite (WORM storage, a ticket, another team's system).

Why fsync: a decision is acknowledged only after its record is on disk. Many threads appending at
once share one ``fsync`` (group commit), so durability costs one disk flush per *batch*, not per
record. Several processes (the service and the ``ibml`` CLI) may append to the same file: an
``flock`` serialises them and each re-reads the tail if another process wrote since.

Examples
--------
>>> import tempfile, pathlib
>>> log = AuditLog(pathlib.Path(tempfile.mkdtemp()) / "audit.jsonl")
>>> rec = log.append("model.promoted", {"model": "trade-anomaly", "version": "3"}, actor="alice")
>>> rec["seq"], len(rec["hash"])
(0, 64)
>>> log.verify().ok
True
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import math
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference_impl.errors import AuditError, ErrorKind

GENESIS_HASH = "0" * 64
_HEAD_SIZE = 256  # fixed-size head record, rewritten in place with one pwrite


def _json_default(value: Any) -> Any:
    """Turn numpy scalars, datetimes, paths and sets into JSON; refuse anything else."""
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return value.item()
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def canonical_json(obj: Any) -> str:
    """The one byte-stable JSON encoding that record hashes are computed over.

    >>> canonical_json({"b": 1, "a": [1.5, None]})
    '{"a":[1.5,null],"b":1}'
    """
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default
    )


def json_safe(obj: Any) -> Any:
    """Replace NaN/inf floats by ``None`` (recursively) so a payload is valid, standard JSON.

    >>> json_safe({"x": float("nan"), "y": [1.0, float("inf")]})
    {'x': None, 'y': [1.0, None]}
    """
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item) and not isinstance(obj, (str, bytes)):
        try:
            return json_safe(obj.item())
        except (TypeError, ValueError):
            return obj
    return obj


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 of a record's canonical JSON, excluding its own ``hash`` field."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditVerification:
    """The outcome of :meth:`AuditLog.verify`.

    Attributes
    ----------
    ok : bool
        True when every record parses, is in sequence, links to its predecessor and hashes correctly.
    n_records : int
        Number of records read.
    first_bad_index : int or None
        0-based line index of the first record that fails, ``None`` when ``ok``.
    reason : str
        One line saying what is wrong (or ``"ok"``).
    """

    ok: bool
    n_records: int
    first_bad_index: int | None
    reason: str


class AuditLog:
    """Append-only, hash-chained, fsync'd JSON-lines log.

    Parameters
    ----------
    path : path-like
        The log file (created with its directory on first append). The head file lives next to it
        as ``<name>.head``.
    clock : callable, optional
        Returns the current time as a tz-aware datetime; injectable for deterministic tests.
    """

    def __init__(self, path: Path | str, *, clock: Any = None) -> None:
        self.path = Path(path)
        self.head_path = self.path.with_name(self.path.name + ".head")
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._write_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._fd: int | None = None
        self._head_fd: int | None = None
        self._known_size = -1
        self._last_seq = -1
        self._last_hash = GENESIS_HASH
        self._written_seq = -1
        self._synced_seq = -1

    # -- writing -------------------------------------------------------------------------
    def _open(self) -> int:
        if self._fd is not None and not self._still_our_file():
            self.close_fds()  # the file was moved or deleted under us: never write to an unlinked inode
        if self._fd is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
                self._head_fd = os.open(self.head_path, os.O_RDWR | os.O_CREAT, 0o640)
            except OSError as exc:
                self._fd = None
                raise AuditError(f"cannot open audit log {self.path}: {exc.strerror or exc}") from exc
        return self._fd

    def _still_our_file(self) -> bool:
        try:
            return os.stat(self.path).st_ino == os.fstat(self._fd).st_ino  # type: ignore[arg-type]
        except OSError:
            return False

    def close_fds(self) -> None:
        """Close the descriptors without taking the write lock (callers hold it)."""
        for fd in (self._fd, self._head_fd):
            if fd is not None:
                os.close(fd)
        self._fd = self._head_fd = None
        self._known_size = -1

    def _refresh_tail(self, fd: int) -> None:
        """Re-read the last record if the file changed since we last wrote (another process appended)."""
        size = os.fstat(fd).st_size
        if size == self._known_size:
            return
        last = _read_last_line(fd, size)
        if last is None:
            self._last_seq, self._last_hash = -1, GENESIS_HASH
        else:
            try:
                rec = json.loads(last)
                self._last_seq, self._last_hash = int(rec["seq"]), str(rec["hash"])
            except (ValueError, KeyError, TypeError) as exc:
                raise AuditError(
                    f"audit log {self.path} ends with an unreadable record; run `ibml audit verify`"
                ) from exc
        self._known_size = size

    def append(self, event_type: str, payload: dict[str, Any], actor: str) -> dict[str, Any]:
        """Append one record and return it once it is durably on disk.

        Raises
        ------
        AuditError
            If the record cannot be encoded, written or flushed. Callers must then refuse the action
            they were about to acknowledge (fail closed).
        """
        return self.append_many([(event_type, payload, actor)])[0]

    def append_many(self, events: Sequence[tuple[str, dict[str, Any], str]]) -> list[dict[str, Any]]:
        """Append several ``(event_type, payload, actor)`` records with one write and one fsync.

        All records are encoded before anything is written, so a payload that is not JSON-safe
        leaves the log untouched.
        """
        if not events:
            return []
        with self._write_lock:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    self._refresh_tail(fd)
                    seq, prev = self._last_seq, self._last_hash
                    ts = self._clock().astimezone(dt.UTC).isoformat(timespec="microseconds")
                    records, lines = [], []
                    for event_type, payload, actor in events:
                        seq += 1
                        record: dict[str, Any] = {
                            "seq": seq,
                            "ts": ts,
                            "event_type": str(event_type),
                            "actor": str(actor),
                            "payload": payload,
                            "prev_hash": prev,
                        }
                        try:
                            record["hash"] = prev = record_hash(record)
                            lines.append(canonical_json(record) + "\n")
                        except (TypeError, ValueError) as exc:
                            raise AuditError(
                                f"audit payload for {event_type!r} is not JSON-safe: {exc}", kind=ErrorKind.INVALID
                            ) from exc
                        records.append(record)
                    _write_all(fd, "".join(lines).encode("utf-8"))
                    self._known_size = os.fstat(fd).st_size
                    self._last_seq, self._last_hash = seq, prev
                    self._written_seq += 1
                    my_ticket = self._written_seq
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            except OSError as exc:
                self._known_size = -1  # a partial write may have happened: re-read the tail next time
                raise AuditError(f"cannot write audit log {self.path}: {exc.strerror or exc}") from exc
        self._sync_upto(my_ticket)
        return records

    def _sync_upto(self, ticket: int) -> None:
        """Group commit: one fsync covers every record written before it started."""
        with self._sync_lock:
            if self._synced_seq >= ticket:
                return
            with self._write_lock:
                target = self._written_seq
                head = (self._last_seq, self._last_hash)
            try:
                os.fsync(self._fd)  # type: ignore[arg-type]
                self._write_head(*head)
            except OSError as exc:
                raise AuditError(f"cannot flush audit log {self.path}: {exc.strerror or exc}") from exc
            self._synced_seq = target

    def _write_head(self, seq: int, hash_: str) -> None:
        """Record the newest acknowledged record; never moves backwards (other processes may be ahead)."""
        fd = self._head_fd
        assert fd is not None  # opened with the log; internal invariant, not user input
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            current = _parse_head(os.pread(fd, _HEAD_SIZE, 0))
            if current is not None and current[0] >= seq:
                return
            body = json.dumps({"seq": seq, "hash": hash_}).encode().ljust(_HEAD_SIZE - 1) + b"\n"
            os.pwrite(fd, body, 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the file descriptors (appending again reopens them)."""
        with self._write_lock:
            self.close_fds()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------------------
    def records(self) -> Iterator[dict[str, Any]]:
        """Yield every record in file order (raises AuditError on a line that is not JSON)."""
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            for i, raw in enumerate(fh):
                try:
                    yield json.loads(raw)
                except ValueError as exc:
                    raise AuditError(f"audit log {self.path} line {i + 1} is not valid JSON") from exc

    def verify(self) -> AuditVerification:
        """Check the whole chain (and the head); report the first record that fails."""
        return verify_lines(self.path, self.head_path)


def verify_lines(path: Path, head_path: Path | None = None) -> AuditVerification:
    """Verify a log file; see :meth:`AuditLog.verify`."""
    path = Path(path)
    if not path.exists():
        return AuditVerification(True, 0, None, "ok (empty log)")
    prev = GENESIS_HASH
    n = 0
    with path.open("rb") as fh:
        for i, raw in enumerate(fh):
            n = i + 1
            try:
                rec = json.loads(raw)
                seq, stored, linked = rec["seq"], rec["hash"], rec["prev_hash"]
            except (ValueError, KeyError, TypeError):
                return AuditVerification(False, n, i, f"record {i} is not a valid audit record")
            if seq != i:
                return AuditVerification(False, n, i, f"record {i} has seq {seq}: a record was removed or reordered")
            if linked != prev:
                return AuditVerification(
                    False, n, i, f"record {i} does not link to record {i - 1}: removed, reordered or edited"
                )
            if record_hash(rec) != stored:
                return AuditVerification(False, n, i, f"record {i} hash mismatch: its content was edited")
            prev = stored
    head = _parse_head(head_path.read_bytes()) if head_path is not None and head_path.exists() else None
    if head is not None:
        head_seq, head_hash = head
        if head_seq >= n:
            return AuditVerification(
                False, n, n, f"log has {n} records but its head says {head_seq + 1}: records were removed from the end"
            )
        # the head is a lower bound: the record it names must still be there, unchanged
        with path.open("rb") as fh:
            for i, raw in enumerate(fh):
                if i == head_seq:
                    if json.loads(raw)["hash"] != head_hash:
                        return AuditVerification(
                            False, n, i, f"record {i} differs from the head's hash: the log was rewritten"
                        )
                    break
    return AuditVerification(True, n, None, "ok")


def _parse_head(raw: bytes) -> tuple[int, str] | None:
    text = raw.strip()
    if not text:
        return None
    try:
        obj = json.loads(text)
        return int(obj["seq"]), str(obj["hash"])
    except (ValueError, KeyError, TypeError):
        return None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _read_last_line(fd: int, size: int) -> bytes | None:
    """The last non-empty line of the file, reading backwards in small blocks."""
    if size == 0:
        return None
    block = 4096
    end = size
    buf = b""
    while end > 0:
        start = max(0, end - block)
        buf = os.pread(fd, end - start, start) + buf
        end = start
        stripped = buf.rstrip(b"\n")
        if b"\n" in stripped:
            return stripped.rsplit(b"\n", 1)[1]
    stripped = buf.rstrip(b"\n")
    return stripped or None


__all__ = [
    "AuditLog",
    "AuditVerification",
    "GENESIS_HASH",
    "canonical_json",
    "json_safe",
    "record_hash",
    "verify_lines",
]
