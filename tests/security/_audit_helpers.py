"""Shared helpers for the security tests: build a real audit log and tamper with it as an insider would."""

from __future__ import annotations

import json
from pathlib import Path

from reference_impl.governance.audit import AuditLog, canonical_json, record_hash

KEY = b"k" * 48


def build_log(path: Path, n: int = 12, **kw) -> AuditLog:
    log = AuditLog(path, **kw)
    for i in range(n):
        log.append("kyc.review.decided", {"item_id": i, "label": "passport", "score": 0.5 + i / 100}, actor=f"key:{i}")
    log.close()
    return log


def read_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def rewrite_chain(path: Path, records: list[dict]) -> None:
    """Renumber, relink and rehash every record and rewrite the log and its head (what an insider can do)."""
    prev = "0" * 64
    lines = []
    for i, rec in enumerate(records):
        rec = dict(rec, seq=i, prev_hash=prev)
        rec.pop("hash", None)
        rec["hash"] = prev = record_hash(rec)
        lines.append(canonical_json(rec) + "\n")
    path.write_text("".join(lines))
    head = path.with_name(path.name + ".head")
    body = json.dumps({"seq": len(records) - 1, "hash": prev}).encode().ljust(255) + b"\n"
    head.write_bytes(body)
