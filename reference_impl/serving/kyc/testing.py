"""Fakes for the KYC room: a keyword-routing classifier with fixed confidences."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reference_impl.serving.kyc.models import KYC_MODEL_NAME, KycDecider, ReviewQueueStore
from reference_impl.serving.kyc.state import KycProviders
from reference_impl.serving.models import LoadedModel, loaded


class FakeKycModel:
    """A KYC model honouring ``KycModel.decide``: routes on keywords, with fixed confidences."""

    model_version = "fake-kyc-1"
    training_digest = "sha256:fake-kyc"

    def decide(self, texts: Sequence[str], doc_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        out = []
        for i, text in enumerate(texts):
            lower = text.lower()
            if "passport" in lower:
                label, conf, route, reason = "passport", 0.97, "auto_accept", "above_class_threshold"
            elif len(text.strip()) < 5:
                label, conf, route, reason = None, 0.0, "reject_unknown", "too_short"
            else:
                label, conf, route, reason = "utility_bill", 0.55, "manual_review", "below_class_threshold"
            out.append(
                {
                    "label": label,
                    "confidence": conf,
                    "route": route,
                    "reason": reason,
                    "reason_text": reason.replace("_", " "),
                    "threshold": 0.9,
                    "doc_id": None if doc_ids is None else doc_ids[i],
                }
            )
        return out


def fake_kyc_model() -> LoadedModel[KycDecider]:
    """A loaded-model slot holding a :class:`FakeKycModel`."""
    return loaded(KYC_MODEL_NAME, FakeKycModel(), "fake", approval_state="approved")


def fake_kyc_providers(
    *, kyc: LoadedModel[KycDecider] | None = None, review_queue: ReviewQueueStore | None = None
) -> KycProviders:
    """:class:`KycProviders` with the fake classifier (and the real SQLite queue in the workspace, unless given)."""
    providers = KycProviders(kyc_model=lambda s: kyc or fake_kyc_model())
    if review_queue is not None:
        providers.review_queue = lambda s: review_queue
    return providers


__all__ = ["FakeKycModel", "fake_kyc_model", "fake_kyc_providers"]
