"""Who is acting: canonical person ids, a directory of people (public keys and roles), signed statements.

The four-eyes rule is only a control if "who approved" cannot be typed in. Here a person is

* a **canonical id** — Unicode NFKC, case-folded, with no invisible or format characters, no
  spaces, and no mixed or Latin-confusable scripts. A name that is not already canonical is
  *refused*, never silently cleaned: ``"bob\\u200b"`` is an error, not ``"bob"``;
* an **Ed25519 key pair**: the private key in ``<identity dir>/keys/<id>.ed25519`` (mode 0600, the
  directory 0700), the public key and the person's **roles** (``submitter``, ``model_validator``)
  in ``<identity dir>/people.json``.

Registration and approval are *statements signed* with the actor's private key over what they
are about (model, version, model digest, person id, time); the signature is kept in the version's
tags and in the audit log, and ``promote`` verifies it against the public key in the directory.
A tag set by hand with ``MlflowClient.set_model_version_tag`` carries no valid signature.

The identity directory is ``$IBML_IDENTITY_DIR``, by default ``<IBML_HOME>-identity`` next to the
workspace (outside it: copying or sharing the workspace never copies keys).

Notes
-----
What this local setup cannot give, and a bank adds: on one laptop the same OS user can read every
key file, so the demo's people are *simulated* (:func:`enrol_simulated_people`). In production each
person's key lives on their own smart card or in a KMS/HSM, the directory of people and roles is
the firm's entitlement system (owned by another team, not writable by model developers), and the
tracking server authenticates users itself (MLflow's ``--app-name basic-auth`` or an SSO proxy).

Examples
--------
>>> canonical_person_id("Alice.Smith")
'alice.smith'
>>> canonical_person_id("ｂｏｂ")  # fullwidth letters are the same person
'bob'
>>> canonical_person_id("bob\\u200b")
Traceback (most recent call last):
...
reference_impl.errors.RegistryError: person id 'bob\\u200b' contains an invisible or control character U+200B; refusing it
"""

from __future__ import annotations

import base64
import json
import os
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference_impl.errors import ErrorKind, RegistryError
from reference_impl.workspace import Workspace

SUBMITTER = "submitter"
MODEL_VALIDATOR = "model_validator"
ROLES = frozenset({SUBMITTER, MODEL_VALIDATOR})
IDENTITY_ENV = "IBML_IDENTITY_DIR"

_PUNCT = frozenset("._-")
#: Letters of other scripts that look like Latin ones (a small skeleton table in the spirit of
#: Unicode TS #39). A name written only in these is a whole-script confusable and is refused.
_LATIN_LOOKALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "һ": "h",
        "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ь": "b", "г": "r", "п": "n", "ш": "w",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "χ": "x", "ω": "w", "γ": "y", "μ": "u",
    }
)  # fmt: skip


