"""Adapter: the reference :func:`~reference_impl.kyc.train_kyc_model` (split, fit, thresholds on validation)."""

from __future__ import annotations

import pandas as pd

from reference_impl.kyc.training import OUT_OF_SCOPE, train_kyc_model
from reference_impl.kyc.training import KycTrainingResult as TrainingResult


def train_routed_model(
    docs: pd.DataFrame,
    *,
    target_precision: float = 0.99,
    min_support: int = 10,
    min_threshold: float = 0.9,
    seed: int = 0,
) -> TrainingResult:
    """The reference training run (60/20/20 split, out-of-scope kept out of the classifier's training)."""
    return train_kyc_model(
        docs, target_precision=target_precision, min_support=min_support, min_threshold=min_threshold, seed=seed
    )


__all__ = ["OUT_OF_SCOPE", "TrainingResult", "train_routed_model"]
