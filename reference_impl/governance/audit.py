"""An append-only, hash-chained audit log (JSON lines) that survives a crash right after a write.

Why a hash chain: each record stores the SHA-256 of its predecessor, so editing, removing or
reordering any record breaks every hash after it and :meth:`AuditLog.verify` points at the first
bad one. Removing records from the *end* leaves a valid shorter chain, so the log also keeps a
small *head* file (the sequence number and hash of the newest record it acknowledged); a log
shorter than its head fails verification, and so does a non-empty log without a readable head, or a
missing log whose head says it had records.

Why anchored checkpoints: an insider who can write the workspace can edit a record, recompute the
chain and rewrite the head. With ``IBML_AUDIT_ANCHOR_KEY_FILE`` (or ``IBML_AUDIT_ANCHOR_KEY``) set, the
writer also appends HMAC-signed checkpoints of the head to a second file
(``IBML_AUDIT_CHECKPOINT_PATH``) under a key the workspace does not hold, and :meth:`AuditLog.verify`
checks the chain against them (see :mod:`reference_impl.governance.anchor`, which also says what a bank
adds: WORM storage, a KMS/HSM-held key, another team holding the checkpoints).

Parsing is strict: a repeated key (``{"payload": ..., "payload": ...}``, which parsers resolve
differently) and ``NaN`` / ``Infinity`` (not JSON) make a record invalid.

Torn records and a full disk: a record is acknowledged only after the whole line is written, fsync'd
and the head moved. If a write fails part-way (ENOSPC), the writer truncates its own partial line at
once; if that fails too, or the process died mid-write, the log ends with an *unterminated* line. The
next append (by any process) truncates that line, only if the head shows it was never acknowledged,
and records the repair as an ``audit.repaired`` event in the chain (bytes removed and their SHA-256);
``ibml audit repair`` does the same by hand. A terminated line that does not parse is never repaired
automatically: that is corruption or tampering, for a human. After a failed append :meth:`AuditLog.health`
reports not ready until a probe append (``audit.sink.recovered``) succeeds, so the service recovers
by itself when space returns, and records that it was down.

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

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import math
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from reference_impl.errors import AuditError, ConfigError, ErrorKind
from reference_impl.governance.anchor import AuditAnchor, _no_constant, _no_duplicates
from reference_impl.workspace import open_private

GENESIS_HASH = "0" * 64
_HEAD_SIZE = 256  # fixed-size head record, rewritten in place with one pwrite


def strict_loads(raw: bytes | str) -> Any:
    """``json.loads`` that refuses duplicate keys and non-finite numbers (raises ValueError).

    >>> strict_loads('{"a": 1}')
    {'a': 1}
    >>> strict_loads('{"a": 1, "a": 2}')
    Traceback (most recent call last):
    ValueError: duplicate key 'a'
    """
    return json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


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
        True when every record parses, is in sequence, links to its predecessor and hashes correctly,
        the head (and every anchored checkpoint, when a key is configured) agrees with the log.
    n_records : int
        Number of records read.
    first_bad_index : int or None
        0-based line index of the first record that fails, ``None`` when ``ok``.
    reason : str
        One line saying what is wrong (or ``"ok"``).
    checkpoint_seq : int or None
        The newest anchored checkpoint the log was checked against (``None``: no anchor or none yet).
    """

    ok: bool
    n_records: int
    first_bad_index: int | None
    reason: str
    checkpoint_seq: int | None = None


_FROM_ENV: Literal["env"] = "env"


