from __future__ import annotations

import pytest

from reference_impl.errors import DataValidationError
from reference_impl.kyc import load_documents, read_document


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.txt", "Gas bill — amount due".encode(), "Gas bill — amount due"),
        ("b.md", "\ufeffwith a BOM".encode(), "with a BOM"),
        ("c.TXT", b"upper-case suffix", "upper-case suffix"),
        ("d.txt", b"", ""),
    ],
)
def test_reads_text(tmp_path, name, data, expected):
    path = tmp_path / name
    path.write_bytes(data)
    assert read_document(path) == expected


@pytest.mark.parametrize(
    ("name", "data", "match"),
    [
        ("bad.txt", b"\xff\xfe\x00garbage", "NUL bytes"),
        ("latin1.txt", "café".encode("latin-1"), "not valid UTF-8"),
        ("scan.pdf", b"%PDF-1.7", "unsupported type '.pdf'"),
        ("noext", b"text", "unsupported type '\\(none\\)'"),
        ("big.txt", b"x" * 101, "above the 100-byte limit"),
    ],
)
def test_refuses_what_is_not_safe_text(tmp_path, name, data, match):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DataValidationError, match=match):
        read_document(path, max_bytes=100)


def test_load_documents_keeps_going_past_unreadable_files(tmp_path):
    (tmp_path / "ok.txt").write_text("fine")
    (tmp_path / "bad.txt").write_bytes(b"\xff")
    docs = load_documents([tmp_path / "ok.txt", tmp_path / "bad.txt"])
    assert [(d.doc_id, d.text, d.error is None) for d in docs] == [("ok.txt", "fine", True), ("bad.txt", None, False)]


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(DataValidationError, match="not found: .*nope.txt"):
        load_documents([tmp_path / "nope.txt"])
    with pytest.raises(DataValidationError, match="does not exist"):
        read_document(tmp_path)
