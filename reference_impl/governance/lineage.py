"""Lineage records: which data, code and parameters produced an artifact, as digests.

A model reviewer asks "what was this model trained on?". The answer we keep is a content digest
(SHA-256) of every input, so "the same data" is a checkable claim rather than a file name.

Examples
--------
>>> bytes_digest(b"abc")[:12]
'ba7816bf8f01'
>>> rec = LineageRecord(artifact="trade-anomaly", artifact_digest="d1", inputs={"trades": "d0"})
>>> rec.to_dict()["inputs"]
{'trades': 'd0'}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

from reference_impl.errors import WorkspaceError

_CHUNK = 1 << 20


def bytes_digest(data: bytes) -> str:
    """SHA-256 hex digest of some bytes."""
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path | str) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB chunks."""
    path = Path(path)
    h = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                h.update(chunk)
    except OSError as exc:
        raise WorkspaceError(f"cannot read {path} to compute its digest: {exc.strerror or exc}") from exc
    return h.hexdigest()


def frame_digest(frame: Any) -> str:
    """Order-sensitive digest of a pandas DataFrame's columns, dtypes and values.

    >>> import pandas as pd
    >>> frame_digest(pd.DataFrame({"a": [1, 2]})) == frame_digest(pd.DataFrame({"a": [1, 2]}))
    True
    >>> frame_digest(pd.DataFrame({"a": [1, 2]})) == frame_digest(pd.DataFrame({"a": [2, 1]}))
    False
    """
    import pandas as pd

    h = hashlib.sha256()
    h.update(json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def digest_mapping(digests: Mapping[str, str]) -> str:
    """One digest for a set of named digests (e.g. every file of a dataset manifest), order-independent."""
    return bytes_digest(json.dumps(dict(sorted(digests.items())), separators=(",", ":")).encode())


@dataclass(frozen=True)
class LineageRecord:
    """What produced an artifact: its digest, the digests of its inputs, parameters and code version."""

    artifact: str
    artifact_digest: str
    inputs: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    code_version: str = ""
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat())

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (suitable as an audit payload or an MLflow tag set)."""
        return asdict(self)


__all__ = ["LineageRecord", "bytes_digest", "digest_mapping", "file_digest", "frame_digest"]