class AuditLog:
    """Append-only, hash-chained, fsync'd JSON-lines log.

    Parameters
    ----------
    path : path-like
        The log file (created with its directory on first append). The head file lives next to it
        as ``<name>.head``.
    clock : callable, optional
        Returns the current time as a tz-aware datetime; injectable for deterministic tests.
    anchor : AuditAnchor, None or "env"
        Where checkpoints go; ``"env"`` (default) reads :class:`~reference_impl.governance.anchor.AuditAnchorSettings`
        on first use, ``None`` disables anchoring.
    """

    def __init__(
        self, path: Path | str, *, clock: Any = None, anchor: AuditAnchor | None | Literal["env"] = "env"
    ) -> None:
        self.path = Path(path)
        self.head_path = self.path.with_name(self.path.name + ".head")
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._anchor: AuditAnchor | None = None if isinstance(anchor, str) else anchor
        self._anchor_resolved = not isinstance(anchor, str)
        self._write_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._fd: int | None = None
        self._head_fd: int | None = None
        self._known_size = -1
        self._last_seq = -1
        self._last_hash = GENESIS_HASH
        self._chain_id: str | None = None
        self._written_seq = -1
        self._synced_seq = -1
        #: Why the last append failed (``None`` after a successful one); :meth:`health` reports it.
        self.last_error: str | None = None
        self._failed_since: str | None = None

    @property
    def anchor(self) -> AuditAnchor | None:
        """The checkpoint anchor (resolved from the environment on first use; raises ConfigError if misconfigured)."""
        if not self._anchor_resolved:
            from reference_impl.workspace import default_home

            self._anchor = AuditAnchor.from_env(self.path, workspace_root=default_home())
            self._anchor_resolved = True
        return self._anchor

    # -- writing -------------------------------------------------------------------------
    def _open(self) -> int:
        if self._fd is not None and not self._still_our_file():
            self.close_fds()  # the file was moved or deleted under us: never write to an unlinked inode
        if self._fd is None:
            try:
                # the records name clients and reviewers: 0600 in a 0700 directory
                self._fd = open_private(self.path, os.O_RDWR | os.O_APPEND)
                self._head_fd = open_private(self.head_path, os.O_RDWR)
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
        self._chain_id = None

    def _refresh_tail(self, fd: int) -> dict[str, Any] | None:
        """Re-read the last record if the file changed since we last wrote (another process appended).

        Returns the payload of an ``audit.repaired`` event when an unterminated last line was truncated.
        """
        size = os.fstat(fd).st_size
        if size == self._known_size:
            return None
        repair = None
        if size > 0 and os.pread(fd, 1, size - 1) != b"\n":
            repair = self._truncate_torn(fd, size)
            size = os.fstat(fd).st_size
        last = _read_last_line(fd, size)
        if last is None:
            self._last_seq, self._last_hash = -1, GENESIS_HASH
        else:
            try:
                rec = strict_loads(last)
                self._last_seq, self._last_hash = int(rec["seq"]), str(rec["hash"])
            except (ValueError, KeyError, TypeError) as exc:
                raise AuditError(
                    f"audit log {self.path} ends with an unreadable record; run `ibml audit verify`"
                ) from exc
        self._known_size = size
        return repair

    def _truncate_torn(self, fd: int, size: int) -> dict[str, Any]:
        """Cut an unterminated last line, only if the head shows it was never acknowledged."""
        start = _last_line_start(fd, size)
        torn = os.pread(fd, size - start, start)
        before = _read_last_line(fd, start)
        try:
            last_complete = -1 if before is None else int(strict_loads(before)["seq"])
        except (ValueError, KeyError, TypeError) as exc:
            raise AuditError(
                f"audit log {self.path} ends with an unterminated line after an unreadable record; "
                "run `ibml audit verify`"
            ) from exc
        assert self._head_fd is not None
        head = _parse_head(os.pread(self._head_fd, _HEAD_SIZE, 0))
        if head is not None and head[0] > last_complete:
            raise AuditError(
                f"audit log {self.path} ends with an unterminated record that its head says was acknowledged "
                f"(seq {head[0]}); not truncating it: investigate"
            )
        os.ftruncate(fd, start)
        os.fsync(fd)
        return {
            "reason": "unterminated last line (a write that failed or was interrupted)",
            "offset": start,
            "truncated_bytes": len(torn),
            "truncated_sha256": hashlib.sha256(torn).hexdigest(),
            "after_seq": last_complete,
        }

    def append(self, event_type: str, payload: dict[str, Any], actor: str) -> dict[str, Any]:
        """Append one record and return it once it is durably on disk.

        Raises
        ------
        AuditError
            If the record cannot be encoded, written or flushed. Callers must then refuse the action
            they were about to acknowledge (fail closed).
        """
        return self.append_many([(event_type, payload, actor)])[-1]

    def append_many(self, events: Sequence[tuple[str, dict[str, Any], str]]) -> list[dict[str, Any]]:
        """Append several ``(event_type, payload, actor)`` records with one write and one fsync.

        All records are encoded before anything is written, so a payload that is not JSON-safe
        leaves the log untouched. When the log ended with a torn line, the returned list starts with
        the ``audit.repaired`` record written before ``events``.
        """
        if not events:
            return []
        return self._append(events, repair_actor="system")

    def repair(self, actor: str) -> dict[str, Any] | None:
        """Truncate an unterminated last line (never anything else) and record it; ``None`` if nothing was torn."""
        records = self._append([], repair_actor=actor)
        return records[0] if records else None

    def _append(self, events: Sequence[tuple[str, dict[str, Any], str]], *, repair_actor: str) -> list[dict[str, Any]]:
        try:
            records = self._append_locked(events, repair_actor)
        except AuditError as exc:
            if exc.kind is ErrorKind.UNAVAILABLE:
                if self.last_error is None:
                    self._failed_since = self._now()
                self.last_error = str(exc)
            raise
        self.last_error = self._failed_since = None
        return records

    def _now(self) -> str:
        return self._clock().astimezone(dt.UTC).isoformat(timespec="microseconds")

    def _append_locked(
        self, events: Sequence[tuple[str, dict[str, Any], str]], repair_actor: str
    ) -> list[dict[str, Any]]:
        try:
            anchor = self.anchor
        except ConfigError as exc:
            raise AuditError(f"audit anchor misconfigured: {exc}") from exc
        del anchor  # resolved here so a misconfiguration fails before anything is written
        with self._write_lock:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    repair = self._refresh_tail(fd)
                    all_events = list(events)
                    if repair is not None:
                        all_events.insert(0, ("audit.repaired", repair, repair_actor))
                    if not all_events:
                        return []
                    seq, prev = self._last_seq, self._last_hash
                    ts = self._now()
                    records, lines = [], []
                    for event_type, payload, actor in all_events:
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
                    start_size = self._known_size
                    try:
                        _write_all(fd, "".join(lines).encode("utf-8"))
                    except OSError:
                        with contextlib.suppress(OSError):  # take our partial line back; else the next append does
                            os.ftruncate(fd, start_size)
                        raise
                    self._known_size = os.fstat(fd).st_size
                    self._last_seq, self._last_hash = seq, prev
                    if self._chain_id is None and records[0]["seq"] == 0:
                        self._chain_id = records[0]["hash"]
                    self._written_seq += 1
                    ticket = self._written_seq
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            except OSError as exc:
                self._known_size = -1  # a partial write may have happened: re-read the tail next time
                raise AuditError(f"cannot write audit log {self.path}: {exc.strerror or exc}") from exc
        self._sync_upto(ticket)
        return records

    def _sync_upto(self, ticket: int) -> None:
        """Group commit: one fsync covers every record written before it started; then head and checkpoint."""
        with self._sync_lock:
            if self._synced_seq >= ticket:
                return
            with self._write_lock:
                target = self._written_seq
                head = (self._last_seq, self._last_hash)
                fd = self._fd
            try:
                os.fsync(fd)  # type: ignore[arg-type]
                self._write_head(*head)
            except OSError as exc:
                raise AuditError(f"cannot flush audit log {self.path}: {exc.strerror or exc}") from exc
            anchor = self.anchor
            if anchor is not None and anchor.due(head[0]):
                anchor.write_checkpoint(self._chain(), head[0], head[1], self._now())
            self._synced_seq = target

    def _chain(self) -> str:
        """The chain id: the hash of record 0."""
        if self._chain_id is None:
            with self.path.open("rb") as fh:
                self._chain_id = str(strict_loads(fh.readline())["hash"])
        return self._chain_id

    def checkpoint(self) -> tuple[int, str] | None:
        """Write an anchored checkpoint of the current head now (``None`` for an empty log).

        Raises
        ------
        ConfigError
            If no anchor key is configured.
        """
        anchor = self.anchor
        if anchor is None:
            raise ConfigError("no audit anchor key: set IBML_AUDIT_ANCHOR_KEY_FILE or IBML_AUDIT_ANCHOR_KEY")
        result = self.verify()
        if not result.ok:
            raise AuditError(f"refusing to checkpoint a log that fails verification: {result.reason}")
        if result.n_records == 0:
            return None
        with self.path.open("rb") as fh:
            last = _read_last_line(fh.fileno(), os.fstat(fh.fileno()).st_size)
        assert last is not None
        rec = strict_loads(last)
        anchor.write_checkpoint(self._chain(), int(rec["seq"]), str(rec["hash"]), self._now())
        return int(rec["seq"]), str(rec["hash"])

    def health(self) -> tuple[bool, str]:
        """``(ok, reason)`` for readiness. After a failed append, probes by appending ``audit.sink.recovered``.

        The probe is what lets a service recover by itself once space returns: readiness stays false
        (and traffic away) until a record can be written and fsync'd again.
        """
        if self.last_error is None:
            return True, "ok"
        error, since = self.last_error, self._failed_since
        try:
            self.append("audit.sink.recovered", {"last_error": error, "failed_since": since}, actor="system")
        except AuditError as exc:
            return False, f"audit log unwritable since {since}: {exc}"
        return True, "ok (recovered)"

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
        """Yield every record in file order (raises AuditError on a line that is not strict JSON)."""
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            for i, raw in enumerate(fh):
                try:
                    yield strict_loads(raw)
                except ValueError as exc:
                    raise AuditError(f"audit log {self.path} line {i + 1} is not valid JSON") from exc

    def verify(self) -> AuditVerification:
        """Check the whole chain, the head and the anchored checkpoints; report the first record that fails.

        Raises
        ------
        AuditError
            If the path is a directory or cannot be read (a usage problem, not a verdict on the log).
        ConfigError
            If an anchor is configured but unusable.
        """
        return verify_lines(self.path, self.head_path, anchor=self.anchor)