def _script(ch: str) -> str:
    """The script of a letter, from its Unicode name (``LATIN SMALL LETTER A`` -> ``LATIN``)."""
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def canonical_person_id(raw: str) -> str:
    """The canonical form of a person id; raise :class:`RegistryError` (``INVALID``) if it has none.

    NFKC-normalised and case-folded (so fullwidth letters and case are the same person). Refused,
    never stripped: control, format and invisible characters (``Cc``/``Cf``/``Co``/``Cn``/``Cs``,
    e.g. U+200B), any whitespace (a trailing space, NBSP), punctuation other than ``.``, ``_``,
    ``-``, letters of more than one script, and names in another script that read as Latin.
    """
    if not isinstance(raw, str) or not raw:
        raise RegistryError("a person id is required (--as or $IBML_USER)", kind=ErrorKind.INVALID)
    for ch in raw:
        cat = unicodedata.category(ch)
        if cat[0] == "C":
            raise RegistryError(
                f"person id {raw!r} contains an invisible or control character U+{ord(ch):04X}; refusing it",
                kind=ErrorKind.INVALID,
            )
        if cat[0] == "Z" or ch.isspace():
            raise RegistryError(f"person id {raw!r} contains whitespace U+{ord(ch):04X}", kind=ErrorKind.INVALID)
    canon = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", raw).casefold())
    scripts = set()
    for ch in canon:
        cat = unicodedata.category(ch)
        if cat.startswith("L"):
            scripts.add(_script(ch))
        elif not (cat == "Nd" and ch.isascii()) and ch not in _PUNCT:
            raise RegistryError(
                f"person id {raw!r} may hold only letters, digits and . _ - (found {ch!r})", kind=ErrorKind.INVALID
            )
    if not scripts or canon[0] in _PUNCT:
        raise RegistryError(
            f"person id {raw!r} must start with a letter or digit and hold a letter", kind=ErrorKind.INVALID
        )
    if len(scripts) > 1:
        raise RegistryError(
            f"person id {raw!r} mixes scripts ({', '.join(sorted(scripts))}); refusing a possible look-alike",
            kind=ErrorKind.INVALID,
        )
    if scripts != {"LATIN"} and canon.translate(_LATIN_LOOKALIKES).isascii():
        raise RegistryError(
            f"person id {raw!r} reads as the Latin {canon.translate(_LATIN_LOOKALIKES)!r}; refusing a look-alike",
            kind=ErrorKind.INVALID,
        )
    if len(canon) > 64:
        raise RegistryError(f"person id {raw!r} is longer than 64 characters", kind=ErrorKind.INVALID)
    return canon


def same_person(a: str, b: str) -> bool:
    """Whether two ids name the same person (compared by canonical id; a refused id raises)."""
    return canonical_person_id(a) == canonical_person_id(b)


