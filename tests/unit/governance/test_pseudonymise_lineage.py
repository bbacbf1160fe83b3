from __future__ import annotations

import os

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_impl.errors import ConfigError, WorkspaceError
from reference_impl.governance import (
    LineageRecord,
    Pseudonymiser,
    digest_mapping,
    file_digest,
    frame_digest,
    load_or_create_key,
)


@given(a=st.text(min_size=1, max_size=30), b=st.text(min_size=1, max_size=30))
def test_pseudonyms_are_stable_and_distinct(a, b):
    p = Pseudonymiser(b"0123456789abcdef0123")
    assert p.pseudonymise(a) == p.pseudonymise(a)
    if a != b:
        assert p.pseudonymise(a) != p.pseudonymise(b)


def test_key_matters_and_is_never_printed():
    k1, k2 = b"k" * 32, b"j" * 32
    assert Pseudonymiser(k1).pseudonymise("CP1") != Pseudonymiser(k2).pseudonymise("CP1")
    assert "k" * 16 not in repr(Pseudonymiser(k1))


@pytest.mark.parametrize("key", [b"", b"short", "tiny"])
def test_short_keys_are_refused(key):
    with pytest.raises(ConfigError, match="at least 16"):
        Pseudonymiser(key)


def test_pseudonymise_fields_only_touches_id_fields():
    p = Pseudonymiser(b"k" * 16)
    out = p.pseudonymise_fields({"counterparty_id": "CP1", "client_id": "C9", "quantity": 5, "desk": "FX"})
    assert out["quantity"] == 5 and out["desk"] == "FX"
    assert out["counterparty_id"].startswith("ps_") and out["client_id"].startswith("ps_")


def test_key_file_is_created_once_with_private_mode(tmp_path):
    path = tmp_path / "secrets" / "k.key"
    k1 = load_or_create_key(path)
    k2 = load_or_create_key(path)
    assert k1 == k2 and len(k1) == 32
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_corrupt_key_file_raises_config_error(tmp_path):
    path = tmp_path / "k.key"
    path.write_text("not-hex")
    with pytest.raises(ConfigError, match="not hex"):
        load_or_create_key(path)


def test_file_digest_and_missing_file(tmp_path):
    f = tmp_path / "x.bin"
    f.write_bytes(b"abc")
    assert file_digest(f).startswith("ba7816bf")
    with pytest.raises(WorkspaceError, match="x.missing"):
        file_digest(tmp_path / "x.missing")


def test_frame_digest_sensitive_to_values_dtypes_and_order():
    base = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    assert frame_digest(base) == frame_digest(base.copy())
    assert frame_digest(base) != frame_digest(base.astype({"a": "float64"}))
    assert frame_digest(base) != frame_digest(base.iloc[::-1])
    assert frame_digest(base) != frame_digest(base.assign(b=["x", "z"]))


def test_digest_mapping_is_order_independent():
    assert digest_mapping({"a": "1", "b": "2"}) == digest_mapping({"b": "2", "a": "1"})
    assert digest_mapping({"a": "1"}) != digest_mapping({"a": "2"})


def test_lineage_record_round_trips_to_dict():
    rec = LineageRecord(artifact="m", artifact_digest="d", inputs={"t": "x"}, params={"n": 1})
    assert rec.to_dict()["params"] == {"n": 1} and rec.to_dict()["created_at"].endswith("+00:00")
