"""Keyed pseudonymisation of client and counterparty identifiers (HMAC-SHA256).

Why keyed: a plain hash of a counterparty id can be reversed by hashing every known id (there are
only thousands). With a secret key the pseudonym is stable (the same client always maps to the same
token, so logs can still be joined) but cannot be recomputed without the key, which lives in the
workspace (``secrets/pseudonymisation.key``, mode 0600) and never in a log.

Examples
--------
>>> p = Pseudonymiser(b"k" * 32)
>>> p.pseudonymise("CP0042") == p.pseudonymise("CP0042")
True
>>> p.pseudonymise("CP0042").startswith("ps_"), len(p.pseudonymise("CP0042"))
(True, 27)
>>> Pseudonymiser(b"x" * 32).pseudonymise("CP0042") == p.pseudonymise("CP0042")
False
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from reference_impl.errors import ConfigError, WorkspaceError

PREFIX = "ps_"
_MIN_KEY_BYTES = 16
#: Field names whose values are identifiers of a client or counterparty; pseudonymise before logging.
PII_ID_FIELDS: tuple[str, ...] = ("client_id", "counterparty_id", "trader_id", "account_id")


class Pseudonymiser:
    """Map an identifier to ``ps_<24 hex chars>`` with HMAC-SHA256 under a secret key.

    Parameters
    ----------
    key : bytes or str
        At least 16 bytes of secret. A ``str`` is encoded as UTF-8.
    """

    def __init__(self, key: bytes | str) -> None:
        raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
        if len(raw) < _MIN_KEY_BYTES:
            raise ConfigError(f"pseudonymisation key is {len(raw)} bytes; at least {_MIN_KEY_BYTES} are required")
        self._key = raw

    def pseudonymise(self, value: Any) -> str:
        """The pseudonym of one identifier (``None`` stays ``None`` in :meth:`pseudonymise_fields`)."""
        digest = hmac.new(self._key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()
        return PREFIX + digest[:24]

    def pseudonymise_fields(self, record: Mapping[str, Any], fields: Iterable[str] = PII_ID_FIELDS) -> dict[str, Any]:
        """A copy of ``record`` with each listed field (when present and not None) pseudonymised.

        >>> Pseudonymiser(b"k" * 16).pseudonymise_fields({"counterparty_id": None, "qty": 3})
        {'counterparty_id': None, 'qty': 3}
        """
        wanted = set(fields)
        return {k: (self.pseudonymise(v) if k in wanted and v is not None else v) for k, v in record.items()}

    def __repr__(self) -> str:  # never print the key
        return "Pseudonymiser(key=<redacted>)"


def load_or_create_key(path: Path | str) -> bytes:
    """Read the key file, creating a fresh 32-byte random key (mode 0600) the first time.

    The key is the one thing a pseudonym cannot be reversed without: keep it out of git and logs.
    """
    path = Path(path)
    try:
        if path.exists():
            key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            key = secrets.token_bytes(32)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(key.hex() + "\n")
                fh.flush()
                os.fsync(fh.fileno())
    except FileExistsError:  # another process created it between our check and open
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except ValueError as exc:
        raise ConfigError(f"pseudonymisation key file {path} is not hex") from exc
    except OSError as exc:
        raise WorkspaceError(f"cannot read or create pseudonymisation key {path}: {exc.strerror or exc}") from exc
    return key


__all__ = ["PII_ID_FIELDS", "PREFIX", "Pseudonymiser", "load_or_create_key"]