def statement_bytes(statement: Mapping[str, Any]) -> bytes:
    """The exact bytes that are signed: sorted-key, compact, ASCII-escaped JSON."""
    return json.dumps(dict(statement), sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def identity_dir(workspace: Workspace | None = None) -> Path:
    """``$IBML_IDENTITY_DIR``, else ``<IBML_HOME>-identity`` beside (outside) the workspace."""
    from reference_impl.lifecycle.settings import LifecycleSettings

    configured = LifecycleSettings().identity_dir
    if configured is not None:
        return Path(configured).expanduser().resolve()
    root = (workspace or Workspace.from_env()).root
    return root.with_name(root.name + "-identity")


@dataclass(frozen=True)
class Person:
    """One enrolled person: canonical id, Ed25519 public key (raw, base64) and roles."""

    person_id: str
    public_key: str
    roles: frozenset[str]
    simulated: bool = False

    def verify(self, statement: Mapping[str, Any], signature: str) -> bool:
        """Whether ``signature`` (base64) is this person's signature of ``statement``."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(self.public_key, validate=True))
            key.verify(base64.b64decode(signature, validate=True), statement_bytes(statement))
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True


class PeopleDirectory:
    """``people.json`` (who, public key, roles) and ``keys/`` (private keys, 0600) in one directory.

    Parameters
    ----------
    root : Path
        The identity directory; see :func:`identity_dir`.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    @classmethod
    def for_workspace(cls, workspace: Workspace | None = None) -> PeopleDirectory:
        return cls(identity_dir(workspace))

    @property
    def people_file(self) -> Path:
        return self.root / "people.json"

    def key_file(self, person_id: str) -> Path:
        return self.root / "keys" / f"{canonical_person_id(person_id)}.ed25519"

    def people(self) -> dict[str, Person]:
        try:
            raw = json.loads(self.people_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise RegistryError(f"cannot read the people directory {self.people_file}: {exc}") from exc
        out = {}
        for pid, entry in raw.get("people", {}).items():
            if canonical_person_id(pid) != pid:  # an entry edited by hand to a non-canonical id
                raise RegistryError(f"people directory {self.people_file} holds a non-canonical id {pid!r}")
            out[pid] = Person(pid, entry["public_key"], frozenset(entry["roles"]), bool(entry.get("simulated")))
        return out

    def person(self, person_id: str) -> Person:
        """The enrolled person ``person_id`` names; ``FORBIDDEN`` if nobody by that id is enrolled."""
        pid = canonical_person_id(person_id)
        found = self.people().get(pid)
        if found is None:
            raise RegistryError(
                f"{pid!r} is not enrolled in the people directory {self.people_file} "
                f"(ibml registry people enrol {pid} --role ...)",
                kind=ErrorKind.FORBIDDEN,
            )
        return found

    def enrol(self, person_id: str, roles: Iterable[str], *, simulated: bool = False) -> Person:
        """Create a key pair for a new person; refuse an id that is taken or looks like a taken one."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        pid = canonical_person_id(person_id)
        roles = frozenset(roles)
        if not roles or not roles <= ROLES:
            raise RegistryError(f"roles must be among {sorted(ROLES)}, got {sorted(roles)}", kind=ErrorKind.INVALID)
        people = self.people()
        skeleton = pid.translate(_LATIN_LOOKALIKES)
        for other in people:
            if other == pid or other.translate(_LATIN_LOOKALIKES) == skeleton:
                raise RegistryError(f"{person_id!r} is already enrolled (as {other!r})", kind=ErrorKind.CONFLICT)
        private = Ed25519PrivateKey.generate()
        public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        keys = self.root / "keys"
        for d in (self.root, keys):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(d, 0o700)
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(self.key_file(pid), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        person = Person(pid, base64.b64encode(public).decode(), roles, simulated)
        entries = {
            p.person_id: {"public_key": p.public_key, "roles": sorted(p.roles), "simulated": p.simulated}
            for p in [*people.values(), person]
        }
        tmp = self.people_file.with_suffix(".json.tmp")
        tmp.write_text(json.dumps({"people": entries}, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.people_file)
        return person

    def sign(self, person_id: str, statement: Mapping[str, Any], *, key_file: Path | None = None) -> str:
        """Sign ``statement`` with ``person_id``'s private key; refuse a key that is not theirs."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        person = self.person(person_id)
        path = Path(key_file) if key_file is not None else self.key_file(person.person_id)
        try:
            if path.stat().st_mode & 0o077:
                raise RegistryError(f"private key {path} is readable by others; chmod 600 it", kind=ErrorKind.FORBIDDEN)
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except FileNotFoundError as exc:
            raise RegistryError(
                f"no private key for {person.person_id!r} at {path}; only they can sign", kind=ErrorKind.FORBIDDEN
            ) from exc
        except (OSError, ValueError, TypeError) as exc:
            raise RegistryError(f"cannot read the private key {path}: {exc}", kind=ErrorKind.FORBIDDEN) from exc
        if not isinstance(private, Ed25519PrivateKey):
            raise RegistryError(f"{path} is not an Ed25519 private key", kind=ErrorKind.FORBIDDEN)
        signature = base64.b64encode(private.sign(statement_bytes(statement))).decode()
        if not person.verify(statement, signature):
            raise RegistryError(
                f"the key {path} is not the one enrolled for {person.person_id!r}", kind=ErrorKind.FORBIDDEN
            )
        return signature


def enrol_simulated_people(
    people: Mapping[str, Iterable[str]], *, directory: PeopleDirectory | None = None
) -> PeopleDirectory:
    """Enrol *simulated* people (demo, notebooks, tests) unless already enrolled; return the directory.

    Every key lands in one directory on one machine, so these people prove the mechanics, not who
    sat at the keyboard: that needs each person's own key (see the module notes).
    """
    directory = directory or PeopleDirectory.for_workspace()
    existing = directory.people()
    for pid, roles in people.items():
        if canonical_person_id(pid) not in existing:
            directory.enrol(pid, roles, simulated=True)
    return directory


__all__ = [
    "IDENTITY_ENV",
    "MODEL_VALIDATOR",
    "ROLES",
    "SUBMITTER",
    "PeopleDirectory",
    "Person",
    "canonical_person_id",
    "enrol_simulated_people",
    "identity_dir",
    "same_person",
    "statement_bytes",
]
