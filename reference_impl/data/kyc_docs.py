"""KYC documents as text: seven document classes, three languages, clean and deliberately hard subsets.

A KYC analyst receives scans that were OCR'd: characters get confused (``0``/``O``, ``rn``/``m``),
lines go missing or come out of order, some documents are in another language, some could be
two things at once (a bank statement sent as proof of address) and some are not KYC documents at
all. The subsets make those cases explicit so that a classifier can be judged on each.

Text is assembled per document with ``str.format`` (a Python loop over documents); at the
sizes used here (thousands) that takes well under a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reference_impl.data.reference import check_seed
from reference_impl.errors import ConfigError

DOC_CLASSES: tuple[str, ...] = (
    "passport",
    "national_id",
    "utility_bill",
    "bank_statement",
    "certificate_of_incorporation",
    "register_of_directors",
    "proof_of_address",
)
OUT_OF_SCOPE = "out_of_scope"
SUBSETS: tuple[str, ...] = ("clean", "noisy", "ambiguous", "out_of_scope", "second_language")
#: Default share of each subset.
SUBSET_SHARES: dict[str, float] = {
    "clean": 0.5,
    "noisy": 0.2,
    "ambiguous": 0.1,
    "out_of_scope": 0.08,
    "second_language": 0.12,
}
LANGUAGES: tuple[str, ...] = ("en", "de", "fr")
#: Pairs of classes a real document can plausibly be both of; ambiguous documents mix a pair.
AMBIGUOUS_PAIRS: tuple[tuple[str, str], ...] = (
    ("utility_bill", "proof_of_address"),
    ("bank_statement", "proof_of_address"),
    ("passport", "national_id"),
    ("certificate_of_incorporation", "register_of_directors"),
)

# Templates: class -> language -> list of templates; a template is a list of lines.
_T: dict[str, dict[str, list[list[str]]]] = {
    "passport": {
        "en": [
            [
                "PASSPORT",
                "Type P  Code {cc3}",
                "Passport No. {docno}",
                "Surname {last}",
                "Given names {first}",
                "Nationality {nationality}",
                "Date of birth {dob}",
                "Place of birth {city}",
                "Date of issue {issued}",
                "Date of expiry {expiry}",
                "Authority HM Passport Office",
                "P<{cc3}{lastu}<<{firstu}<<<<<<<<<<<<",
            ],
            [
                "UNITED KINGDOM OF GREAT BRITAIN",
                "Passport / Passeport",
                "Holder {name}",
                "Document number {docno}",
                "Born {dob} in {city}",
                "Valid until {expiry}",
                "Signature of bearer",
                "P<{cc3}{lastu}<<{firstu}<<<<",
            ],
        ],
        "de": [
            [
                "REISEPASS",
                "Typ P  Kode {cc3}",
                "Pass-Nr. {docno}",
                "Name {last}",
                "Vornamen {first}",
                "Staatsangehörigkeit {nationality}",
                "Geburtsdatum {dob}",
                "Geburtsort {city}",
                "Gültig bis {expiry}",
                "Behörde Stadt {city}",
                "P<{cc3}{lastu}<<{firstu}<<<<<<<<",
            ]
        ],
        "fr": [
            [
                "PASSEPORT",
                "Type P  Code {cc3}",
                "Passeport n° {docno}",
                "Nom {last}",
                "Prénoms {first}",
                "Nationalité {nationality}",
                "Date de naissance {dob}",
                "Lieu de naissance {city}",
                "Date d'expiration {expiry}",
                "Autorité Préfecture",
                "P<{cc3}{lastu}<<{firstu}<<<<<<<<",
            ]
        ],
    },
    "national_id": {
        "en": [
            [
                "NATIONAL IDENTITY CARD",
                "Card number {docno}",
                "Surname {last}",
                "Forenames {first}",
                "Nationality {nationality}",
                "Date of birth {dob}",
                "Sex {sex}",
                "Expiry {expiry}",
                "Resident address {address}",
                "ID{cc3}{docno}<<<<<<<<<",
            ],
            [
                "IDENTITY CARD",
                "Holder {name}",
                "ID no. {docno}",
                "Born {dob}",
                "Card valid to {expiry}",
                "Issued by the municipality of {city}",
                "ID{cc3}{docno}<<<<",
            ],
        ],
        "de": [
            [
                "PERSONALAUSWEIS",
                "Ausweisnummer {docno}",
                "Name {last}",
                "Vornamen {first}",
                "Geburtstag {dob}",
                "Staatsangehörigkeit DEUTSCH",
                "Gültig bis {expiry}",
                "Anschrift {address}",
                "IDD<<{docno}<<<<<<<<",
            ]
        ],
        "fr": [
            [
                "CARTE NATIONALE D'IDENTITÉ",
                "N° de carte {docno}",
                "Nom {last}",
                "Prénom(s) {first}",
                "Né(e) le {dob}",
                "à {city}",
                "Nationalité Française",
                "Valable jusqu'au {expiry}",
                "IDFRA{lastu}<<<<{docno}",
            ]
        ],
    },
    "utility_bill": {
        "en": [
            [
                "{utility} Energy",
                "Your electricity bill",
                "Account number {acct}",
                "Bill date {date}",
                "Billing period {period}",
                "Supply address {address}",
                "Electricity used {kwh} kWh",
                "Standing charge GBP {small}",
                "Amount due GBP {amount}",
                "Paid by direct debit on {due}",
                "Meter reading {kwh2} (actual)",
            ],
            [
                "{utility} Water",
                "Water and sewerage charges",
                "Customer {name}",
                "Property {address}",
                "Charges for {period}",
                "Total to pay {amount}",
                "Please pay by {due}",
                "Customer reference {acct}",
            ],
        ],
        "de": [
            [
                "{utility} Stadtwerke",
                "Stromrechnung",
                "Kundennummer {acct}",
                "Rechnungsdatum {date}",
                "Abrechnungszeitraum {period}",
                "Lieferanschrift {address}",
                "Verbrauch {kwh} kWh",
                "Grundpreis EUR {small}",
                "Rechnungsbetrag EUR {amount}",
                "Abbuchung per Lastschrift am {due}",
            ]
        ],
        "fr": [
            [
                "{utility} Énergie",
                "Votre facture d'électricité",
                "Numéro client {acct}",
                "Date de facture {date}",
                "Période de facturation {period}",
                "Adresse de fourniture {address}",
                "Consommation {kwh} kWh",
                "Abonnement EUR {small}",
                "Montant à payer EUR {amount}",
                "Prélèvement automatique le {due}",
            ]
        ],
    },
    "bank_statement": {
        "en": [
            [
                "{bank} Bank plc",
                "Statement of account",
                "Account holder {name}",
                "Sort code {sort}  Account {acct}",
                "IBAN {iban}",
                "Statement period {period}",
                "Opening balance {amount}",
                "{date} Card payment {payee} -{small}",
                "{due} Salary credit +{amount2}",
                "{date} Standing order rent -{small2}",
                "Closing balance {amount3}",
            ],
            [
                "{bank} Private Banking",
                "Current account statement",
                "{name}",
                "{address}",
                "IBAN {iban}",
                "Date Description Paid out Paid in Balance",
                "{date} Transfer {payee} {small} {amount}",
                "{due} Interest 0.{kwh} {amount3}",
                "Balance carried forward {amount3}",
            ],
        ],
        "de": [
            [
                "{bank} Bank AG",
                "Kontoauszug",
                "Kontoinhaber {name}",
                "IBAN {iban}",
                "Zeitraum {period}",
                "Alter Kontostand {amount}",
                "{date} Kartenzahlung {payee} -{small}",
                "{due} Gehalt +{amount2}",
                "Neuer Kontostand {amount3}",
            ]
        ],
        "fr": [
            [
                "{bank} Banque",
                "Relevé de compte",
                "Titulaire {name}",
                "IBAN {iban}",
                "Période {period}",
                "Ancien solde {amount}",
                "{date} Paiement carte {payee} -{small}",
                "{due} Virement salaire +{amount2}",
                "Nouveau solde {amount3}",
            ]
        ],
    },
    "certificate_of_incorporation": {
        "en": [
            [
                "CERTIFICATE OF INCORPORATION",
                "OF A PRIVATE LIMITED COMPANY",
                "Company Number {compno}",
                "The Registrar of Companies for England and Wales hereby certifies that",
                "{company}",
                "is this day incorporated under the Companies Act 2006 as a private company,",
                "that the company is limited by shares, and the situation of its registered office is in {country}.",
                "Given at Companies House, Cardiff, on {date}",
            ],
            [
                "Certificate of Incorporation",
                "Registry of Companies",
                "Entity name {company}",
                "Registration number {compno}",
                "Date of incorporation {date}",
                "Entity type Limited company",
                "Registered office {address}",
                "Issued by the Registrar",
            ],
        ],
        "de": [
            [
                "HANDELSREGISTERAUSZUG",
                "Amtsgericht {city}  HRB {compno}",
                "Firma {company}",
                "Sitz {city}",
                "Gegenstand des Unternehmens Handel",
                "Stammkapital EUR 25.000",
                "Tag der Eintragung {date}",
                "Rechtsform Gesellschaft mit beschränkter Haftung",
            ]
        ],
        "fr": [
            [
                "EXTRAIT KBIS",
                "Greffe du Tribunal de commerce de {city}",
                "Dénomination {company}",
                "Immatriculation RCS {compno}",
                "Date d'immatriculation {date}",
                "Forme juridique SARL",
                "Capital social EUR 10 000",
                "Siège social {address}",
            ]
        ],
    },
    "register_of_directors": {
        "en": [
            [
                "REGISTER OF DIRECTORS",
                "{company}  Company number {compno}",
                "Name {name}",
                "Service address {address}",
                "Date of appointment {date}",
                "Nationality {nationality}",
                "Business occupation Director",
                "Name {name2}",
                "Date of appointment {due}",
                "Date of resignation -",
            ],
            [
                "{company}",
                "Directors' register",
                "Director {name}  appointed {date}",
                "Director {name2}  appointed {due}",
                "Country of residence {country}",
                "Register maintained at the registered office",
            ],
        ],
        "de": [
            [
                "GESCHÄFTSFÜHRERLISTE",
                "{company}  HRB {compno}",
                "Geschäftsführer {name}",
                "bestellt am {date}",
                "Geschäftsführer {name2}",
                "bestellt am {due}",
                "Vertretungsbefugnis einzeln",
            ]
        ],
        "fr": [
            [
                "REGISTRE DES DIRIGEANTS",
                "{company}  RCS {compno}",
                "Gérant {name}",
                "nommé le {date}",
                "Administrateur {name2}",
                "nommé le {due}",
                "Pouvoirs de représentation",
            ]
        ],
    },
    "proof_of_address": {
        "en": [
            [
                "To whom it may concern",
                "Confirmation of address",
                "We confirm that {name}",
                "resides at {address}",
                "and has done so since {date}.",
                "This letter is issued at the request of the customer.",
                "Yours faithfully, {bank} Council Tax Office",
            ],
            [
                "{bank} Borough Council",
                "Council Tax bill {year}",
                "Reference {acct}",
                "Liable person {name}",
                "Property address {address}",
                "Band C  Annual charge {amount}",
                "Instalments due from {due}",
            ],
        ],
        "de": [
            [
                "Meldebescheinigung",
                "Hiermit wird bescheinigt, dass",
                "{name}",
                "geboren am {dob}",
                "seit dem {date} in {address}",
                "mit Hauptwohnung gemeldet ist.",
                "Bürgeramt {city}",
            ]
        ],
        "fr": [
            [
                "Attestation de domicile",
                "Je soussigné certifie que",
                "{name}",
                "né(e) le {dob}",
                "réside à l'adresse {address}",
                "depuis le {date}.",
                "Fait à {city}, le {due}",
            ]
        ],
    },
}
_OUT_OF_SCOPE: dict[str, list[list[str]]] = {
    "en": [
        [
            "INVOICE {acct}",
            "Bill to {name}",
            "{address}",
            "Consulting services {period}",
            "Net amount {amount}",
            "VAT 20% {small}",
            "Payment terms 30 days",
        ],
        [
            "Minutes of the meeting held on {date}",
            "Present: {name}, {name2}",
            "1. Approval of budget",
            "2. Office relocation to {address}",
            "Next meeting {due}",
        ],
        [
            "{bank} Newsletter",
            "Dear {name},",
            "Discover our new savings rates from {small}%",
            "Visit any branch or our website before {due}",
            "Unsubscribe at any time",
        ],
        [
            "TRADE CONFIRMATION",
            "Trade date {date}",
            "We bought for your account {kwh} shares of {company}",
            "Price {small}  Consideration {amount}",
            "Settlement {due}",
        ],
    ],
    "de": [
        [
            "RECHNUNG {acct}",
            "An {name}",
            "{address}",
            "Beratungsleistungen {period}",
            "Nettobetrag {amount}",
            "Zahlbar innerhalb von 30 Tagen",
        ]
    ],
    "fr": [
        [
            "FACTURE {acct}",
            "Client {name}",
            "{address}",
            "Prestations de conseil {period}",
            "Montant HT {amount}",
            "Paiement à 30 jours",
        ]
    ],
}
#: Boilerplate that scans of any class pick up (scanner footers, cover sheets, page numbers).
_GENERIC: tuple[str, ...] = (
    "Scanned with MobileScan",
    "Page 1 of 2",
    "{name}",
    "{address}",
    "Date {date}",
    "Reference {acct}",
    "Received {due} - KYC team",
    "Copy certified true",
)
_COMPANY_CLASSES = ("certificate_of_incorporation", "register_of_directors")
_OCR_CONFUSIONS: tuple[tuple[str, str], ...] = (
    ("O", "0"),
    ("0", "O"),
    ("l", "1"),
    ("1", "l"),
    ("rn", "m"),
    ("m", "rn"),
    ("e", "c"),
    ("S", "5"),
    ("B", "8"),
    ("i", "l"),
    ("a", "o"),
    ("n", "h"),
    ("u", "v"),
    ("E", "F"),
)
_UTILITIES = ("Northern", "Riverside", "Greenfield", "Alpen", "Lumière", "Harbour")
_BANKS = ("Lambeth", "Westbridge", "Rheinland", "Crédit Mutuel Sud", "Thameside", "Hanse")
_PAYEES = ("TESCO", "AMAZON", "REWE", "CARREFOUR", "SHELL", "DB BAHN", "SNCF", "WAITROSE")
_CC3 = {
    "GB": "GBR",
    "DE": "D",
    "FR": "FRA",
    "US": "USA",
    "CH": "CHE",
    "LU": "LUX",
    "IE": "IRL",
    "SG": "SGP",
    "AE": "ARE",
    "KY": "CYM",
    "PA": "PAN",
    "CY": "CYP",
}


def _fmt_dates(days: pd.DatetimeIndex, long_format: np.ndarray) -> np.ndarray:
    """Dates as ``31.05.2025`` or ``31 May 2025`` (chosen per document)."""
    return np.where(long_format, days.strftime("%d %b %Y"), days.strftime("%d.%m.%Y"))


def _money(values: np.ndarray) -> np.ndarray:
    return pd.Series(values).map("{:,.2f}".format).to_numpy()


def _draw_fields(
    rng: np.random.Generator, clients: pd.DataFrame, person: np.ndarray, company: np.ndarray, other: np.ndarray
) -> dict[str, np.ndarray]:
    """Placeholder values for every document at once (synthetic; arrays indexed by document)."""
    n = len(person)
    names = clients["name"].astype(str)
    pname = names.iloc[person].reset_index(drop=True)
    parts = pname.str.partition(" ")
    first = parts[0]
    last = parts[2].where(parts[2] != "", first)
    address = clients["address"].astype(str).iloc[person].reset_index(drop=True)
    jur = clients["jurisdiction"].astype(str).iloc[person].reset_index(drop=True)
    long_format = rng.random(n) < 0.5
    day = pd.DatetimeIndex(pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 600, n), unit="D"))

    def shifted(lo: int, hi: int, sign: int = 1) -> pd.DatetimeIndex:
        return day + pd.to_timedelta(sign * rng.integers(lo, hi, n), unit="D")

    dob = pd.DatetimeIndex(pd.to_datetime(clients["date_of_birth"].iloc[person].to_numpy()))
    dob_text = np.where(dob.isna(), "01.01.1980", _fmt_dates(dob.fillna(pd.Timestamp("1980-01-01")), long_format))

    def digits(lo: int, hi: int) -> np.ndarray:
        return rng.integers(lo, hi, n).astype(str)

    return {
        "name": pname.to_numpy(),
        "first": first.to_numpy(),
        "last": last.to_numpy(),
        "firstu": first.str.upper().str.replace(" ", "<").to_numpy(),
        "lastu": last.str.upper().str.replace(" ", "<").to_numpy(),
        "name2": names.iloc[other].to_numpy(),
        "company": names.iloc[company].to_numpy(),
        "address": address.to_numpy(),
        "city": address.str.rsplit(", ", n=1).str[-1].to_numpy(),
        "country": jur.to_numpy(),
        "nationality": jur.to_numpy(),
        "cc3": jur.map(_CC3).fillna("XXX").to_numpy(),
        "dob": dob_text,
        "docno": digits(10**8, 10**9),
        "acct": digits(10**7, 10**8),
        "compno": pd.Series(rng.integers(10**6, 10**7, n)).map("{:08d}".format).to_numpy(),
        "date": _fmt_dates(day, long_format),
        "due": _fmt_dates(shifted(5, 40), long_format),
        "issued": _fmt_dates(shifted(100, 3000, -1), long_format),
        "expiry": _fmt_dates(shifted(100, 3600), long_format),
        "period": np.char.add(
            np.char.add(day.strftime("%d/%m/%Y").to_numpy(dtype=str), " - "),
            (day + pd.Timedelta(days=30)).strftime("%d/%m/%Y").to_numpy(dtype=str),
        ),
        "year": day.year.astype(str).to_numpy(),
        "sex": np.where(rng.random(n) < 0.5, "F", "M"),
        "amount": _money(rng.uniform(100, 9000, n)),
        "amount2": _money(rng.uniform(1000, 9000, n)),
        "amount3": _money(rng.uniform(100, 20000, n)),
        "small": np.round(rng.uniform(1, 300, n), 2).astype(str),
        "small2": np.round(rng.uniform(300, 2000, n), 2).astype(str),
        "kwh": digits(80, 900),
        "kwh2": digits(10000, 99999),
        "iban": (
            jur
            + digits(10, 99)
            + " "
            + digits(1000, 9999)
            + " "
            + digits(1000, 9999)
            + " "
            + digits(1000, 9999)
            + " "
            + digits(10, 99)
        ).to_numpy(),
        "sort": (pd.Series(digits(10, 99)) + "-" + digits(10, 99) + "-" + digits(10, 99)).to_numpy(),
        "utility": np.array(_UTILITIES)[rng.integers(0, len(_UTILITIES), n)],
        "bank": np.array(_BANKS)[rng.integers(0, len(_BANKS), n)],
        "payee": np.array(_PAYEES)[rng.integers(0, len(_PAYEES), n)],
    }


def _ocr_noise(rng: np.random.Generator, text: str, rate: float) -> str:
    """Apply OCR-style confusions, flipped case, dropped and split characters at ~``rate`` per character.

    Random numbers are drawn per document in arrays; the loop visits only the characters hit.
    """
    draw = rng.random(len(text))
    hits = np.flatnonzero(draw < rate * 1.3)
    confusion = rng.integers(0, len(_OCR_CONFUSIONS), hits.size)
    coin = rng.random(hits.size)
    out: list[str] = []
    last = 0
    for pos, r, k, heads in zip(hits.tolist(), draw[hits].tolist(), confusion.tolist(), coin.tolist()):
        if pos < last:  # inside a multi-character confusion already applied
            continue
        out.append(text[last:pos])
        last = pos + 1
        if r >= rate:
            out.append(text[pos] + " ")  # a character split from its neighbour
            continue
        src, dst = _OCR_CONFUSIONS[k]
        if text.startswith(src, pos):
            out.append(dst)
            last = pos + len(src)
        else:
            out.append(text[pos].swapcase() if heads < 0.5 else "")
    out.append(text[last:])
    return "".join(out)


def _degrade_lines(rng: np.random.Generator, lines: list[str], drop: float, shuffle: bool) -> list[str]:
    """Drop each line with probability ``drop`` (keeping at least two) and maybe swap two lines."""
    keep = [line for line in lines if rng.random() >= drop]
    if len(keep) < 2:
        keep = [lines[j] for j in sorted(rng.choice(len(lines), 2, replace=False))]
    if shuffle and len(keep) > 2:
        a, b = rng.choice(len(keep), 2, replace=False)
        keep[a], keep[b] = keep[b], keep[a]
    return keep


def _render(rng: np.random.Generator, template: list[str], fields: dict[str, str]) -> list[str]:
    lines = [line.format(**fields) for line in template]
    if rng.random() < 0.3 and len(lines) > 4:  # optional lines make templates vary
        del lines[int(rng.integers(1, len(lines)))]
    return lines


def _check_shares(shares: dict[str, float]) -> dict[str, float]:
    unknown = sorted(set(shares) - set(SUBSETS))
    if unknown:
        raise ConfigError(f"unknown KYC subset(s) {unknown}; known: {list(SUBSETS)}")
    full = {s: float(shares.get(s, 0.0)) for s in SUBSETS}
    total = sum(full.values())
    if any(v < 0 for v in full.values()) or total <= 0:
        raise ConfigError(f"subset shares must be non-negative and sum to > 0, got {shares}")
    return {k: v / total for k, v in full.items()}


def make_kyc_documents(
    clients: pd.DataFrame, n_docs: int = 2_000, seed: int = 42, *, subset_shares: dict[str, float] | None = None
) -> pd.DataFrame:
    """Generate ``n_docs`` KYC documents for ``clients``.

    Parameters
    ----------
    clients : DataFrame
        Output of :func:`~reference_impl.data.make_clients` (names, addresses, jurisdictions).
    n_docs : int
        Number of documents.
    seed : int
        Non-negative seed.
    subset_shares : dict, optional
        Share per subset (defaults to :data:`SUBSET_SHARES`).

    Returns
    -------
    DataFrame
        ``doc_id, client_id, text, label, language, subset``. ``label`` is one of
        :data:`DOC_CLASSES` or ``"out_of_scope"``.

    Notes
    -----
    Subsets: ``clean`` (English, one template, intact); ``noisy`` (OCR confusions, dropped and
    swapped lines); ``ambiguous`` (lines of two plausible classes, the label is one of them);
    ``out_of_scope`` (invoices, minutes, newsletters, confirmations; ``client_id`` may be None);
    ``second_language`` (German or French, lightly noisy).

    Examples
    --------
    >>> from reference_impl.data import make_clients
    >>> docs = make_kyc_documents(make_clients(20, seed=0), n_docs=30, seed=0)
    >>> sorted(docs["language"].unique())[:1], docs["doc_id"].is_unique
    (['de'], True)
    """
    seed = check_seed(seed)
    if isinstance(n_docs, bool) or not isinstance(n_docs, (int, np.integer)) or n_docs < 1:
        raise ConfigError(f"n_docs must be a positive integer, got {n_docs!r}")
    if len(clients) == 0:
        raise ConfigError("clients is empty: KYC documents need at least one client")
    shares = _check_shares(SUBSET_SHARES if subset_shares is None else subset_shares)
    rng = np.random.default_rng([seed, 5])
    subset = rng.choice(len(SUBSETS), size=n_docs, p=[shares[s] for s in SUBSETS])
    label = rng.integers(0, len(DOC_CLASSES), n_docs)
    is_person = (clients["entity_type"] == "individual").to_numpy()
    people = np.flatnonzero(is_person) if is_person.any() else np.arange(len(clients))
    companies = np.flatnonzero(~is_person) if (~is_person).any() else np.arange(len(clients))
    person = people[rng.integers(0, len(people), n_docs)]
    company = companies[rng.integers(0, len(companies), n_docs)]
    other = people[rng.integers(0, len(people), n_docs)]
    client_ids = clients["client_id"].astype(str).to_numpy()
    drawn = _draw_fields(rng, clients, person, company, other)
    rows = []
    for i in range(n_docs):  # text assembly is inherently per document
        kind = SUBSETS[subset[i]]
        cls = DOC_CLASSES[label[i]]
        fields = {key: values[i] for key, values in drawn.items()}
        lang = "en"
        owner = company[i] if cls in _COMPANY_CLASSES else person[i]
        client_id: str | None = str(client_ids[owner])
        if kind == "ambiguous":
            a, b = AMBIGUOUS_PAIRS[rng.integers(len(AMBIGUOUS_PAIRS))]
            cls = a if rng.random() < 0.5 else b
            ta, tb = (_T[x]["en"][rng.integers(len(_T[x]["en"]))] for x in (a, b))
            mixed = _render(rng, ta, fields)[: 2 + rng.integers(3)] + _render(rng, tb, fields)[: 2 + rng.integers(3)]
            rng.shuffle(mixed)
            lines = mixed
        elif kind == "out_of_scope":
            cls = OUT_OF_SCOPE
            lang = "en" if rng.random() < 0.8 else str(rng.choice(["de", "fr"]))
            pool = _OUT_OF_SCOPE[lang]
            lines = _render(rng, pool[rng.integers(len(pool))], fields)
            client_id = client_id if rng.random() < 0.5 else None
        else:
            if kind == "second_language":
                lang = "de" if rng.random() < 0.5 else "fr"
            pool = _T[cls][lang]
            lines = _render(rng, pool[rng.integers(len(pool))], fields)
            if kind == "noisy":
                lines = _degrade_lines(rng, lines, drop=rng.uniform(0.2, 0.5), shuffle=rng.random() < 0.6)
                if rng.random() < 0.35:  # a fragment: one line of the document among scan boilerplate
                    lines = [lines[rng.integers(len(lines))]] + [
                        g.format(**fields) for g in _GENERIC if rng.random() < 0.5
                    ]
                    rng.shuffle(lines)
            elif kind == "second_language" and rng.random() < 0.4:
                lines = _degrade_lines(rng, lines, drop=0.1, shuffle=False)
        text = "\n".join(lines)
        if kind == "noisy":
            text = _ocr_noise(rng, text, rate=rng.uniform(0.06, 0.2))
        elif kind in ("second_language", "ambiguous") and rng.random() < 0.3:
            text = _ocr_noise(rng, text, rate=0.02)
        rows.append((f"D{i + 1:07d}", client_id, text, cls, lang, kind))
    frame = pd.DataFrame(rows, columns=["doc_id", "client_id", "text", "label", "language", "subset"])
    return frame.astype({"doc_id": "str", "text": "str", "label": "str", "language": "str", "subset": "str"})


__all__ = [
    "AMBIGUOUS_PAIRS",
    "DOC_CLASSES",
    "LANGUAGES",
    "OUT_OF_SCOPE",
    "SUBSETS",
    "SUBSET_SHARES",
    "make_kyc_documents",
]
