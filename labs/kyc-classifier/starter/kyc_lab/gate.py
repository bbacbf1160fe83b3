"""The model validation gate (provided): ``python -m kyc_lab.gate`` exits non-zero below the floors.

It trains your routed model on generated documents with :func:`kyc_lab.training.train_routed_model`,
decides the held-out *test* split once and checks the model-risk policy the reference project applies
to its own KYC classifier (``reference_impl.lifecycle.validation.DEFAULT_THRESHOLDS["kyc-classifier"]``):

* ``accuracy`` — top label right, over every test document (out-of-scope ones count as errors) ≥ 0.75;
* ``macro_f1`` — F1 per document class, averaged, over the in-scope test documents ≥ 0.80;
* ``auto_accept_precision`` — share of auto-accepted test documents whose label was right ≥ 0.90
  (nothing auto-accepted counts as 0: a model that sends everything to review has not passed).

The metrics come from the reference's own evaluation functions, and the report from its validation
module, so the gate means the same here as in the reference's model registry.
"""

from __future__ import annotations

import argparse
import math
import sys

from reference_impl.data import make_clients, make_kyc_documents
from reference_impl.kyc.evaluation import per_class_report, routing_summary
from reference_impl.lifecycle.validation import DEFAULT_THRESHOLDS, ValidationReport, build_report

from kyc_lab.training import train_routed_model

NOT_CLASSIFIED = "not_classified"


def gate_metrics(model, test) -> dict[str, float]:
    """Accuracy, macro-F1 and auto-accept precision of ``model`` on the ``test`` frame."""
    texts = test["text"].astype(str).tolist()
    y_true = test["label"].astype(str).tolist()
    decisions = model.decide(texts, test["doc_id"].astype(str).tolist())
    overall = routing_summary(decisions, y_true).iloc[0]
    classes = list(model.classes)
    in_scope = [i for i, y in enumerate(y_true) if y in classes]
    per_class = per_class_report(
        [y_true[i] for i in in_scope], [decisions[i].label or NOT_CLASSIFIED for i in in_scope], classes
    )
    aap = float(overall["auto_accept_precision"])
    return {
        "accuracy": float(overall["accuracy"]),
        "macro_f1": float(per_class["f1"].mean()),
        "auto_accept_precision": aap if math.isfinite(aap) else 0.0,
        "auto_accept_rate": float(overall["auto_accept"]),
    }


def run_gate(n_docs: int = 2000, seed: int = 0) -> ValidationReport:
    """Train on ``n_docs`` generated documents and check the floors on the test split."""
    docs = make_kyc_documents(make_clients(max(50, n_docs // 10), seed=seed), n_docs=n_docs, seed=seed)
    result = train_routed_model(docs, seed=seed)
    metrics = gate_metrics(result.model, result.test)
    return build_report(
        "kyc-classifier", "candidate", metrics, champion_version=None, champion_metrics=None,
        thresholds=DEFAULT_THRESHOLDS["kyc-classifier"], backtest=f"generated documents, seed {seed}, test split",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kyc_lab.gate", description=__doc__.splitlines()[0])
    parser.add_argument("--n-docs", type=int, default=2000, help="generated documents to train and test on")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    report = run_gate(args.n_docs, args.seed)
    for check in report.checks:
        value = "n/a" if check.challenger is None else f"{check.challenger:.3f}"
        print(f"{'pass' if check.passed else 'FAIL'}  {check.rule}: {value}{'' if check.passed else '  ' + check.detail}")
    print(f"validation gate {report.status}")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
