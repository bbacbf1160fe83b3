# %% [markdown]
# ## Confidence thresholds and manual-review routing (KYC documents)
#
# A KYC team receives thousands of scanned documents a week: passports, utility bills, bank statements,
# certificates of incorporation. A classifier can sort most of them, but "most" is not a control. What the
# head of KYC operations signs off is a **routing policy**:
#
# * **auto-accept** when the model is confident enough that its precision meets a target (say 99 %);
# * **manual review** when it is not — a human decides, and the decision becomes new training data;
# * **reject as unknown** when the document looks like none of our classes (empty, garbled, a random letter).
#
# Three ideas make this work: probabilities that are **calibrated** (0.95 means right 95 % of the time),
# thresholds **per class** chosen on **validation** data (never on test data), and **guards** that keep
# out-of-scope text away from auto-accept whatever the model says.

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from reference_impl.data import make_clients, make_kyc_documents
from reference_impl.exercises.week04_kyc import check, reference
from reference_impl.kyc import (
    KycClassifier, KycModel, ReviewQueue, TextGuard, brier_score, calibrate_router, coverage_accuracy_curve,
    expected_calibration_error, plot_coverage_accuracy, plot_reliability, reliability_curve, split_documents,
)

warnings.filterwarnings("ignore", category=FutureWarning)
pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 12)

KYC_SEED = 4
kyc_docs = make_kyc_documents(make_clients(80, seed=KYC_SEED), n_docs=700, seed=KYC_SEED)
kyc_train, kyc_val, kyc_test = split_documents(kyc_docs, val_size=0.25, test_size=0.25, seed=KYC_SEED)
print(f"train {len(kyc_train)}, validation {len(kyc_val)}, test {len(kyc_test)} documents")
print(kyc_docs["subset"].value_counts().sort_index().to_string())

# %% [markdown]
# ### A calibrated classifier
#
# Word n-grams catch the vocabulary of each document type ("sort code", "registered office"); character
# n-grams survive OCR noise ("Statemcnt"). A logistic regression over both is then **temperature-scaled**:
# one parameter, fitted on out-of-fold predictions, that softens or sharpens every probability. We train on
# in-scope documents only — out-of-scope letters stay in validation and test, where they show whether the
# routing lets them through.

# %%
in_scope = kyc_train[kyc_train["label"] != "out_of_scope"]
kyc_clf = KycClassifier(max_features=3_000).fit(in_scope["text"].tolist(), in_scope["label"].tolist())
classes = list(kyc_clf.classes_)

val_in = kyc_val[kyc_val["label"] != "out_of_scope"]
val_proba = kyc_clf.predict_proba(val_in["text"].tolist())
val_conf = val_proba.max(axis=1)
val_correct = np.asarray(classes)[val_proba.argmax(axis=1)] == val_in["label"].to_numpy()
print(f"temperature {kyc_clf.temperature_:.2f}, validation accuracy {val_correct.mean():.3f}")
print(f"Brier score {brier_score(val_proba, val_in['label'].tolist(), classes):.3f}, "
      f"ECE {expected_calibration_error(val_conf, val_correct):.3f}")
print(reliability_curve(val_conf, val_correct, n_bins=5).round(2).to_string(index=False))

# %% [markdown]
# ### Choosing a threshold from a target precision
#
# For one class, take the validation documents the model *predicted* as that class, sort them by
# confidence, and find the **lowest** cut-off at which the accepted documents are still right at least
# `target_precision` of the time. Lower means more documents go straight through; the target protects
# quality. If no cut-off qualifies, the class is never auto-accepted.
#
# **Exercise 4.5** — write `precision_threshold(confidence, correct, target_precision)`.

# %%
# Exercise 4.5 — the lowest confidence threshold meeting a target precision
def precision_threshold(confidence, correct, target_precision):
    return reference.precision_threshold(confidence, correct, target_precision)  # delete this line and write your own


# %%
check.precision_threshold(precision_threshold)

# %% [markdown]
# Apply it per class on the validation set. Out-of-scope validation documents count as errors for whatever
# class they were predicted as — that is what pushes thresholds up where such letters look familiar.

# %%
val_all_proba = kyc_clf.predict_proba(kyc_val["text"].tolist())
val_pred = np.asarray(classes)[val_all_proba.argmax(axis=1)]
val_top = val_all_proba.max(axis=1)
rows = []
for cls in classes:
    mine = val_pred == cls
    t = precision_threshold(val_top[mine], kyc_val["label"].to_numpy()[mine] == cls, 0.99)
    rows.append({"class": cls, "predicted": int(mine.sum()), "threshold": round(t, 3)})
print(pd.DataFrame(rows).to_string(index=False))

# %% [markdown]
# > **At a bank.** The threshold table is a *control*, not a tuning detail. It is versioned with the model
# > (`routing.json` next to the weights), reviewed by the model-risk team like any other parameter, and
# > chosen on validation data: choosing it on test data would make the reported precision a promise the
# > model cannot keep. Small validation sets flatter thresholds, so the library also puts a floor under
# > every threshold (`min_threshold=0.9`): a calibrated 0.6 means four in ten such documents are wrong.
#
# ### Coverage: how much work does the model save?
#
# **Exercise 4.6** — write `auto_accept_coverage(proba, classes, thresholds)`: the share of documents whose
# top probability reaches the threshold of *their own predicted class*.