def verify_lines(path: Path, head_path: Path | None = None, *, anchor: AuditAnchor | None = None) -> AuditVerification:
    """Verify a log file; see :meth:`AuditLog.verify`."""
    path = Path(path)
    try:
        return _verify(path, head_path, anchor)
    except AuditError as exc:  # a malformed or forged checkpoint is a failed verification, not a crash
        if exc.kind is ErrorKind.INVALID:
            raise
        return AuditVerification(False, 0, None, str(exc))
    except IsADirectoryError:
        raise AuditError(f"{path} is a directory, not an audit log", kind=ErrorKind.INVALID) from None
    except OSError as exc:
        raise AuditError(f"cannot read audit log {path}: {exc.strerror or exc}", kind=ErrorKind.INVALID) from None


def _verify(path: Path, head_path: Path | None, anchor: AuditAnchor | None) -> AuditVerification:
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a directory")
    head: tuple[int, str] | None = None
    head_state = "absent"
    if head_path is not None and head_path.exists():
        raw_head = head_path.read_bytes()
        head = _parse_head(raw_head)
        head_state = "ok" if head is not None else ("empty" if not raw_head.strip() else "corrupt")
    if not path.exists():
        return _verify_no_records("missing", head, head_state, anchor)
    prev = GENESIS_HASH
    n = 0
    chain: str | None = None
    expected: dict[int, str] = {}
    newest_cp: int | None = None
    with path.open("rb") as fh:
        for i, raw in enumerate(fh):
            n = i + 1
            if not raw.endswith(b"\n"):
                return AuditVerification(
                    False, n, i, f"record {i} is torn (unterminated last line); `ibml audit repair` truncates it"
                )
            try:
                rec = strict_loads(raw)
                seq, stored, linked = rec["seq"], rec["hash"], rec["prev_hash"]
            except (ValueError, KeyError, TypeError):
                return AuditVerification(False, n, i, f"record {i} is not a valid audit record (strict JSON)")
            if type(seq) is not int or seq != i:
                return AuditVerification(False, n, i, f"record {i} has seq {seq}: a record was removed or reordered")
            if linked != prev:
                return AuditVerification(
                    False, n, i, f"record {i} does not link to record {i - 1}: removed, reordered or edited"
                )
            if record_hash(rec) != stored:
                return AuditVerification(False, n, i, f"record {i} hash mismatch: its content was edited")
            if i == 0:
                chain = str(stored)
                if anchor is not None:
                    for cp in anchor.checkpoints(chain):
                        if cp.seq in expected and expected[cp.seq] != cp.hash:
                            return AuditVerification(False, n, cp.seq, f"two checkpoints disagree on record {cp.seq}")
                        expected[cp.seq] = cp.hash
                        newest_cp = cp.seq if newest_cp is None else max(newest_cp, cp.seq)
            if i in expected and expected[i] != stored:
                return AuditVerification(
                    False, n, i, f"record {i} differs from its anchored checkpoint: the log was rewritten"
                )
            prev = stored
    if n == 0:
        return _verify_no_records("empty", head, head_state, anchor)
    if head is None:
        what = "missing" if head_state in ("absent", "empty") else "corrupt"
        return AuditVerification(False, n, n - 1, f"the head file is {what} for a log of {n} records")
    head_seq, head_hash = head
    if head_seq >= n:
        return AuditVerification(
            False, n, n, f"log has {n} records but its head says {head_seq + 1}: records were removed from the end"
        )
    # the head is a lower bound: the record it names must still be there, unchanged
    with path.open("rb") as fh:
        for i, raw in enumerate(fh):
            if i == head_seq:
                if strict_loads(raw)["hash"] != head_hash:
                    return AuditVerification(
                        False, n, i, f"record {i} differs from the head's hash: the log was rewritten"
                    )
                break
    if anchor is not None:
        if newest_cp is None:
            return AuditVerification(
                False, n, n - 1, f"an anchor key is configured but {anchor.where} holds no checkpoint of this log"
            )
        if newest_cp >= n:
            return AuditVerification(
                False, n, n, f"log has {n} records but a checkpoint names record {newest_cp}: records were removed"
            )
        return AuditVerification(True, n, None, f"ok (anchored at checkpoint of record {newest_cp})", newest_cp)
    return AuditVerification(True, n, None, "ok")


