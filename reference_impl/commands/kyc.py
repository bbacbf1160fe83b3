"""``ibml kyc train|classify|queue``: the KYC classifier and its manual-review queue from the shell.

``train`` fits on the generated dataset (``ibml data generate``) or on documents generated in memory
(``--n-docs``) and saves to ``<IBML_HOME>/models/kyc``; ``classify`` loads that model (a clear error if
absent) and prints class, confidence and route per file; ``queue`` works the review queue.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from reference_impl.errors import ConfigError

if TYPE_CHECKING:
    from reference_impl.kyc import ReviewQueue


def register(subparsers: argparse._SubParsersAction) -> None:
    kyc = subparsers.add_parser(
        "kyc",
        help="KYC document classifier and manual-review queue",
        description="Train the KYC document classifier, classify files, work the review queue.",
    )
    sub = kyc.add_subparsers(dest="kyc_command", metavar="ACTION", required=True, parser_class=type(kyc))

    train = sub.add_parser("train", help="train on generated documents and save to the workspace models dir")
    train.add_argument(
        "--data",
        type=Path,
        default=None,
        help="dataset directory from `ibml data generate` (default: the workspace data dir)",
    )
    train.add_argument(
        "--n-docs", type=int, default=None, help="instead of a dataset, generate this many documents in memory"
    )
    train.add_argument("--seed", type=int, default=42, help="seed for generation and splits (default 42)")
    train.add_argument(
        "--target-precision",
        type=float,
        default=0.99,
        help="required auto-accept precision per class on validation data (default 0.99)",
    )
    train.add_argument("--model", type=Path, default=None, help="output directory (default <IBML_HOME>/models/kyc)")
    train.set_defaults(func=_train)

    classify = sub.add_parser("classify", help="classify text files: class, confidence and route")
    classify.add_argument("files", nargs="+", type=Path, metavar="FILE", help="plain-text documents (.txt, .text, .md)")
    classify.add_argument("--model", type=Path, default=None, help="model directory (default <IBML_HOME>/models/kyc)")
    classify.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")
    classify.add_argument("--enqueue", action="store_true", help="put documents routed to manual review in the queue")
    classify.set_defaults(func=_classify)

    queue = sub.add_parser("queue", help="list, claim, decide and export manual-review items")
    qsub = queue.add_subparsers(dest="queue_command", metavar="ACTION", required=True, parser_class=type(kyc))
    q_list = qsub.add_parser("list", help="items by status")
    q_list.add_argument("--status", default="pending", choices=["pending", "claimed", "decided", "all"])
    q_list.set_defaults(func=_queue_list)
    q_claim = qsub.add_parser("claim", help="claim an item (or the oldest pending one)")
    q_claim.add_argument("item", nargs="?", type=int, help="item id (default: the oldest pending item)")
    q_claim.add_argument("--reviewer", required=True)
    q_claim.set_defaults(func=_queue_claim)
    q_decide = qsub.add_parser("decide", help="record the label for an item you have claimed")
    q_decide.add_argument("item", type=int)
    q_decide.add_argument("--reviewer", required=True)
    q_decide.add_argument("--label", required=True)
    q_decide.add_argument("--comment", default="")
    q_decide.set_defaults(func=_queue_decide)
    q_hist = qsub.add_parser("history", help="every recorded state change of an item")
    q_hist.add_argument("item", type=int)
    q_hist.set_defaults(func=_queue_history)
    q_export = qsub.add_parser("export", help="write reviewer decisions as labelled data (.parquet or .csv)")
    q_export.add_argument("path", type=Path)
    q_export.set_defaults(func=_queue_export)


def _train(args: argparse.Namespace) -> int:
    from reference_impl.kyc import default_model_dir, save_classifier, train_kyc_model

    if not 0.0 < args.target_precision <= 1.0:
        raise ConfigError(f"--target-precision must be in (0, 1], got {args.target_precision}")
    if args.n_docs is not None:
        if args.n_docs < 100:
            raise ConfigError(f"--n-docs must be at least 100, got {args.n_docs}")
        from reference_impl.data import make_clients, make_kyc_documents

        docs = make_kyc_documents(make_clients(max(50, args.n_docs // 10), seed=args.seed), args.n_docs, args.seed)
        source = f"{args.n_docs} documents generated in memory (seed {args.seed})"
    else:
        from reference_impl.data.io import MANIFEST, load_dataset
        from reference_impl.workspace import Workspace

        directory = args.data or Workspace.from_env().data_dir
        if not (directory / MANIFEST).is_file():
            raise ConfigError(f"no dataset at {directory}: run `ibml data generate` first, or pass --n-docs N")
        docs = load_dataset(directory, tables=["kyc_documents"])["kyc_documents"]
        source = f"{len(docs)} documents from {directory}"
    result = train_kyc_model(docs, target_precision=args.target_precision, seed=args.seed)
    out = save_classifier(result.model, args.model or default_model_dir())
    print(f"trained KYC model {result.model.model_version} on {source}")
    print(f"saved to {out}")
    print(f"per-class auto-accept thresholds (precision >= {args.target_precision:g} on validation):")
    for cls, t in sorted(result.model.router.thresholds.items()):
        print(f"  {cls:<30} {'never' if not math.isfinite(t) else f'{t:.3f}'}")
    print(f"test: Brier {result.evaluation.brier:.4f}, ECE {result.evaluation.ece:.4f}")
    print(result.evaluation.by_subset.round(3).to_string(index=False))
    return 0


def _classify(args: argparse.Namespace) -> int:
    from reference_impl.kyc import MANUAL_REVIEW, ReviewQueue, default_model_dir, load_classifier, load_documents

    model = load_classifier(args.model or default_model_dir())
    documents = load_documents(args.files)
    decisions = model.decide_documents(documents)
    if args.enqueue:
        from reference_impl.workspace import Workspace

        queue = ReviewQueue(Workspace.from_env().review_queue_db)
        for doc, decision in zip(documents, decisions):
            if decision.route == MANUAL_REVIEW:
                queue.enqueue(
                    str(doc.path),
                    doc.text or "",
                    predicted=decision.label,
                    confidence=decision.confidence,
                    reason=decision.reason,
                    actor="cli",
                )
    if args.json:
        for doc, decision in zip(documents, decisions):
            record = {"file": str(doc.path), **decision.to_dict(), "error": doc.error}
            record.pop("probabilities")
            print(json.dumps(record, sort_keys=True))
        return 0
    width = max(len(str(d.path)) for d in documents)
    print(f"{'file':<{width}}  {'class':<28}  {'confidence':>10}  {'route':<14}  reason")
    for doc, d in zip(documents, decisions):
        reason = d.reason + (f" ({doc.error})" if doc.error else "")
        print(f"{str(doc.path):<{width}}  {d.label or '-':<28}  {d.confidence:>10.3f}  {d.route:<14}  {reason}")
    return 0


def _queue() -> ReviewQueue:
    from reference_impl.kyc import ReviewQueue
    from reference_impl.workspace import Workspace

    return ReviewQueue(Workspace.from_env().review_queue_db)


def _print_items(items: list) -> None:
    print(f"{'item':>5}  {'status':<8}  {'doc_id':<24}  {'predicted':<28}  {'conf':>5}  {'reason':<22}  holder")
    for it in items:
        holder = it.claimed_by or it.decided_by or "-"
        conf = "-" if it.confidence is None else f"{it.confidence:.3f}"
        print(
            f"{it.item_id:>5}  {it.status:<8}  {it.doc_id[:24]:<24}  {(it.predicted or '-'):<28}  {conf:>5}  "
            f"{it.reason:<22}  {holder}"
        )


def _queue_list(args: argparse.Namespace) -> int:
    _print_items(_queue().list(None if args.status == "all" else args.status, limit=1000))
    return 0


def _queue_claim(args: argparse.Namespace) -> int:
    queue = _queue()
    item = queue.claim_next(args.reviewer) if args.item is None else queue.claim(args.item, args.reviewer)
    if item is None:
        print("no pending items")
        return 0
    print(
        f"claimed item {item.item_id} ({item.doc_id}) for {item.claimed_by} until {item.lease_expires:%Y-%m-%d %H:%M:%S} UTC"
    )
    return 0


def _queue_decide(args: argparse.Namespace) -> int:
    item = _queue().decide(args.item, args.reviewer, args.label, args.comment)
    print(f"item {item.item_id} ({item.doc_id}) decided as {item.decided_label} by {item.decided_by}")
    return 0


def _queue_history(args: argparse.Namespace) -> int:
    for event in _queue().history(args.item):
        print(
            f"{event.ts:%Y-%m-%d %H:%M:%S}  {event.event:<14}  {event.actor:<12}  {json.dumps(event.detail, sort_keys=True)}"
        )
    return 0


def _queue_export(args: argparse.Namespace) -> int:
    n = _queue().export_labels(args.path)
    print(f"wrote {n} reviewed labels to {args.path}")
    return 0
