"""Lineage records and the one digest module: which data, code and parameters produced an artifact.

A model reviewer asks "what was this model trained on?". The answer we keep is a content digest
(SHA-256) of every input, so "the same data" is a checkable claim rather than a file name.

Every digest ibml persists or prints is computed here, once per contract:

* :func:`bytes_digest` / :func:`text_digest` — SHA-256 of bytes / of UTF-8 text (review-queue
  ``text_sha256``, the service's ``text_ref``, version suffixes derived from a description);
* :func:`file_digest` — SHA-256 of a file's bytes (dataset manifests, ``SHA256SUMS`` of saved
  models, the pyfunc artifact check, ``model_digest``);
* :func:`frame_digest` — **the training-data digest** of a DataFrame (MLflow tag
  ``ibml.training_data_digest``, a model's ``training_digest``, audit records' ``training_data_digest``);
* :func:`digest_mapping` — one digest over named digests (a dataset manifest's ``dataset_sha256``).

Keyed hashes (pseudonyms, API-key hashes) and the audit chain's record hash are different contracts
and live with their owners (:mod:`~reference_impl.governance.pseudonymise`, ``audit.record_hash``).

Examples
--------
>>> bytes_digest(b"abc")[:12]
'ba7816bf8f01'
>>> text_digest("abc") == bytes_digest(b"abc")
True
>>> rec = LineageRecord(artifact="trade-anomaly", artifact_digest="d1", inputs={"trades": "d0"})
>>> rec.to_dict()["inputs"]
{'trades': 'd0'}
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reference_impl.errors import WorkspaceError

_CHUNK = 1 << 20


def bytes_digest(data: bytes) -> str:
    """SHA-256 hex digest of some bytes."""
    return hashlib.sha256(data).hexdigest()


def text_digest(text: str) -> str:
    """SHA-256 hex digest of ``text`` encoded as UTF-8 (e.g. a document, without keeping the document).

    >>> text_digest("abc")[:12]
    'ba7816bf8f01'
    """
    return bytes_digest(text.encode("utf-8"))


def file_digest(path: Path | str) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB chunks.

    Raises
    ------
    WorkspaceError
        If the file cannot be read (the message names it).
    """
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
    """The training-data digest: order-sensitive SHA-256 of a DataFrame's column names and values.

    SHA-256 over the column names joined by ``","`` (UTF-8), then the bytes of
    ``pandas.util.hash_pandas_object(frame, index=False)`` (one 64-bit hash per row). The index is
    ignored; row order, column names and values count. Numbers are hashed by their bit pattern, so
    ``1`` (int) and ``1.0`` (float) differ; the same strings held as ``object``, ``str`` or
    ``category`` give the same digest.

    >>> import pandas as pd
    >>> frame_digest(pd.DataFrame({"a": [1, 2]}))[:12]
    '856f5981aaf1'
    >>> frame_digest(pd.DataFrame({"a": [1, 2]})) == frame_digest(pd.DataFrame({"a": [2, 1]}))
    False
    """
    import pandas as pd

    h = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def digest_mapping(digests: Mapping[str, str]) -> str:
    """One digest for a set of named digests (e.g. every file of a dataset manifest), order-independent.

    SHA-256 of the lines ``"<name>:<digest>\\n"`` in name order — the definition of a dataset
    manifest's ``dataset_sha256``.

    >>> digest_mapping({"b": "22", "a": "11"}) == text_digest("a:11\\nb:22\\n")
    True
    """
    return text_digest("".join(f"{name}:{digest}\n" for name, digest in sorted(digests.items())))


@dataclass(frozen=True)
class LineageRecord:
    """What produced an artifact: its digest, the digests of its inputs, parameters and code version."""

    artifact: str
    artifact_digest: str
    inputs: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    code_version: str = ""
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (suitable as an audit payload or an MLflow tag set)."""
        return asdict(self)


__all__ = ["LineageRecord", "bytes_digest", "digest_mapping", "file_digest", "frame_digest", "text_digest"]
