"""End to end on the real models: train -> log -> register -> validate -> approve -> promote -> serve -> reproduce.

Small data keeps this to seconds of CPU; the KYC recipe trains a calibrated text classifier and is
marked slow.
"""

from __future__ import annotations

import json

import pytest

from reference_impl.errors import RegistryError
from reference_impl.lifecycle.identity import PeopleDirectory, enrol_simulated_people

ANOMALY = {"n_trades": 1500, "n_estimators": 20}


@pytest.fixture(scope="module")
def anomaly_flow(tmp_path_factory):
    """One champion (v1) and one failed challenger (v2) of the real detector, in a module workspace."""
    from reference_impl.lifecycle import ModelRegistry, train_and_log
    from reference_impl.lifecycle.training import validate_with_recipe
    from reference_impl.workspace import Workspace

    ws = Workspace(tmp_path_factory.mktemp("recipes") / "ibml-home")
    reg = ModelRegistry(workspace=ws)
    enrol_simulated_people({"alice": ["submitter"], "bob": ["model_validator"]}, directory=reg.people)
    v1 = train_and_log("anomaly", seed=11, overrides=ANOMALY, submitter="alice", workspace=ws, registry=reg)
    r1 = validate_with_recipe(reg, "trade-anomaly", "1", actor="alice")
    reg.approve("trade-anomaly", "1", approver="bob")
    reg.promote("trade-anomaly", "1", actor="bob")
    v2 = train_and_log(
        "anomaly", seed=11, overrides={**ANOMALY, "contamination": 0.1}, submitter="alice", workspace=ws, registry=reg
    )
    r2 = validate_with_recipe(reg, "trade-anomaly", "2", actor="alice")
    return {"ws": ws, "reg": reg, "v1": v1, "v2": v2, "r1": r1, "r2": r2}


def test_run_records_metrics_per_anomaly_type_plots_and_lineage(anomaly_flow):
    reg, v1 = anomaly_flow["reg"], anomaly_flow["v1"]
    run = reg.client.get_run(v1.run_id)
    assert {"precision", "recall", "average_precision", "roc_auc"} <= set(run.data.metrics)
    assert any(k.startswith("recall.") for k in run.data.metrics)
    assert run.data.tags["ibml.model_kind"] == "detector"
    assert run.data.tags["ibml.training_data_digest"] == v1.data_digest
    assert any(k.startswith("ibml.feature_view.") for k in run.data.tags)
    names = {d.dataset.name for d in run.inputs.dataset_inputs}
    assert names == {"trade_features_train", "trade_features_backtest"}
    assert [a.path for a in reg.client.list_artifacts(v1.run_id, "plots")] == ["plots/score_distribution.png"]


def test_failed_challenger_is_compared_with_the_champion_and_cannot_be_promoted(anomaly_flow):
    reg, r1, r2 = anomaly_flow["reg"], anomaly_flow["r1"], anomaly_flow["r2"]
    assert r1.passed and r1.champion_version is None
    assert not r2.passed and r2.champion_version == "1"
    assert r2.champion_metrics == pytest.approx(anomaly_flow["v1"].metrics)
    with pytest.raises(RegistryError, match="refusing to promote"):
        reg.promote("trade-anomaly", "2", actor="bob")
    assert reg.by_alias("trade-anomaly", "champion").version == "1"


def test_champion_loads_natively_and_as_pyfunc_with_reason_codes(anomaly_flow, monkeypatch):
    from reference_impl.lifecycle import load_champion, quiet_mlflow
    from reference_impl.lifecycle.recipes import anomaly_data, resolve_params

    monkeypatch.setenv("IBML_HOME", str(anomaly_flow["ws"].root))
    model, info = load_champion("trade-anomaly")
    assert type(model).__name__ == "TradeAnomalyDetector"
    assert (
        info.version == "1"
        and info.approved_by == "bob"
        and info.training_data_digest == anomaly_flow["v1"].data_digest
    )
    features = anomaly_data(11, resolve_params("anomaly", ANOMALY))["features"].head(5)
    native = [d.to_dict() for d in model.decide(features)]
    with quiet_mlflow():
        import mlflow

        pyfunc_model = mlflow.pyfunc.load_model("models:/trade-anomaly@champion")
        from reference_impl.lifecycle.pyfunc import to_signature_frame

        out = pyfunc_model.predict(to_signature_frame(features))
    assert list(out.columns) == ["trade_id", "score", "threshold", "flagged", "reason_codes", "fallback_used"]
    assert out["score"].tolist() == pytest.approx([d["score"] for d in native])
    assert out["reason_codes"].tolist() == [";".join(r["code"] for r in d["reasons"]) for d in native]
    meta = pyfunc_model.metadata
    assert meta.signature is not None and meta.saved_input_example_info is not None


