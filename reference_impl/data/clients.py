"""Client onboarding records (synthetic PII): entity type, jurisdiction, risk rating, PEP flag.

Names and addresses are assembled from short word lists; none belongs to a real person, but
treat the columns as PII anyway (pseudonymise before logging) — that is the habit to learn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reference_impl.data.reference import check_seed, take_str
from reference_impl.errors import ConfigError

ENTITY_TYPES: tuple[str, ...] = ("individual", "corporate", "fund", "trust", "bank")
_ENTITY_P = (0.5, 0.3, 0.1, 0.05, 0.05)
RISK_RATINGS: tuple[str, ...] = ("low", "medium", "high")
#: Jurisdiction -> (weight, inherent risk score 0..2): offshore centres carry more risk.
JURISDICTIONS: dict[str, tuple[float, int]] = {
    "GB": (0.25, 0),
    "DE": (0.15, 0),
    "FR": (0.12, 0),
    "US": (0.15, 0),
    "CH": (0.08, 1),
    "LU": (0.06, 1),
    "IE": (0.05, 0),
    "SG": (0.04, 1),
    "AE": (0.03, 2),
    "KY": (0.03, 2),
    "PA": (0.02, 2),
    "CY": (0.02, 2),
}
FIRST_NAMES = (
    "Oliver",
    "Amelia",
    "Hannah",
    "Lukas",
    "Camille",
    "Louis",
    "Sophie",
    "Jonas",
    "Emma",
    "Noah",
    "Chloé",
    "Felix",
    "Isla",
    "Mathilde",
    "Henry",
    "Greta",
    "Théo",
    "Freya",
    "Maximilian",
    "Léa",
)
LAST_NAMES = (
    "Whitfield",
    "Müller",
    "Durand",
    "Hargreaves",
    "Schneider",
    "Lefèvre",
    "Ashworth",
    "Becker",
    "Moreau",
    "Pemberton",
    "Fischer",
    "Girard",
    "Thornton",
    "Wagner",
    "Rousseau",
    "Kendall",
    "Hoffmann",
    "Fontaine",
    "Blackwood",
    "Richter",
)
COMPANY_STEMS = (
    "Aldgate",
    "Brightwater",
    "Cedarline",
    "Donau",
    "Elmstead",
    "Fleuve",
    "Greyfield",
    "Hohenberg",
    "Ivybridge",
    "Juniper",
    "Kingsmere",
    "Loire",
    "Marchmont",
    "Nordwall",
    "Oakhaven",
    "Provence",
)
COMPANY_KINDS = {
    "corporate": ("Trading", "Logistics", "Industries", "Foods", "Engineering"),
    "fund": ("Capital Fund", "Opportunities Fund", "Growth Fund"),
    "trust": ("Family Trust", "Charitable Trust"),
    "bank": ("Bank", "Private Bank"),
}
COMPANY_SUFFIX = ("Ltd", "GmbH", "SA", "LLC", "plc", "SARL", "AG")
STREETS = (
    "High Street",
    "Station Road",
    "Hauptstraße",
    "Rue de la Paix",
    "Church Lane",
    "Bahnhofstraße",
    "Avenue Victor Hugo",
    "Mill Road",
    "Gartenweg",
    "Rue du Moulin",
    "Park Avenue",
    "Kingsway",
)
CITIES = (
    "London",
    "Manchester",
    "Berlin",
    "München",
    "Paris",
    "Lyon",
    "Frankfurt",
    "Leeds",
    "Genève",
    "Luxembourg",
    "Dublin",
    "Hamburg",
)


def _pick(rng: np.random.Generator, words: tuple[str, ...], n: int) -> pd.Series:
    return take_str(list(words), rng.integers(0, len(words), n))


def make_clients(n: int = 1_000, seed: int = 42) -> pd.DataFrame:
    """Onboarding records for ``n`` synthetic clients.

    Parameters
    ----------
    n : int
        Number of clients.
    seed : int
        Non-negative seed.

    Returns
    -------
    DataFrame
        ``client_id, name, entity_type, jurisdiction, risk_rating, pep`` plus ``address``,
        ``date_of_birth`` (individuals) and ``onboarded_date``.

    Notes
    -----
    Risk rating follows a points score (jurisdiction risk + PEP + entity type + noise), so it is
    learnable but not a lookup. PEP applies to individuals only (~5 %).

    Examples
    --------
    >>> c = make_clients(50, seed=1)
    >>> c["client_id"].is_unique, set(c["risk_rating"]) <= {"low", "medium", "high"}
    (True, True)
    """
    seed = check_seed(seed)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ConfigError(f"n (number of clients) must be a positive integer, got {n!r}")
    rng = np.random.default_rng([seed, 4])
    entity = rng.choice(len(ENTITY_TYPES), size=n, p=_ENTITY_P)
    juris_names = list(JURISDICTIONS)
    juris_w = np.array([w for w, _ in JURISDICTIONS.values()])
    juris = rng.choice(len(juris_names), size=n, p=juris_w / juris_w.sum())
    juris_risk = np.array([r for _, r in JURISDICTIONS.values()])[juris]
    is_person = entity == 0
    pep = is_person & (rng.random(n) < 0.05)
    entity_risk = np.array([0.0, 0.3, 0.6, 1.0, 0.2])[entity]
    score = juris_risk + 2.0 * pep + entity_risk + rng.normal(0.0, 0.5, n)
    risk = np.digitize(score, [0.8, 1.8])

    person_name = _pick(rng, FIRST_NAMES, n) + " " + _pick(rng, LAST_NAMES, n)
    kind_words = [w for k in ENTITY_TYPES[1:] for w in COMPANY_KINDS[k]]
    kind_len = {k: len(COMPANY_KINDS[k]) for k in ENTITY_TYPES[1:]}
    kind_start = dict(zip(kind_len, np.cumsum([0, *kind_len.values()])[:-1].tolist()))
    kind_code = np.zeros(n, dtype=np.int64)
    for code, name in enumerate(ENTITY_TYPES[1:], start=1):  # five entity types, not rows
        mask = entity == code
        kind_code[mask] = kind_start[name] + rng.integers(0, kind_len[name], int(mask.sum()))
    company_name = (
        _pick(rng, COMPANY_STEMS, n) + " " + take_str(kind_words, kind_code) + " " + _pick(rng, COMPANY_SUFFIX, n)
    )
    name = person_name.where(pd.Series(is_person), company_name)
    address = (
        pd.Series(rng.integers(1, 200, n)).astype(str) + " " + _pick(rng, STREETS, n) + ", " + _pick(rng, CITIES, n)
    )
    dob = pd.Timestamp("1950-01-01") + pd.to_timedelta(rng.integers(0, 365 * 50, n), unit="D")
    onboarded = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 365 * 11, n), unit="D")
    return pd.DataFrame(
        {
            "client_id": pd.Series(np.arange(1, n + 1) + 10**7).astype(str).str.slice_replace(0, 2, "C"),
            "name": name,
            "entity_type": take_str(list(ENTITY_TYPES), entity),
            "jurisdiction": take_str(juris_names, juris),
            "risk_rating": take_str(list(RISK_RATINGS), risk),
            "pep": pep,
            "address": address,
            "date_of_birth": pd.Series(dob.date).where(pd.Series(is_person), None),
            "onboarded_date": onboarded.date,
        }
    )


__all__ = ["ENTITY_TYPES", "JURISDICTIONS", "RISK_RATINGS", "make_clients"]