def _verify_no_records(
    state: str, head: tuple[int, str] | None, head_state: str, anchor: AuditAnchor | None
) -> AuditVerification:
    """A log with no records (``state``: "missing" or "empty") is only ok when nothing says it had some.

    Deleting or truncating the log and its head is the cheapest rewrite of all; the anchored checkpoints
    (kept elsewhere) are what still remembers the records.
    """
    if head is not None:
        return AuditVerification(False, 0, 0, f"the log is {state} but its head says {head[0] + 1} records")
    if head_state == "corrupt":
        return AuditVerification(False, 0, 0, f"the log is {state} and its head file is corrupt")
    if anchor is not None and anchor.has_checkpoints():
        anchor.checkpoints("")  # authenticates every line; a log with checkpoints never had "no records"
        return AuditVerification(False, 0, 0, f"the log is {state} but anchored checkpoints exist in {anchor.where}")
    return AuditVerification(True, 0, None, "ok (empty log)")


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


def _last_line_start(fd: int, size: int) -> int:
    """Offset just after the last newline before ``size`` (0 when there is none)."""
    block = 4096
    end = size
    while end > 0:
        start = max(0, end - block)
        chunk = os.pread(fd, end - start, start)
        idx = chunk.rfind(b"\n")
        if idx >= 0:
            return start + idx + 1
        end = start
    return 0


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
    "strict_loads",
    "verify_lines",
]
