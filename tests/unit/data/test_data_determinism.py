"""Determinism and the dataset files: same seed -> same bytes; manifests catch changed files."""

from __future__ import annotations

import pandas as pd
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.data import make_clients, make_kyc_documents, make_prices, make_reference_data, make_trades
from reference_impl.cli import main
from reference_impl.data.io import (MANIFEST, SCALES, Manifest, ScaleSpec, generate_dataset, load_dataset,
                                    summarize_dataset)
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


TINY = ScaleSpec(n_trades=3_000, n_days=3, n_clients=100, n_docs=100)


@pytest.fixture(scope="module")
def dataset_pair(tmp_path_factory):
    """Three tiny datasets: two with seed 3, one with seed 4."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(SCALES, "small", TINY)
        root = tmp_path_factory.mktemp("datasets")
        return tuple(generate_dataset(root / name, seed=seed, progress=False)
                     for name, seed in (("a", 3), ("b", 3), ("c", 4)))


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


def test_cli_generate_prints_progress_and_summary(workspace, monkeypatch, capsys):
    monkeypatch.setitem(SCALES, "small", TINY)
    assert main(["data", "generate", "--seed", "3"]) == 0
    out, err = capsys.readouterr()
    stages = [line.split()[1] for line in err.splitlines()]
    assert stages == ["reference", "prices", "trades", "clients", "kyc_documents", "written"]
    assert "anomalies" in out and str(workspace.data_dir) in out
    assert (workspace.data_dir / MANIFEST).is_file()
    assert main(["data", "summary"]) == 0 and "trades" in capsys.readouterr().out
    # regenerating over an existing dataset replaces it as a whole
    assert main(["data", "generate", "--seed", "4", "--quiet"]) == 0
    assert Manifest.read(workspace.data_dir).seed == 4
    assert not capsys.readouterr().err


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(300, 3_000))
def test_trade_invariants_hold_for_any_seed(seed, n):
    ref = make_reference_data(seed % 1000)
    trades = make_trades(ref, make_prices(ref, 2, seed=seed, step_minutes=30), n_trades=n, seed=seed)
    assert len(trades) == n and trades["trade_id"].is_unique
    assert (trades["booking_ts"] >= trades["exec_ts"]).all()
    assert trades["booking_ts"].is_monotonic_increasing
    follow = trades["event_type"] != "new"
    assert trades.loc[follow, "orig_trade_id"].isin(trades.loc[~follow, "trade_id"]).all()
