"""Finding 11 (part): MLflow input examples hold no raw trader, counterparty or client ids, nor KYC text.

Reproduced on the old main: ``input_example.json`` / ``serving_input_example.json`` of the anomaly
model held the generated trader and counterparty ids, the KYC model's held whole documents.
"""

from __future__ import annotations

import json

import pytest

from reference_impl.lifecycle.identity import enrol_simulated_people


def _example_files(ws):
    return sorted(p for p in ws.mlflow_dir.rglob("*input_example.json"))


@pytest.mark.slow
def test_anomaly_input_examples_hold_no_raw_ids(workspace):
    from reference_impl.lifecycle import ModelRegistry, train_and_log

    reg = ModelRegistry(workspace=workspace)
    enrol_simulated_people({"alice": ["submitter"]}, directory=reg.people)
    train_and_log("anomaly", seed=11, overrides={"n_trades": 1500, "n_estimators": 20}, submitter="alice",
                  registry=reg)
    files = _example_files(workspace)
    assert files, "no input example was logged"
    seen = 0
    for path in files:
        doc = json.loads(path.read_text(encoding="utf-8"))
        split = doc.get("dataframe_split", doc)
        for i, col in enumerate(split.get("columns", [])):
            if str(col).endswith("_id"):
                values = [row[i] for row in split["data"]]
                assert all("-example-" in str(v) for v in values), (path.name, col, values)
                seen += 1
    assert seen, "the detector's example has id columns; none was checked"


def test_the_kyc_input_example_is_synthetic():
    from reference_impl.lifecycle.recipes import KYC_INPUT_EXAMPLE

    assert "[redacted" in KYC_INPUT_EXAMPLE and not any(ch.isdigit() for ch in KYC_INPUT_EXAMPLE)
