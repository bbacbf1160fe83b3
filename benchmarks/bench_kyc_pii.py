"""What masking names and numbers out of the KYC vectoriser costs: raw vs masked text, same data, same seeds.

For each seed: generate clients and documents, train the routed model twice through
:func:`~reference_impl.kyc.train_kyc_model` (same split, same thresholds procedure), once with
``KycClassifier(mask=False)`` (raw text, the old default) and once with the default masked classifier,
and report on the test split:

* accuracy and macro-F1 of the top label on in-scope documents that pass the guards;
* ECE (expected calibration error of the top-label confidence);
* auto-accept coverage (share of all test documents auto-accepted at the per-class thresholds chosen on
  validation) and the precision of those auto-accepts, plus the number auto-accepted wrongly;
* accuracy on the noisy and second-language subsets (where OCR damage meets the lexicon);
* what the fitted vocabulary holds: terms, and how many holder full names, first/last name tokens and
  document numbers (7+ digit runs) of the generated data appear among the word and character features.

Usage::

    .venv/bin/python benchmarks/bench_kyc_pii.py                       # 2,000 documents, seeds 0 1 2
    .venv/bin/python benchmarks/bench_kyc_pii.py --n-docs 3000 --seeds 0
"""

from __future__ import annotations

import argparse
import re
import time

import numpy as np


def _leaks(clf, clients, docs) -> dict[str, int]:
    """Holder names, name tokens and document numbers found among the fitted features (lower-cased)."""
    union = clf.model_.calibrated_classifiers_[0].estimator.named_steps["features"]
    vocab = {term for _, vec in union.transformer_list for term in vec.vocabulary_}
    people = clients.loc[clients["entity_type"] == "individual", "name"].astype(str)
    full = {n.lower() for n in people}
    tokens = {t.lower() for n in people for t in n.split()}
    numbers = {m for text in docs["text"] for m in re.findall(r"\d{7,}", text)}
    return {
        "terms": len(vocab),
        "full_names": len(full & vocab),
        "n_full_names": len(full),
        "name_tokens": len(tokens & vocab),
        "n_name_tokens": len(tokens),
        "doc_numbers": len(numbers & vocab),
        "n_doc_numbers": len(numbers),
    }


def _run(docs, clients, seed: int, mask: bool) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    from reference_impl.kyc import KycClassifier, train_kyc_model

    start = time.process_time()
    result = train_kyc_model(docs, seed=seed, classifier=KycClassifier(mask=mask))
    fit_cpu = time.process_time() - start
    model, test, ev = result.model, result.test, result.evaluation
    decisions = model.decide(test["text"].astype(str).tolist())
    y = test["label"].astype(str).tolist()
    keep = [i for i, d in enumerate(decisions) if y[i] in model.classes and d.probabilities]
    y_in = [y[i] for i in keep]
    p_in = [decisions[i].label for i in keep]
    subset = ev.by_subset.set_index("group")
    return {
        "accuracy": accuracy_score(y_in, p_in),
        "macro_f1": f1_score(y_in, p_in, labels=list(model.classes), average="macro", zero_division=0),
        "ece": ev.ece,
        "brier": ev.brier,
        "auto_coverage": float(subset.loc["all", "auto_accept"]),
        "auto_precision": float(subset.loc["all", "auto_accept_precision"]),
        "auto_wrong": int(subset.loc["all", "n_auto_accept_wrong"]),
        "acc_noisy": float(subset.loc["noisy", "accuracy"]) if "noisy" in subset.index else float("nan"),
        "acc_second_language": float(subset.loc["second_language", "accuracy"])
        if "second_language" in subset.index
        else float("nan"),
        "fit_cpu_s": fit_cpu,
        **_leaks(model.classifier, clients, result.train),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-docs", type=int, default=2_000, help="documents generated per seed")
    parser.add_argument("--n-clients", type=int, default=200)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)

    from reference_impl.data import make_clients, make_kyc_documents

    runs: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    for seed in args.seeds:
        clients = make_clients(args.n_clients, seed=seed)
        docs = make_kyc_documents(clients, args.n_docs, seed)
        for mask in (False, True):
            runs[mask].append(_run(docs, clients, seed, mask))

    print(f"{args.n_docs} documents, {args.n_clients} clients, seeds {args.seeds}; mean over seeds (min-max)")
    print(f"{'metric':<22} {'raw (mask=False)':>24} {'masked (default)':>24} {'change':>9}")
    for key in runs[True][0]:
        if key.startswith("n_"):
            continue
        raw = np.array([r[key] for r in runs[False]], dtype=float)
        masked = np.array([r[key] for r in runs[True]], dtype=float)
        fmt = "{:.0f}" if key in ("auto_wrong", "terms", "full_names", "name_tokens", "doc_numbers") else "{:.3f}"

        def cell(v: np.ndarray, fmt: str = fmt) -> str:
            return f"{fmt.format(v.mean())} ({fmt.format(v.min())}-{fmt.format(v.max())})"

        print(f"{key:<22} {cell(raw):>24} {cell(masked):>24} {masked.mean() - raw.mean():>+9.3f}")
    first = runs[True][0]
    print(
        f"\nleak denominators (seed {args.seeds[0]}): {first['n_full_names']} holder full names, "
        f"{first['n_name_tokens']} first/last name tokens, {first['n_doc_numbers']} document numbers in train"
    )


if __name__ == "__main__":
    main()
