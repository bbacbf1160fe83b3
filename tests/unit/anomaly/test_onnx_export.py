"""The ONNX export scores like the fast scorer (10,000 real trade rows), is sealed, and names its extra when absent."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

from reference_impl.errors import ConfigError, ModelError, ModelInputError
from reference_impl.governance.lineage import file_digest

pytest.importorskip("onnxruntime")  # the extra is in `make`'s venv; a bare `pip install .` skips these
pytest.importorskip("skl2onnx")

from reference_impl.anomaly.onnx_export import (
    EXTRA_HINT,
    GRAPHS,
    ONNX_FILE,
    OnnxForestScorer,
    export_onnx,
    load_onnx,
    to_onnx_bytes,
)

N_ROWS = 10_000
TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def trained():
    """A detector fitted on 3,000 generated trades and 10,000 later trades' feature rows to score."""
    from reference_impl import data
    from reference_impl.anomaly import TradeAnomalyDetector
    from reference_impl.features import build_trade_features

    ref = data.make_reference_data(seed=11)
    prices = data.make_prices(ref, n_days=15, seed=11)
    trades = data.make_trades(ref, prices, n_trades=3000 + N_ROWS, seed=11, anomaly_rate=0.03)
    features = build_trade_features(trades, ref, prices)  # in booking order
    detector = TradeAnomalyDetector(n_estimators=100, contamination=0.02, random_state=0).fit(features.iloc[:3000])
    return detector, features.iloc[3000:].reset_index(drop=True)


@pytest.fixture(scope="module", params=GRAPHS)
def onnx_scorer(trained, request):
    """Each graph in turn: the converter's and the folded one must both hold the parity and the checks."""
    return OnnxForestScorer(to_onnx_bytes(trained[0], graph=request.param))


def test_parity_with_the_fast_scorer_on_10000_rows(trained, onnx_scorer):
    detector, rows = trained
    assert len(rows) == N_ROWS
    fast, X = detector._scores(rows)  # the detector's own path: medians imputed, fast flat-array scorer
    onnx = onnx_scorer.anomaly_score(X)
    delta = np.abs(onnx - fast)
    assert delta.max() <= TOLERANCE, f"max |Δ| {delta.max():.3g} > {TOLERANCE:g}"
    fast_flags, onnx_flags = fast >= detector.threshold_, onnx_scorer.model_flags(X)
    assert fast_flags.any() and not fast_flags.all(), "the threshold must split the rows for the check to mean much"
    differ = np.flatnonzero(fast_flags != onnx_flags)
    assert differ.size == 0, f"{differ.size} decisions differ, e.g. row {differ[:3]}"
    # and the score the detector reports is the fast scorer's, so the graph reproduces the service's decision
    np.testing.assert_array_equal(detector.anomaly_score(rows), fast)


def test_the_folded_graph_is_one_tree_ensemble_and_the_converters_one_per_tree(trained):
    """Why there are two graphs: onnxruntime's cost per call grows with the node count (benchmarks/bench_onnx.py)."""
    import onnx

    detector, _ = trained
    n_trees = detector.estimator_.forest_.n_estimators
    ops = {g: [n.op_type for n in onnx.load_from_string(to_onnx_bytes(detector, graph=g)).graph.node] for g in GRAPHS}
    assert ops["skl2onnx"].count("TreeEnsembleRegressor") == n_trees and len(ops["skl2onnx"]) > 20 * n_trees
    assert ops["folded"] == ["TreeEnsembleRegressor", "Cast", "Neg", "Pow", "Neg", "Sub"]
    with pytest.raises(ModelError, match="unknown ONNX graph 'fast': expected one of skl2onnx, folded"):
        to_onnx_bytes(detector, graph="fast")


