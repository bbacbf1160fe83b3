"""Synthetic banking data: reference and market data, trade events, credit exposures, clients, KYC documents.

Everything is seeded (``numpy.random.default_rng``) and vectorised; the same seed and parameters
give byte-identical files (checked via the sha256 hashes in ``manifest.json``). See
``datasets/README.md`` for the data cards.

>>> from reference_impl import data
>>> ref = data.make_reference_data(seed=7)
>>> sorted(ref)
['calendar', 'counterparties', 'desks', 'fx_rates', 'instruments', 'traders']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reference_impl.data.anomalies import ANOMALY_NAMES, ANOMALY_TYPES, AnomalySpec
    from reference_impl.data.clients import make_clients
    from reference_impl.data.credit import (
        EXPOSURE_COLUMNS,
        LIMIT_COLUMNS,
        CreditLimit,
        ExposureRecord,
        make_credit_data,
        validate_credit_data,
    )
    from reference_impl.data.faults import FAULT_KINDS, FaultResult, inject_faults
    from reference_impl.data.io import SCALES, Manifest, generate_dataset, load_dataset, read_table, summarize_dataset
    from reference_impl.data.kyc_docs import DOC_CLASSES, SUBSETS, make_kyc_documents
    from reference_impl.data.market import make_prices, reference_price_at
    from reference_impl.data.quality import QualityIssue, QualityReport, validate_trades
    from reference_impl.data.reference import ASSET_CLASSES, make_reference_data
    from reference_impl.data.schemas import Client, KycDocument, TradeEvent
    from reference_impl.data.trades import TRADE_COLUMNS, make_trades

# Names are imported on first use (PEP 562), so ``import reference_impl.data.schemas`` (the trade-event
# contract the service validates with) does not load the generators, the quality report and the IO layer.
_LAZY: dict[str, str] = {
    "ANOMALY_NAMES": "reference_impl.data.anomalies",
    "ANOMALY_TYPES": "reference_impl.data.anomalies",
    "ASSET_CLASSES": "reference_impl.data.reference",
    "AnomalySpec": "reference_impl.data.anomalies",
    "Client": "reference_impl.data.schemas",
    "CreditLimit": "reference_impl.data.credit",
    "EXPOSURE_COLUMNS": "reference_impl.data.credit",
    "ExposureRecord": "reference_impl.data.credit",
    "LIMIT_COLUMNS": "reference_impl.data.credit",
    "make_credit_data": "reference_impl.data.credit",
    "validate_credit_data": "reference_impl.data.credit",
    "DOC_CLASSES": "reference_impl.data.kyc_docs",
    "FAULT_KINDS": "reference_impl.data.faults",
    "FaultResult": "reference_impl.data.faults",
    "KycDocument": "reference_impl.data.schemas",
    "Manifest": "reference_impl.data.io",
    "QualityIssue": "reference_impl.data.quality",
    "QualityReport": "reference_impl.data.quality",
    "SCALES": "reference_impl.data.io",
    "SUBSETS": "reference_impl.data.kyc_docs",
    "TRADE_COLUMNS": "reference_impl.data.trades",
    "TradeEvent": "reference_impl.data.schemas",
    "generate_dataset": "reference_impl.data.io",
    "inject_faults": "reference_impl.data.faults",
    "load_dataset": "reference_impl.data.io",
    "make_clients": "reference_impl.data.clients",
    "make_kyc_documents": "reference_impl.data.kyc_docs",
    "make_prices": "reference_impl.data.market",
    "make_reference_data": "reference_impl.data.reference",
    "make_trades": "reference_impl.data.trades",
    "read_table": "reference_impl.data.io",
    "reference_price_at": "reference_impl.data.market",
    "summarize_dataset": "reference_impl.data.io",
    "validate_trades": "reference_impl.data.quality",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "ANOMALY_NAMES",
    "ANOMALY_TYPES",
    "ASSET_CLASSES",
    "AnomalySpec",
    "Client",
    "CreditLimit",
    "DOC_CLASSES",
    "EXPOSURE_COLUMNS",
    "ExposureRecord",
    "FAULT_KINDS",
    "FaultResult",
    "KycDocument",
    "LIMIT_COLUMNS",
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
    "make_credit_data",
    "make_kyc_documents",
    "make_prices",
    "make_reference_data",
    "make_trades",
    "read_table",
    "reference_price_at",
    "summarize_dataset",
    "validate_credit_data",
    "validate_trades",
]