# %%
# Exercise 4.6 — the share of documents auto-accepted under per-class thresholds
def auto_accept_coverage(proba, classes, thresholds):
    return reference.auto_accept_coverage(proba, classes, thresholds)  # delete this line and write your own


# %%
check.auto_accept_coverage(auto_accept_coverage)

# %% [markdown]
# Now the full routing: thresholds from validation (with the guards and the floor), evaluated **once** on the
# test split, per subset. Watch the `out_of_scope` row (nothing auto-accepted) and the `ambiguous` row: a
# document that could be two things mostly goes to a human, and it is where the few auto-accept errors
# (`auto_wrong`) come from — the label of such a document is a judgement call even for a person.

# %%
guard = TextGuard(supported_languages=("en", "de", "fr"))  # the languages we have training data for
router = calibrate_router(kyc_clf, kyc_val["text"].tolist(), kyc_val["label"].tolist(), target_precision=0.99,
                          min_support=5, guard=guard)
kyc_model = KycModel(kyc_clf, router)
test_proba = kyc_clf.predict_proba(kyc_test["text"].tolist())
print(f"coverage on test (model only): {auto_accept_coverage(test_proba, classes, router.thresholds):.3f}")
decisions = kyc_model.decide(kyc_test["text"].tolist(), kyc_test["doc_id"].tolist())
routed = kyc_test.assign(route=[d.route for d in decisions],
                         correct=[d.label == y for d, y in zip(decisions, kyc_test["label"])])
routed["auto_wrong"] = (routed["route"] == "auto_accept") & ~routed["correct"]
summary = routed.groupby("subset").agg(
    n=("route", "size"),
    auto_accept=("route", lambda r: (r == "auto_accept").mean()),
    manual_review=("route", lambda r: (r == "manual_review").mean()),
    reject_unknown=("route", lambda r: (r == "reject_unknown").mean()),
    auto_wrong=("auto_wrong", "sum"),
)
auto = routed[routed["route"] == "auto_accept"]
print(summary.round(2).to_string())
print(f"auto-accept precision on test: {auto['correct'].mean():.3f} ({len(auto)} documents)")

# %% [markdown]
# The guards act before the model: each refusal carries a reason code a reviewer (and an auditor) can read.

# %%
odd = ["", "#### 0042 7781 //// 5521 %%%% 9930", "Estimado cliente, le informamos que su cuenta ha sido bloqueada por "
       "motivos de seguridad y que debe contactar con su oficina.", "x" * 200_000]
for d in kyc_model.decide(odd, ["empty", "garbled", "spanish", "huge"]):
    print(f"{d.doc_id:<8} {d.route:<15} {d.reason:<22} {d.reason_text}")

# %% [markdown]
# The coverage–accuracy curve shows the trade-off a single global threshold would give; the reliability
# diagram shows why a probability threshold means anything at all.

# %%
test_in = kyc_test["label"].to_numpy() != "out_of_scope"
test_conf = test_proba.max(axis=1)[test_in]
test_correct = (np.asarray(classes)[test_proba.argmax(axis=1)] == kyc_test["label"].to_numpy())[test_in]
fig, axes = plt.subplots(1, 2, figsize=(9, 4))
plot_reliability(reliability_curve(test_conf, test_correct), ax=axes[0])
plot_coverage_accuracy(coverage_accuracy_curve(test_conf, test_correct), ax=axes[1])
fig.tight_layout()
plt.show()

# %% [markdown]
# ### The manual-review queue
#
# Documents routed to review go to a queue (SQLite in the workspace). Claims are **leases**: a reviewer whose
# session crashes does not lose the item, it returns to the queue. Every state change is an event, and the
# document text is readable only with the reviewer role. Here we use a throw-away database.

# %%
import tempfile
from pathlib import Path

queue = ReviewQueue(Path(tempfile.mkdtemp()) / "review_queue.db", lease_seconds=900)
for d, text in zip(decisions, kyc_test["text"]):
    if d.route == "manual_review":
        queue.enqueue(d.doc_id, text, predicted=d.label, confidence=d.confidence, reason=d.reason)
first = queue.claim_next("alice")
queue.decide(first.item_id, "alice", label=kyc_test.set_index("doc_id").loc[first.doc_id, "label"])
print(queue.counts())
print([e.event for e in queue.history(first.item_id)])
print(f"{len(queue.decided_labels())} reviewed document(s) ready for retraining")

# %% [markdown]
# > **At a bank.** No document text in logs — the queue logs item ids and reviewers, never content. The
# > `text_viewed` event records who read a document and with which role; reviewer decisions that disagree
# > with the model are the most valuable training data you will get, and the share of disagreements is a
# > monitoring signal in its own right.
#
# **Summary.** Calibrate first (check the reliability curve and Brier score); choose per-class thresholds on
# validation for a target precision; report coverage against that precision per subset; guard against
# out-of-scope input explicitly; and treat the threshold table and the review queue as controls.