def test_the_graph_carries_what_an_embedding_service_needs(trained, onnx_scorer):
    detector, rows = trained
    assert onnx_scorer.feature_names == list(detector.features_)
    assert onnx_scorer.threshold == detector.threshold_
    assert onnx_scorer.offset == detector.estimator_.offset_
    np.testing.assert_allclose(onnx_scorer.medians, detector.medians_)
    assert onnx_scorer.model_version == detector.model_version_
    # a DataFrame in fit order is accepted; another order is refused rather than silently mis-scored
    frame = pd.DataFrame(detector._scores(rows.head(5))[1], columns=detector.features_)
    assert onnx_scorer.anomaly_score(frame).shape == (5,)
    with pytest.raises(ModelInputError, match="feature names/order differ"):
        onnx_scorer.anomaly_score(frame[frame.columns[::-1]])


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (np.zeros((2, 3)), "X has 3 features"),
        (np.full((1, 0), 1.0), "X has 0 features"),
        ("not numbers", "features must be numeric"),
    ],
)
def test_bad_input_is_one_named_error(onnx_scorer, matrix, message):
    with pytest.raises(ModelInputError, match=message):
        onnx_scorer.anomaly_score(matrix)


def test_nan_is_refused_with_the_feature_named(trained, onnx_scorer):
    detector, rows = trained
    X = detector._scores(rows.head(2))[1].copy()
    X[1, 2] = np.nan
    with pytest.raises(ModelInputError, match=rf"non-finite .* in {detector.features_[2]} \(row 1\): impute first"):
        onnx_scorer.anomaly_score(X)


def test_a_feature_subsampled_forest_keeps_its_column_mapping():
    """With ``max_features < 1`` each tree sees its own columns; the folded graph maps its split features back."""
    from sklearn.ensemble import IsolationForest

    X = np.random.default_rng(3).normal(size=(2000, 6)) * [1, 10, 0.1, 5, 1, 100]
    forest = IsolationForest(n_estimators=40, max_features=0.5, random_state=0).fit(X)
    assert {tuple(cols) for cols in forest.estimators_features_} != {(0, 1, 2)}  # different subsets per tree
    scorer = OnnxForestScorer(to_onnx_bytes(forest, graph="folded"))
    assert np.abs(scorer.score_samples(X) - forest.score_samples(X)).max() <= TOLERANCE
    # skl2onnx's converter cannot: one named line instead of its internal RuntimeError
    with pytest.raises(
        ModelError, match=r"trees see 3 of 6 features \(max_features < 1\): export it with graph='folded'"
    ):
        to_onnx_bytes(forest, graph="skl2onnx")


def test_a_bare_forest_exports_without_a_threshold():
    from reference_impl.anomaly import IsolationForestDetector

    X = np.random.default_rng(0).normal(size=(500, 4))
    det = IsolationForestDetector(n_estimators=30, random_state=0).fit(X)
    scorer = OnnxForestScorer(to_onnx_bytes(det, graph="folded"))
    assert np.abs(scorer.score_samples(X) - det.score_samples(X)).max() <= TOLERANCE
    with pytest.raises(ModelError, match="carries no threshold"):
        scorer.model_flags(X)
    with pytest.raises(ModelError, match="unfitted IsolationForestDetector"):
        to_onnx_bytes(IsolationForestDetector())
    with pytest.raises(ModelError, match="got str"):
        to_onnx_bytes("forest")


def test_export_is_sealed_and_a_swapped_file_is_refused(trained, tmp_path):
    detector, rows = trained
    out = export_onnx(detector, tmp_path / "onnx", graph="folded")
    scorer = load_onnx(out)
    assert scorer.graph == "folded" and json.loads((out / "metadata.json").read_text())["graph"] == "folded"
    X = detector._scores(rows.head(50))[1]
    reference = OnnxForestScorer(to_onnx_bytes(detector, graph="folded")).anomaly_score(X)
    np.testing.assert_array_equal(scorer.anomaly_score(X), reference)
    # a different (valid) model written over the file: the digest no longer matches
    (out / ONNX_FILE).write_bytes(to_onnx_bytes(detector.estimator_))
    with pytest.raises(ModelError, match="failed its integrity check"):
        load_onnx(out)
    # ... and recomputing the digest is not enough: the seal is keyed
    (out / f"{ONNX_FILE}.sha256").write_text(f"{file_digest(out / ONNX_FILE)}  {ONNX_FILE}\n")
    with pytest.raises(ModelError, match="failed its seal check"):
        load_onnx(out)
    with pytest.raises(ModelError, match="no exported ONNX detector"):
        load_onnx(tmp_path / "nowhere")


