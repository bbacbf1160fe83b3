"""Adapter: the reference masker (``reference_impl.kyc.masking``)."""

from reference_impl.kyc.masking import KYC_LEXICON as LEXICON
from reference_impl.kyc.masking import mask_text

__all__ = ["LEXICON", "mask_text"]
