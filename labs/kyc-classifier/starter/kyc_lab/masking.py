"""Mask names and numbers out of a document before the model sees it.

A TF-IDF vectoriser keeps every term it meets. Fitted on raw KYC documents, its vocabulary holds
holder names and passport numbers, and so does every saved copy of the model. Masking first makes
that impossible by construction: each word of the output is either a word of a reviewed document
lexicon (:data:`KYC_LEXICON`, provided: document vocabulary in English, German and French, no person,
street, city or company name) or a *shape* placeholder that says what kind of token was there:

=============  ===================================================================
``<numN>``     a run of N digits (N capped at 12): ``123456789`` -> ``<num9>``
``<id>``       letters and digits mixed (``AB12C``)
``<name>``     a capitalised word not in the lexicon (``Whitfield``)
``<caps>``     an upper-case word not in the lexicon (``WHITFIELD``, an MRZ line)
``<word>``     a lower-case word not in the lexicon
``<fill>``     a run of ``<`` (machine-readable zone filler)
=============  ===================================================================

Lexicon words come out lower-cased; single letters are kept (one letter identifies no one).
"""

from __future__ import annotations

from reference_impl.kyc.masking import KYC_LEXICON

#: The words masking keeps (provided). Adding a word changes what the model may store: never add a name.
LEXICON: frozenset[str] = KYC_LEXICON


def mask_text(text: str) -> str:
    """``text`` as space-separated lexicon words and placeholders.

    Parameters
    ----------
    text : str
        A document's extracted text.

    Returns
    -------
    str
        For example ``mask_text("Passport No. 123456789\\nSurname Whitfield")`` gives
        ``"passport no <num9> surname <name>"``. No digit run of 3 or more and no word outside
        :data:`LEXICON` may survive.
    """
    raise NotImplementedError("TODO m1: mask_text — tokenise, keep lexicon words, replace the rest by shape placeholders")


__all__ = ["LEXICON", "mask_text"]
