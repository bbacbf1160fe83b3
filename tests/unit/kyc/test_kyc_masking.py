"""Finding 11 (vectoriser): the KYC model cannot memorise person names or document numbers.

Masking (:mod:`reference_impl.kyc.masking`) turns every word outside a reviewed lexicon into a shape
placeholder before vectorising. These tests hold that guarantee from three sides: the masker's output
alphabet (a property test), the lexicon (it contains no generated name), and a model fitted on generated
documents (its word and character vocabularies, and the bytes of its saved skops file).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.data import make_clients, make_kyc_documents
from reference_impl.data.clients import CITIES, COMPANY_STEMS, FIRST_NAMES, LAST_NAMES, STREETS
from reference_impl.kyc import KycClassifier
from reference_impl.kyc.masking import KYC_LEXICON, PLACEHOLDERS, mask_text, mask_texts


def _allowed_token(token: str) -> bool:
    return token in KYC_LEXICON or token in PLACEHOLDERS or len(token) == 1


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_masked_text_is_only_lexicon_words_placeholders_and_single_characters(text):
    assert all(_allowed_token(token) for token in mask_text(text).split())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Passport No. 123456789", "passport no <num9>"),
        ("Surname Whitfield", "surname <name>"),
        ("P<GBRWHITFIELD<<OLIVER<<<", "p <caps> <fill> <caps> <fill>"),
        ("ID no. AB12C34", "id no <id>"),
        ("Nati0nality", "nationality"),  # a digit read as a letter
        ("Passpurt", "passport"),  # one edit from a lexicon word
        ("Staatsangeh rigkeit", "staatsangehörigkeit staatsangehörigkeit"),  # the two halves of a split word
        ("IBAN GB12 3456", "iban <id> <num4>"),
        ("born 01.02.1980", "born <num2> <num2> <num4>"),
        ("oliver", "<word>"),
    ],
)
def test_mask_text_examples(text, expected):
    assert mask_text(text) == expected


def test_a_custom_lexicon_replaces_the_default():
    assert mask_text("Rain in Leeds 12", ["rain", "IN"]) == "rain in <name> <num2>"
    assert mask_texts(["passport"], []) == ["<word>"]


def _name_tokens() -> set[str]:
    """Every word the generated people, companies and addresses are made of (lower case), 4+ letters."""
    words = [*FIRST_NAMES, *LAST_NAMES, *COMPANY_STEMS, *CITIES, *STREETS]
    return {t.lower() for w in words for t in re.findall(r"\w+", w) if len(t) >= 4}


def test_the_lexicon_holds_no_generated_name_street_city_or_company_stem():
    assert not _name_tokens() & KYC_LEXICON
    assert not {n.lower() for n in (*FIRST_NAMES, *LAST_NAMES)} & KYC_LEXICON  # the short names too (Emma, Léa)
    assert all(word == word.lower() and re.fullmatch(r"\w+", word) for word in KYC_LEXICON)


@pytest.fixture(scope="module")
def generated():
    clients = make_clients(150, seed=3)
    docs = make_kyc_documents(clients, n_docs=600, seed=3)
    docs = docs[docs["label"] != "out_of_scope"]
    return clients, docs


def _vocabularies(clf: KycClassifier) -> dict[str, set[str]]:
    union = clf.model_.calibrated_classifiers_[0].estimator.named_steps["features"]
    return {name: set(vec.vocabulary_) for name, vec in union.transformer_list}


def _identifiers(clients, docs) -> dict[str, set[str]]:
    people = clients.loc[clients["entity_type"] == "individual", "name"].astype(str)
    return {
        "full_name": {n.lower() for n in people},
        "name_token": {t.lower() for n in people for t in n.split()},
        "doc_number": {m for text in docs["text"] for m in re.findall(r"\d{7,}", text)},
        "client_name": {n.lower() for n in clients["name"].astype(str)},
    }


@pytest.fixture(scope="module")
def fitted_pair(generated):
    _, docs = generated
    texts, labels = docs["text"].tolist(), docs["label"].tolist()
    masked = KycClassifier(calibration_cv=2).fit(texts, labels)
    raw = KycClassifier(calibration_cv=2, mask=False).fit(texts, labels)
    return masked, raw


def test_the_fitted_vocabulary_holds_no_name_and_no_document_number(generated, fitted_pair):
    clients, docs = generated
    masked, raw = fitted_pair
    ids = _identifiers(clients, docs)
    vocab = _vocabularies(masked)
    words = {w for term in vocab["word"] for w in term.split()}
    assert words <= KYC_LEXICON | set(PLACEHOLDERS) | {w for w in words if len(w) == 1}
    for kind, values in ids.items():
        assert not values & vocab["word"], kind
        assert not values & words, kind
    # Character n-grams come from the masked text only: each is a piece of a lexicon word or placeholder.
    grams = masked.model_.calibrated_classifiers_[0].estimator.named_steps["features"].transformer_list[1][1]
    analyse = grams.build_analyzer()
    possible = set(analyse(" ".join(sorted(KYC_LEXICON | set(PLACEHOLDERS)) + list("abcdefghijklmnopqrstuvwxyz"))))
    single = {g for g in vocab["char"] if len(g.strip()) == 1 and g.strip() in words}  # a kept single character
    assert vocab["char"] - single <= possible
    # ... and no name can be put back together from them: not every n-gram of any name token is present.
    for token in ids["name_token"]:
        assert not set(analyse(token)) <= vocab["char"], token
    # The same data, unmasked, does memorise them (so the checks above can fail).
    raw_vocab = _vocabularies(raw)
    assert ids["full_name"] & raw_vocab["word"] and ids["doc_number"] & raw_vocab["word"]


def test_the_saved_model_bytes_hold_no_name_and_no_document_number(generated, fitted_pair, tmp_path):
    import skops.io as sio

    clients, docs = generated
    masked, raw = fitted_pair
    ids = _identifiers(clients, docs)
    names = {n for n in clients["name"].astype(str)}
    needles = {
        *(s for n in names for s in (n, n.lower(), n.upper())),
        *(t for n in ids["name_token"] for t in (n, n.capitalize(), n.upper()) if len(t) >= 4),
        *ids["doc_number"],
    }
    blobs = {}
    for name, clf in (("masked", masked), ("raw", raw)):
        sio.dump(clf, tmp_path / f"{name}.skops")
        # skops names each array file after id(obj), a CPython address that may contain a number by chance
        blobs[name] = re.sub(rb"\d+(?=\.npy)", b"N", (tmp_path / f"{name}.skops").read_bytes())
    assert b"passport" in blobs["masked"] and b"<name>" in blobs["masked"]  # the scan sees the vocabulary
    found = sorted(n for n in needles if n.encode() in blobs["masked"])
    assert not found, found[:10]
    assert any(n.encode() in blobs["raw"] for n in ids["full_name"])


def test_masking_is_stored_with_the_model_and_survives_save_and_load(generated, fitted_pair, tmp_path):
    from reference_impl.kyc.model import KycModel
    from reference_impl.kyc.persistence import load_classifier, save_classifier
    from reference_impl.kyc.routing import ConfidenceRouter

    _, docs = generated
    masked, raw = fitted_pair
    assert masked.lexicon_ == tuple(sorted(KYC_LEXICON)) and raw.lexicon_ is None
    out = save_classifier(KycModel(masked, ConfidenceRouter({}), {"model_version": "t"}), tmp_path / "m")
    loaded = load_classifier(out).classifier
    texts = docs["text"].tolist()[:20]
    assert loaded.lexicon_ == masked.lexicon_
    assert (loaded.predict_proba(texts) == masked.predict_proba(texts)).all()


def test_a_name_or_number_does_not_move_the_prediction(fitted_pair, generated):
    """Masked, two documents that differ only in the holder's name and number are the same input."""
    masked, _ = fitted_pair
    a = "PASSPORT\nPassport No. 123456789\nSurname Whitfield\nGiven names Oliver"
    b = "PASSPORT\nPassport No. 987654321\nSurname Hargreaves\nGiven names Amelia"
    assert (masked.predict_proba([a]) == masked.predict_proba([b])).all()
