"""Read KYC documents from files, refusing what we cannot safely treat as text.

Only plain-text files are accepted (OCR output, e-mail bodies saved as text). A file that is too large,
is not UTF-8, contains NUL bytes (binary) or has an unknown extension is *not* an exception that
stops a batch: :func:`load_documents` returns it with an error message, and the router sends it to
manual review with reason ``unreadable_file``. A path that does not exist is a user error and raises.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reference_impl.errors import DataValidationError

TEXT_SUFFIXES: frozenset[str] = frozenset({".txt", ".text", ".md"})
MAX_BYTES = 1_000_000  # a KYC document's text is kilobytes; anything near a megabyte is not what we expect


@dataclass(frozen=True)
class Document:
    """A file's text, or why it could not be read (exactly one of ``text`` and ``error`` is set)."""

    doc_id: str
    path: Path
    text: str | None
    error: str | None = None


def read_document(path: Path | str, *, max_bytes: int = MAX_BYTES) -> str:
    """Return the UTF-8 text of ``path``; raise :class:`DataValidationError` naming the file and the problem.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bill.txt"
    >>> _ = p.write_bytes("Gas bill — amount due".encode("utf-8"))
    >>> read_document(p)
    'Gas bill — amount due'
    """
    path = Path(path)
    if not path.is_file():
        raise DataValidationError(f"document {path} does not exist or is not a file")
    if path.suffix.lower() not in TEXT_SUFFIXES:
        raise DataValidationError(
            f"document {path} has unsupported type {path.suffix or '(none)'!r}; expected one of {sorted(TEXT_SUFFIXES)}"
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise DataValidationError(f"document {path} is {size} bytes, above the {max_bytes}-byte limit")
    with path.open("rb") as fh:
        raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:  # the file grew after stat
        raise DataValidationError(f"document {path} is above the {max_bytes}-byte limit")
    if b"\x00" in raw:
        raise DataValidationError(f"document {path} contains NUL bytes (binary, not text)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError(f"document {path} is not valid UTF-8 (byte {exc.start})") from None


def load_documents(paths: Iterable[Path | str], *, max_bytes: int = MAX_BYTES) -> list[Document]:
    """Read every file; unreadable ones come back with ``error`` set. Missing paths raise up front."""
    files = [Path(p) for p in paths]
    missing = [str(p) for p in files if not p.exists()]
    if missing:
        raise DataValidationError(
            f"document file not found: {missing[0]}" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
        )
    out: list[Document] = []
    for path in files:
        try:
            out.append(Document(path.name, path, read_document(path, max_bytes=max_bytes)))
        except DataValidationError as exc:
            out.append(Document(path.name, path, None, str(exc)))
    return out


__all__ = ["MAX_BYTES", "TEXT_SUFFIXES", "Document", "read_document", "load_documents"]
