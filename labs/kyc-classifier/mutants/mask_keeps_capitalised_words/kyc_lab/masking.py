"""Mutant of the masking adapter (planted bug, see ../../MUTANTS.toml): capitalised words are kept."""

import re

from reference_impl.kyc.masking import KYC_LEXICON as LEXICON
from reference_impl.kyc.masking import mask_text as _reference_mask

_CAPITALISED = re.compile(r"^[A-Z][a-z]+$")


def mask_text(text: str) -> str:
    # planted bug: a capitalised word is taken for a heading and kept (lower-cased), so holder names survive
    return " ".join(w.lower() if _CAPITALISED.match(w) else _reference_mask(w) for w in str(text).split())


__all__ = ["LEXICON", "mask_text"]
