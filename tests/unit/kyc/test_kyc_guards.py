from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.errors import ConfigError
from reference_impl.kyc import TextGuard, guess_language

ENGLISH = "This is the statement of your account for the month of March, with the balance at the end."


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty_text"),
        ("   \n\t ", "empty_text"),
        ("short text", "too_short"),
        ("#### 1234 %%%% //// 9999 ---- ****", "mostly_non_letters"),
        ("4471 2290 1183 0042 5521 7781 3310 ab cd", "mostly_non_letters"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "too_short"),  # one "word": not a document
        ("Estimado cliente, le informamos que su cuenta ha sido bloqueada por motivos de seguridad.",
         "unsupported_language"),
        ("Паспорт гражданина Российской Федерации, серия и номер, дата выдачи", "unsupported_language"),
        ("x" * 100_001, "text_too_long"),
        (ENGLISH, None),
        ("PASSPORT Type P Passport No. 123456789 Surname Smith Given names Anna", None),  # no stop words: allowed
    ],
)
def test_guard_reasons(text, reason):
    assert TextGuard().check(text) == reason


def test_supported_languages_are_configurable():
    french = "Ceci est le relevé de votre compte pour le mois de mars, avec le solde à la fin du mois."
    assert TextGuard().check(french) == "unsupported_language"
    assert TextGuard(supported_languages=("en", "fr")).check(french) is None


def test_non_text_is_refused_not_crashed():
    assert TextGuard().check(None) == "not_text"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (ENGLISH, "en"),
        ("Hiermit wird bescheinigt, dass die Person seit dem Jahr mit der Hauptwohnung gemeldet ist und für", "de"),
        ("Ceci est le relevé de votre compte pour le mois de mars", "fr"),
        ("Geachte klant, hierbij ontvangt u het overzicht van uw rekening voor de maand", "nl"),
        ("Rue de la Paix", "und"),  # two shared words: no clear winner
        ("Passport No. 123", "und"),
    ],
)
def test_guess_language(text, language):
    assert guess_language(text) == language


@pytest.mark.parametrize(
    "kwargs", [{"min_chars": -1}, {"max_chars": 0}, {"min_letter_share": 1.5}, {"supported_languages": ()}]
)
def test_bad_guard_settings(kwargs):
    with pytest.raises(ConfigError):
        TextGuard(**kwargs)


def test_round_trip():
    guard = TextGuard(min_chars=5, supported_languages=("en", "de"))
    assert TextGuard.from_dict(guard.to_dict()) == guard


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_guard_never_raises(text):
    reason, _ = TextGuard().inspect(text)
    assert reason is None or isinstance(reason, str)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789 -/.,:;#*%<>", max_size=300))
def test_digits_and_symbols_never_pass(text):
    assert TextGuard().check(text) is not None
