"""Cheap checks that keep out-of-scope text away from auto-accept, whatever the classifier says.

A classifier trained on seven document types always answers with one of the seven, often confidently,
even for an empty upload, a scanned page of symbols or a letter in a language nobody trained it on.
These guards run *before* the confidence thresholds and never need the model: each failure carries a
reason code from :data:`reference_impl.kyc.routing.REASONS` so a reviewer (and an auditor) can see why.

The language guess is deliberately crude — stop-word hits per language plus the share of non-Latin
letters — because it only has to answer "is this plausibly a language we support?", not translate it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reference_impl.errors import ConfigError

# Short, high-frequency function words (no one-letter words: OCR noise makes plenty of those); a few
# hits identify a language even in form-like documents.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the of and to in is for on with by at from this that your you are be as or our we has "
        "have will been date number name".split()
    ),
    "fr": frozenset(
        "le la les des du de et est pour dans une un sur par au aux avec votre vous nous ce cette "
        "né née nom prénom prénoms depuis fait certifie".split()
    ),
    "de": frozenset(
        "der die das und ist nicht mit von für auf den dem des ein eine im zu bei ihre sie wir "
        "am bis vom seit nr geboren datum name vornamen".split()
    ),
    "es": frozenset("el la los las del de y es para en una un por con su sus que se al este esta nos usted".split()),
    "it": frozenset("il lo la gli le del della di è per in una un con su che al questo questa nel sono".split()),
    "nl": frozenset("de het een en van is voor op met in niet te bij uw wij dit deze zijn".split()),
    "pt": frozenset("os as do da dos das de é para em uma um com por que no na seu sua não".split()),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")


def guess_language(text: str, *, min_hits: int = 3) -> str:
    """Best-guess ISO 639-1 code from stop-word hits; ``"non_latin"`` or ``"und"`` (undetermined).

    Returns ``"und"`` when fewer than ``min_hits`` stop words are found (forms and IDs often have
    none) or when two languages tie, so an undetermined language is not by itself a reason to refuse
    a document.

    >>> guess_language("This is the statement of your account for March")
    'en'
    >>> guess_language("Ceci est le relevé de votre compte pour le mois de mars")
    'fr'
    >>> guess_language("Паспорт гражданина Российской Федерации")
    'non_latin'
    """
    letters = [ch for ch in text if ch.isalpha()]
    if letters:
        latin = sum(1 for ch in letters if _LATIN.match(ch))
        if latin / len(letters) < 0.5:
            return "non_latin"
    words = [w.lower() for w in _WORD.findall(text)]
    hits = sorted(((sum(1 for w in words if w in vocab), lang) for lang, vocab in STOP_WORDS.items()), reverse=True)
    (best_hits, best), (runner_up, _) = hits[0], hits[1]
    # Shared words ("de", "la") make close calls meaningless: require a clear winner, else undetermined.
    return best if best_hits >= min_hits and best_hits > runner_up else "und"


@dataclass(frozen=True)
class TextGuard:
    """Thresholds of the pre-classification checks; one instance is part of a saved KYC model.

    Parameters
    ----------
    min_chars : int
        Fewer non-space characters than this is ``too_short`` (an empty text is ``empty_text``).
    min_words : int
        Fewer words (letter runs) than this is ``too_short``.
    min_letter_share : float
        Share of letters among non-space characters below this is ``mostly_non_letters`` (garbled, binary, IDs only).
    max_chars : int
        Longer texts are ``text_too_long`` and are not classified at all (cost and abuse guard).
    supported_languages : tuple of str
        Language codes the model was trained for; ``"und"`` (undetermined) is always let through.

    Examples
    --------
    >>> guard = TextGuard()
    >>> guard.check("")
    'empty_text'
    >>> guard.check("#### 1234 %%%% //// 9999 ---- ****")
    'mostly_non_letters'
    >>> guard.check("Bank statement for the account of Ms Smith, sort code 12-34-56") is None
    True
    """

    min_chars: int = 20
    min_words: int = 4
    min_letter_share: float = 0.5
    max_chars: int = 100_000
    supported_languages: tuple[str, ...] = ("en",)

    def __post_init__(self) -> None:
        if self.min_chars < 0 or self.min_words < 0 or self.max_chars <= 0:
            raise ConfigError(f"TextGuard sizes must be non-negative (max_chars > 0), got {self!r}")
        if not 0.0 <= self.min_letter_share <= 1.0:
            raise ConfigError(f"TextGuard.min_letter_share must be in [0, 1], got {self.min_letter_share}")
        if not self.supported_languages:
            raise ConfigError("TextGuard.supported_languages must name at least one language")

    def check(self, text: str) -> str | None:
        """Return the reason code of the first failed check, or ``None`` if ``text`` may be classified."""
        reason, _ = self.inspect(text)
        return reason

    def inspect(self, text: str) -> tuple[str | None, str | None]:
        """Like :meth:`check`, also returning the guessed language (``None`` when not computed)."""
        if not isinstance(text, str):
            return "not_text", None
        if len(text) > self.max_chars:
            return "text_too_long", None
        stripped = "".join(text.split())
        if not stripped:
            return "empty_text", None
        if len(stripped) < self.min_chars:
            return "too_short", None
        letters = sum(1 for ch in stripped if ch.isalpha())
        if letters / len(stripped) < self.min_letter_share:
            return "mostly_non_letters", None
        if len(_WORD.findall(text)) < self.min_words:
            return "too_short", None
        language = guess_language(text)
        if language != "und" and language not in self.supported_languages:
            return "unsupported_language", language
        return None, language

    def to_dict(self) -> dict:
        """JSON-safe parameters (saved next to the model)."""
        return {
            "min_chars": self.min_chars,
            "min_words": self.min_words,
            "min_letter_share": self.min_letter_share,
            "max_chars": self.max_chars,
            "supported_languages": list(self.supported_languages),
        }

    @classmethod
    def from_dict(cls, data: dict) -> TextGuard:
        """Inverse of :meth:`to_dict`."""
        return cls(
            min_chars=int(data["min_chars"]),
            min_words=int(data["min_words"]),
            min_letter_share=float(data["min_letter_share"]),
            max_chars=int(data["max_chars"]),
            supported_languages=tuple(data["supported_languages"]),
        )


__all__ = ["STOP_WORDS", "TextGuard", "guess_language"]
