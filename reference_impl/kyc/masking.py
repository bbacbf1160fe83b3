"""Mask names and numbers out of KYC text before it is vectorised, so the fitted model cannot memorise them.

A TF-IDF vectoriser keeps every term it sees: fitted on raw KYC documents, its vocabulary held holder
names ("oliver whitfield") and document numbers, and so did every saved model file (issue 16, finding
11). Masking before vectorising makes that impossible by construction: every word a document yields is
either a word of a closed, reviewed :data:`KYC_LEXICON` (document vocabulary in English, German and
French; it holds no person, street, city or company name) or a *shape* placeholder that says what kind
of token was there and nothing else:

=============  ===================================================================
``<num9>``     a run of 9 digits (the length is kept, capped at 12: ``<num12>``)
``<id>``       letters and digits mixed (``AB12C``, an OCR-damaged number)
``<name>``     a capitalised word not in the lexicon (``Whitfield``)
``<caps>``     an upper-case word not in the lexicon (``WHITFIELD``, an MRZ line)
``<word>``     a lower-case word not in the lexicon
``<fill>``     a run of ``<`` (machine-readable zone filler)
=============  ===================================================================

Single characters are kept (lower-cased): one letter identifies no one. OCR damage is undone where it
is cheap: a token whose digits read as letters (``0``→``o``, ``1``→``l``, ``5``→``s``, ``8``→``b``)
is looked up again, and a word of five or more letters within one edit of a lexicon word becomes that
word (``Nati0nality``, ``Passpurt``). Both only ever *produce lexicon words*, so the guarantee holds:
the word features, and the character n-grams built from the masked text, are made of lexicon words and
placeholders only. The cost in accuracy is measured by ``benchmarks/bench_kyc_pii.py``.

>>> mask_text("Passport No. 123456789\\nSurname Whitfield\\nP<GBRWHITFIELD<<OLIVER<<<<")
'passport no <num9> surname <name> p <caps> <fill> <caps> <fill>'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

#: Shape placeholders :func:`mask_text` emits (``<numN>`` for N in 1..12).
PLACEHOLDERS: tuple[str, ...] = (*(f"<num{n}>" for n in range(1, 13)), "<id>", "<name>", "<caps>", "<word>", "<fill>")

#: Document vocabulary the masker keeps: KYC document words in English, German and French. Reviewed:
#: no first name, surname, street, city or company stem of the generated people (a test enforces it),
#: plus the month abbreviations dates are written with.
#: Adding a word is a change to what the model may store; never add a name.
KYC_LEXICON: frozenset[str] = frozenset(
    """
    a à abbuchung abonnement abrechnungszeitraum account act actual address administrateur adresse ag alter am
    amount amtsgericht an ancien and annual anschrift any appointed appointment approval articles as
    association at attestation au ausweisnummer authority automatique autorité balance band bank banking banque
    bearer before behörde beratungsleistungen bescheinigt beschränkter bestellt bic bill billing birth bis born
    borough bought branch britain broadband budget business by bürgeramt capital card cardiff carried carte
    certificate certifie certified certifies charge charges charitable client closing code commerce companies
    company compte concern confirm confirmation conseil consideration consommation consulting copy council
    country credit current customer dass date day days de dear debit deed dem depuis der des description
    deutsch direct director directors dirigeants discover document domicile done driving du due dénomination
    eintragung einzeln electricity energy engineering england entity eur expiration expiry extrait facturation
    facture fait faithfully family firma foods for forenames forme forward fourniture française from fund gas
    gbp geboren geburtsdatum geburtsort geburtstag gegenstand gehalt gemeldet geschäftsführer
    geschäftsführerliste gesellschaft given gmbh great greffe growth grundpreis gérant gültig haftung handel
    handelsregisterauszug has hauptwohnung held hereby hiermit hm holder house hrb ht iban id idd identity
    identité idfra immatriculation in incorporated incorporation industries innerhalb instalments interest
    invoice is issue issued ist it its je jours juridique jusqu kartenzahlung kbis kingdom kode kontoauszug
    kontoinhaber kontostand kundennummer kwh kyc la lastschrift le letter liable licence lieferanschrift lieu
    limited llc logistics ltd maintained may meeting meldebescheinigung meter minutes mit mobilescan montant
    mortgage municipality naissance name names national nationale nationality nationalité net nettobetrag neuer
    new newsletter next no nom nommé nouveau nr number numéro né occupation of office on opening opportunities
    or order our out page paid paiement pass passeport passport pay payer payment per period permit person
    personalausweis place plc please pouvoirs present prestations price private property préfecture
    prélèvement prénom prénoms période que rates rcs reading received rechnung rechnungsbetrag rechnungsdatum
    rechtsform reference register registered registrar registration registre registry reisepass relevé
    relocation rent représentation request residence resident resides resignation réside sa salaire salary sarl
    savings scanned secretary seit service services settlement sewerage sex shareholder shares signature since
    situation sitz siège so social solde sort soussigné staatsangehörigkeit stadt stadtwerke stammkapital
    standing statement stromrechnung supply surname tag tagen tax team telephone terms that the this time
    titulaire to total trade trading transfer tribunal true trust typ type under united unsubscribe
    unternehmens until used utility valable valid vat verbrauch vertretungsbefugnis virement visit von vornamen
    votre wales water we website whom wird with your yours zahlbar zeitraum électricité énergie
    jan feb mar apr jun jul aug sep oct nov dec
    """.split()
)

_TOKEN = re.compile(r"<{2,}|\w+")
_DIGIT_AS_LETTER = str.maketrans("0158", "olsb")
_FUZZY_MIN_LEN = 5
_PIECE_MIN_LEN = 4


@lru_cache(maxsize=8)
def _index(lexicon: tuple[str, ...]) -> tuple[frozenset[str], dict[str, str]]:
    """The lexicon as a set and its one-deletion neighbourhood (word or word minus one letter → word)."""
    near: dict[str, str] = {}
    for word in lexicon:  # sorted: the first word wins a tie, so the mapping is deterministic
        if len(word) >= _FUZZY_MIN_LEN:
            for variant in (word, *(word[:i] + word[i + 1 :] for i in range(len(word)))):
                near.setdefault(variant, word)
    pieces: dict[str, set[str]] = {}
    for word in lexicon:  # a fragment OCR split off a longer word: its start or end, if only one word has it
        for n in range(_PIECE_MIN_LEN, len(word)):
            pieces.setdefault("^" + word[:n], set()).add(word)
            pieces.setdefault(word[-n:] + "$", set()).add(word)
    for key, words in sorted(pieces.items()):
        if len(words) == 1:
            near.setdefault(key, next(iter(words)))
    return frozenset(lexicon), near


def _lookup(word: str, known: frozenset[str], near: dict[str, str]) -> str | None:
    """``word`` (lower case) if known, else the lexicon word within one edit of it, else None."""
    if word in known:
        return word
    if len(word) >= _FUZZY_MIN_LEN:
        for variant in (word, *(word[:i] + word[i + 1 :] for i in range(len(word)))):
            if variant in near:
                return near[variant]
    if len(word) >= _PIECE_MIN_LEN:
        return near.get("^" + word) or near.get(word + "$")
    return None


def _mask_token(token: str, known: frozenset[str], near: dict[str, str]) -> str:
    if token.startswith("<"):
        return "<fill>"
    if len(token) == 1:
        return token.lower() if not token.isdigit() else "<num1>"
    if token.isdigit():
        return f"<num{min(len(token), 12)}>"
    lower = token.lower()
    if any(ch.isdigit() for ch in token):
        as_letters = lower.translate(_DIGIT_AS_LETTER)
        found = _lookup(as_letters, known, near) if as_letters.isalpha() else None
        return found or "<id>"
    found = _lookup(lower, known, near) if token.isalpha() else None
    if found:
        return found
    if not token.isalpha():  # underscores and the like
        return "<id>"
    if token.isupper():
        return "<caps>"
    return "<name>" if token[0].isupper() else "<word>"


def _indexed(lexicon: Iterable[str] | None) -> tuple[frozenset[str], dict[str, str]]:
    return _index(tuple(sorted({word.lower() for word in (KYC_LEXICON if lexicon is None else lexicon)})))


def _mask(text: str, known: frozenset[str], near: dict[str, str]) -> str:
    return " ".join(_mask_token(token, known, near) for token in _TOKEN.findall(text))


def mask_text(text: str, lexicon: Iterable[str] | None = None) -> str:
    """``text`` as space-separated lexicon words and placeholders (see the module docstring)."""
    return _mask(text, *_indexed(lexicon))


def mask_texts(texts: Iterable[str], lexicon: Iterable[str] | None = None) -> list[str]:
    """:func:`mask_text` applied to each text (the lexicon is indexed once)."""
    known, near = _indexed(lexicon)
    return [_mask(text, known, near) for text in texts]


__all__ = ["KYC_LEXICON", "PLACEHOLDERS", "mask_text", "mask_texts"]
