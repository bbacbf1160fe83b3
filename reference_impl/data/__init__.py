"""Synthetic banking data: reference and market data, trade events, clients, KYC documents.

Everything is seeded (``numpy.random.default_rng``) and vectorised; the same seed and parameters
give byte-identical files (checked via the sha256 hashes in ``manifest.json``). See
``datasets/README.md`` for the data cards.

>>> from reference_impl import data
>>> ref = data.make_reference_data(seed=7)
>>> sorted(ref)
['calendar', 'counterparties', 'desks', 'fx_rates', 'instruments', 'traders']
"""

from reference_impl.data.anomalies import ANOMALY_NAMES, ANOMALY_TYPES, AnomalySpec
from reference_impl.data.clients import make_clients
from reference_impl.data.faults import FAULT_KINDS, FaultResult, inject_faults
from reference_impl.data.io import SCALES, Manifest, generate_dataset, load_dataset, read_table, summarize_dataset
from reference_impl.data.kyc_docs import DOC_CLASSES, SUBSETS, make_kyc_documents
from reference_impl.data.market import make_prices, reference_price_at
from reference_impl.data.quality import QualityIssue, QualityReport, validate_trades
from reference_impl.data.reference import ASSET_CLASSES, make_reference_data
from reference_impl.data.schemas import Client, KycDocument, TradeEvent
from reference_impl.data.trades import TRADE_COLUMNS, make_trades

__all__ = [
    "ANOMALY_NAMES",
    "ANOMALY_TYPES",
    "ASSET_CLASSES",
    "AnomalySpec",
    "Client",
    "DOC_CLASSES",
    "FAULT_KINDS",
    "FaultResult",
    "KycDocument",
    "Manifest",
    "QualityIssue",
    "QualityReport",
    "SCALES",
    "SUBSETS",
    "TRADE_COLUMNS",
    "TradeEvent",
    "generate_dataset",
    "inject_faults",
    "load_dataset",
    "make_clients",
    "make_kyc_documents",
    "make_prices",
    "make_reference_data",
    "make_trades",
    "read_table",
    "reference_price_at",
    "summarize_dataset",
    "validate_trades",
]
