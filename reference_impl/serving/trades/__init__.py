"""Project A's room in the service: trade anomaly scoring (``POST /v1/trades/score``, ``/score-batch``).

Mount it alone with ``create_app(settings, rooms=[TradesRoom()])`` (or ``IBML_ROOMS=trades``): the
KYC code is then never imported. Read in this order: ``schemas.py`` (the contract), ``routes.py``,
``pipeline.py`` (features → decision within a budget → audit → response), ``state.py``, ``models.py``.
"""

from reference_impl.serving.trades.models import TRADE_MODEL_NAME, RulesOnly, TradeDetector, load_trade_model
from reference_impl.serving.trades.room import TradesRoom
from reference_impl.serving.trades.state import TradesProviders, TradesState

__all__ = [
    "TRADE_MODEL_NAME",
    "RulesOnly",
    "TradeDetector",
    "TradesProviders",
    "TradesRoom",
    "TradesState",
    "load_trade_model",
]