def test_a_threshold_edited_in_place_is_refused(trained, tmp_path):
    """The subtle tamper: same graph, one metadata value changed (the threshold that turns scores into flags)."""
    import onnx

    detector, _ = trained
    out = export_onnx(detector, tmp_path / "onnx")
    model = onnx.load(str(out / ONNX_FILE))
    for prop in model.metadata_props:
        if prop.key == "threshold":
            prop.value = repr(float(prop.value) + 1.0)  # flags nothing: an anomaly detector switched off
    (out / ONNX_FILE).write_bytes(model.SerializeToString())
    assert OnnxForestScorer((out / ONNX_FILE).read_bytes()).threshold == detector.threshold_ + 1.0  # still loadable
    with pytest.raises(ModelError, match="failed its integrity check"):
        load_onnx(out)
    # a seal made for the *pickle's* purpose over this very file's digest does not open it either
    from reference_impl.anomaly.persistence import SEAL_PURPOSE
    from reference_impl.governance.seal import seal_digest, seal_key

    digest = file_digest(out / ONNX_FILE)
    (out / f"{ONNX_FILE}.sha256").write_text(f"{digest}  {ONNX_FILE}\n")
    (out / f"{ONNX_FILE}.seal").write_text(seal_digest(seal_key(create=False), SEAL_PURPOSE, digest) + "\n")
    with pytest.raises(ModelError, match="failed its seal check"):
        load_onnx(out)
    (out / f"{ONNX_FILE}.seal").unlink()
    with pytest.raises(ModelError, match=r"has no detector\.onnx\.seal: refusing an unverified model"):
        load_onnx(out)


def test_not_an_onnx_file_is_a_model_error():
    with pytest.raises(ModelError, match="not a loadable ONNX model"):
        OnnxForestScorer(b"not a model")


def test_without_the_extra_every_entry_point_names_it(monkeypatch, trained, tmp_path):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    assert EXTRA_HINT.endswith("pip install 'ibml[onnx]'")
    with pytest.raises(ConfigError, match=r"^the ONNX export needs the 'onnx' extra: pip install 'ibml\[onnx\]'$"):
        to_onnx_bytes(trained[0])
    with pytest.raises(ConfigError, match=r"pip install 'ibml\[onnx\]'"):
        OnnxForestScorer(b"")
    assert not (tmp_path / "onnx").exists()


def test_cli_export_onnx(trained, workspace, tmp_path, capsys, monkeypatch):
    from reference_impl.anomaly import save_detector
    from reference_impl.cli import main

    detector, _ = trained
    model_dir = save_detector(detector, tmp_path / "model")
    assert main(["anomaly", "export-onnx", str(tmp_path / "out"), "--model", str(model_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"exported {detector.model_version_} to ") and "anomaly_score = -(scores + offset)" in out
    assert "(skl2onnx graph, " in out
    assert load_onnx(tmp_path / "out").model_version == detector.model_version_
    assert main(["anomaly", "export-onnx", str(tmp_path / "out"), "--model", str(model_dir), "--graph", "folded"]) == 0
    assert "(folded graph, " in capsys.readouterr().out
    assert load_onnx(tmp_path / "out").graph == "folded"

    monkeypatch.setitem(sys.modules, "skl2onnx", None)
    assert main(["anomaly", "export-onnx", str(tmp_path / "out2"), "--model", str(model_dir)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["ibml: error: the ONNX export needs the 'onnx' extra: pip install 'ibml[onnx]'"]
    assert not (tmp_path / "out2").exists()