def test_logged_model_pins_requirements_and_carries_its_code(anomaly_flow):
    from reference_impl.lifecycle import quiet_mlflow

    reg = anomaly_flow["reg"]
    with quiet_mlflow():
        import mlflow

        path = mlflow.artifacts.download_artifacts("models:/trade-anomaly/1")
    from pathlib import Path

    reqs = (Path(path) / "requirements.txt").read_text().split()
    assert any(r.startswith("mlflow==") for r in reqs) and any(r.startswith("scikit-learn==") for r in reqs)
    assert (Path(path) / "code" / "reference_impl" / "lifecycle" / "pyfunc.py").exists()
    assert json.loads((Path(path) / "serving_input_example.json").read_text())
    assert reg.get("trade-anomaly", "1").model_digest == anomaly_flow["v1"].model_digest


def test_reproduce_matches_data_model_and_metrics(anomaly_flow, monkeypatch, capsys):
    from reference_impl.cli import main

    monkeypatch.setenv("IBML_HOME", str(anomaly_flow["ws"].root))
    assert main(["train", "--reproduce", anomaly_flow["v1"].run_id]) == 0
    out = capsys.readouterr().out
    assert "training data digest: match" in out and "model digest:         match" in out
    assert out.strip().endswith("REPRODUCED")


def test_model_card_and_docker_context_for_the_champion(anomaly_flow, tmp_path):
    from reference_impl.lifecycle import generate_docker_context, write_model_card

    reg = anomaly_flow["reg"]
    md, html = write_model_card(reg, "trade-anomaly", "1", tmp_path / "cards")
    text = md.read_text()
    assert "## Metrics per segment (anomaly type or document class)" in text
    assert "Markets Operations Analytics" in text and "| validation status | passed |" in text
    # training logged the global SHAP report; the card ranks features and links PNGs copied next to it
    assert "## Global explainability (SHAP)" in text and "| 1 | " in text
    assert (md.parent / "trade-anomaly-v1-explainability" / "shap_summary.png").exists()
    ctx = generate_docker_context("trade-anomaly", tmp_path / "docker", registry=reg)
    dockerfile = ctx.dockerfile.read_text()
    assert "ENTRYPOINT" in dockerfile and "model_dir" in dockerfile
    assert (ctx.directory / "model_dir" / "MLmodel").exists()
    assert json.loads((ctx.directory / "ibml-model.json").read_text())["version"] == "1"


@pytest.mark.slow
def test_kyc_recipe_end_to_end(workspace):
    from reference_impl.lifecycle import ModelRegistry, load_champion, train_and_log
    from reference_impl.lifecycle.training import validate_with_recipe

    reg = ModelRegistry(workspace=workspace)
    enrol_simulated_people({"alice": ["submitter"], "bob": ["model_validator"]}, directory=reg.people)
    out = train_and_log("kyc", seed=3, overrides={"n_clients": 120, "n_docs": 400}, submitter="alice", registry=reg)
    assert any(k.startswith("f1.") for k in out.metrics)
    report = validate_with_recipe(reg, "kyc-classifier", out.version.version, actor="alice")
    assert {c.metric for c in report.checks} == {"accuracy", "macro_f1", "auto_accept_precision"}
    if report.passed:
        reg.approve("kyc-classifier", out.version.version, approver="bob")
        reg.promote("kyc-classifier", out.version.version, actor="bob")
        model, info = load_champion("kyc-classifier")
        decisions = model.decide(["Certificate of incorporation of Acme Ltd, company number 1234567"])
        assert decisions[0].route in ("auto_accept", "manual_review", "reject_unknown")
    else:
        with pytest.raises(RegistryError):
            reg.approve("kyc-classifier", out.version.version, approver="bob")
    with pytest.raises(RegistryError, match="four-eyes"):
        reg.approve("kyc-classifier", out.version.version, approver="alice")


def test_cli_train_then_package(workspace, capsys, tmp_path):
    from reference_impl.cli import main
    from reference_impl.lifecycle import ModelRegistry

    enrol_simulated_people(
        {"alice": ["submitter"], "bob": ["model_validator"]}, directory=PeopleDirectory.for_workspace(workspace)
    )
    argv = ["train", "anomaly", "--seed", "11", "--set", "n_trades=1500", "--set", "n_estimators=20", "--as", "alice"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "registered trade-anomaly v1 as @challenger (submitted by alice)" in out
    assert "recall" in out and "model digest" in out
    assert main(["registry", "package", "trade-anomaly", "--out", str(tmp_path / "ctx")]) == 2  # no champion yet
    assert "no @champion" in capsys.readouterr().err
    reg = ModelRegistry(workspace=workspace)
    assert main(["registry", "validate", "trade-anomaly", "1", "--as", "alice"]) == 0
    reg.approve("trade-anomaly", "1", approver="bob")
    reg.promote("trade-anomaly", "1", actor="bob")
    assert main(["registry", "package", "trade-anomaly", "--out", str(tmp_path / "ctx")]) == 0
    assert (tmp_path / "ctx" / "Dockerfile").exists()
