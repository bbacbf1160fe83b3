"""Seals for artifacts that are unpickled: an HMAC of the file's digest under a key kept outside the workspace.

A digest file written next to a model proves nothing against someone who can write the model directory: they
replace the pickle and recompute the digest, and the loader runs their code. A *seal* is
``HMAC-SHA256(key, "<purpose>:<sha256 of the file>")`` with a key that is **not** in the workspace (by default
``model-seal.key`` in the identity directory, ``$IBML_IDENTITY_DIR`` or ``<IBML_HOME>-identity``, 0600 in a
0700 directory, beside the people directory; ``IBML_MODEL_SEAL_KEY_FILE`` puts it elsewhere). The writer seals when it saves; the loader recomputes the
file's digest and checks the seal *before* deserialising anything, so an edited or replaced artifact is refused
without running a byte of it.

What this does not do, and what production adds: the key sits on the host that both writes and loads models,
so whoever can read it can seal a forgery. Production signs at the end of the training pipeline with a key in
a KMS/HSM (or an Ed25519 key whose public half the serving host holds), and serves only artifacts whose
signature was checked at deployment — the MLflow registry path here already checks the digest recorded at
registration (``ibml.model_digest``) before unpickling.

Examples
--------
>>> import tempfile, pathlib
>>> key = b"k" * 32
>>> seal = seal_digest(key, "trade-detector", "ab" * 32)
>>> verify_seal(key, "trade-detector", "ab" * 32, seal)
True
>>> verify_seal(key, "trade-detector", "cd" * 32, seal)
False
"""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from reference_impl.errors import ConfigError
from reference_impl.workspace import WorkspaceSettings, create_key_file, default_identity_dir

_KEY_BYTES = 32


class ModelSealSettings(BaseSettings):
    """Where the model-seal key lives (outside the workspace)."""

    model_config = SettingsConfigDict(env_prefix="IBML_", extra="ignore", frozen=True, env_ignore_empty=True)

    model_seal_key_file: Path | None = Field(
        None,
        description="HMAC key (0600, outside IBML_HOME) that seals saved detectors; default "
        "<identity dir>/model-seal.key",
    )

    def key_path(self) -> Path:
        if self.model_seal_key_file is not None:
            return self.model_seal_key_file.expanduser().resolve()
        return default_identity_dir() / "model-seal.key"


def seal_digest(key: bytes, purpose: str, digest: str) -> str:
    """The seal of an artifact whose SHA-256 is ``digest``; ``purpose`` keeps one artifact kind's seals apart."""
    return hmac.new(key, f"{purpose}:{digest}".encode(), hashlib.sha256).hexdigest()


def verify_seal(key: bytes, purpose: str, digest: str, seal: str) -> bool:
    """True when ``seal`` is the seal of ``digest`` (constant-time comparison)."""
    return hmac.compare_digest(seal_digest(key, purpose, digest), seal.strip())


def seal_key(*, create: bool) -> bytes:
    """The model-seal key; ``create=True`` (when saving) makes one if there is none yet.

    Raises :class:`~reference_impl.errors.ConfigError` when the key is missing and ``create`` is false, when the
    file is not 0600 or is inside the workspace (a key next to what it protects protects nothing).
    """
    path = ModelSealSettings().key_path()
    home = WorkspaceSettings().resolved_home()
    if path.resolve().is_relative_to(home):
        raise ConfigError(f"the model seal key {path} is inside the workspace {home}; keep it outside IBML_HOME")
    if not path.exists():
        if not create:
            raise ConfigError(f"no model seal key at {path}: a saved model cannot be verified without it")
        create_key_file(path, _KEY_BYTES)
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"the model seal key {path} is not a regular file")
    if st.st_mode & 0o077:
        raise ConfigError(f"the model seal key {path} has mode {stat.S_IMODE(st.st_mode):04o}; it must be 0600")
    key = path.read_bytes().strip()
    if len(key) < _KEY_BYTES:
        raise ConfigError(f"the model seal key {path} is shorter than {_KEY_BYTES} bytes")
    return key


__all__ = ["ModelSealSettings", "seal_digest", "seal_key", "verify_seal"]
