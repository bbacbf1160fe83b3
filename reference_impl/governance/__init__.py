"""Governance: the hash-chained audit log, keyed pseudonymisation, lineage records, content digests and model seals.

A small library that lifecycle (alias moves, approvals), serving (every decision) and monitoring
call (and data and the model packages, for digests); it depends on nothing above :mod:`reference_impl.errors` and :mod:`reference_impl.workspace`.
"""

from reference_impl.governance.anchor import AuditAnchor
from reference_impl.governance.audit import AuditLog, AuditVerification, canonical_json, json_safe, record_hash
from reference_impl.governance.checkpoint_table import CheckpointTable
from reference_impl.governance.lineage import (
    LineageRecord,
    bytes_digest,
    digest_mapping,
    file_digest,
    frame_digest,
    text_digest,
)
from reference_impl.governance.pseudonymise import PII_ID_FIELDS, Pseudonymiser, load_or_create_key
from reference_impl.governance.seal import ModelSealSettings, seal_digest, seal_key, verify_seal

__all__ = [
    "AuditAnchor",
    "AuditLog",
    "AuditVerification",
    "CheckpointTable",
    "LineageRecord",
    "ModelSealSettings",
    "PII_ID_FIELDS",
    "Pseudonymiser",
    "bytes_digest",
    "canonical_json",
    "digest_mapping",
    "file_digest",
    "frame_digest",
    "json_safe",
    "load_or_create_key",
    "record_hash",
    "seal_digest",
    "seal_key",
    "text_digest",
    "verify_seal",
]
