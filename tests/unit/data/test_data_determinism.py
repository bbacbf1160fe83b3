"""Determinism and the dataset files: same seed -> same bytes; manifests catch changed files."""

from __future__ import annotations

import pandas as pd
import pytest

from reference_impl.data import make_kyc_documents, make_prices, make_reference_data, make_trades, make_clients
from reference_impl.data.io import MANIFEST, Manifest, generate_dataset, load_dataset, summarize_dataset
from reference_impl.errors import DataValidationError


def test_in_memory_builders_are_deterministic():
    a, b = make_reference_data(5), make_reference_data(5)
    for key in a:
        pd.testing.assert_frame_equal(a[key], b[key])
    pa, pb = make_prices(a, 2, seed=5), make_prices(b, 2, seed=5)
    pd.testing.assert_frame_equal(pa, pb)
    pd.testing.assert_frame_equal(make_trades(a, pa, 2_000, 5), make_trades(b, pb, 2_000, 5))
    clients = make_clients(50, 5)
    pd.testing.assert_frame_equal(make_kyc_documents(clients, 40, 5), make_kyc_documents(clients, 40, 5))


def test_different_seeds_differ():
    ref = make_reference_data(5)
    prices = make_prices(ref, 2, seed=5)
    assert not make_trades(ref, prices, 2_000, 5).equals(make_trades(ref, prices, 2_000, 6))


@pytest.fixture(scope="module")
def dataset_pair(tmp_path_factory, monkeypatch_module=None):
    import reference_impl.data.io as io

    small = io.ScaleSpec(n_trades=3_000, n_days=3, n_clients=100, n_docs=100)
    original = io.SCALES["small"]
    io.SCALES["small"] = small
    try:
        root = tmp_path_factory.mktemp("datasets")
        m1 = generate_dataset(root / "a", seed=3, progress=False)
        m2 = generate_dataset(root / "b", seed=3, progress=False)
        m3 = generate_dataset(root / "c", seed=4, progress=False)
    finally:
        io.SCALES["small"] = original
    return m1, m2, m3


def test_same_seed_gives_identical_manifest_hashes(dataset_pair):
    m1, m2, m3 = dataset_pair
    assert m1.dataset_sha256 == m2.dataset_sha256
    assert {k: v["sha256"] for k, v in m1.files.items()} == {k: v["sha256"] for k, v in m2.files.items()}
    assert m1.dataset_sha256 != m3.dataset_sha256
    assert (m1.path / MANIFEST).read_text() == (m2.path / MANIFEST).read_text()


def test_load_round_trip_and_summary(dataset_pair):
    m1 = dataset_pair[0]
    data = load_dataset(m1.path)
    assert set(data) == set(m1.files)
    assert len(data["trades"]) == 3_000
    assert isinstance(data["trades"]["exec_ts"].dtype, pd.DatetimeTZDtype)
    assert Manifest.read(m1.path).dataset_sha256 == m1.dataset_sha256
    text = summarize_dataset(m1.path)
    assert "trades" in text and "anomalies" in text and m1.dataset_sha256[:12] in text


def test_load_detects_a_changed_file(tmp_path, dataset_pair):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(dataset_pair[0].path, copy)
    (copy / "clients.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataValidationError, match="sha256"):
        load_dataset(copy, tables=["clients"])
    with pytest.raises(DataValidationError, match="no manifest"):
        load_dataset(tmp_path)
