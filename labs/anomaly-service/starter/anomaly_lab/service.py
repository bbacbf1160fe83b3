"""Running the API as a service (provided): ``uvicorn anomaly_lab.api:app``.

Nothing happens at import. On the first request (or uvicorn's startup) the app generates trades, fits a
detector on the first 60 % of them (by booking time), keeps all of them as the recent history and reads:

* ``ANOMALY_LAB_HOME`` — directory for the audit log (default ``./anomaly-lab-home``);
* ``ANOMALY_LAB_API_KEYS`` — ``role=key`` pairs separated by commas, e.g.
  ``scorer=ibml_0123456789ab_s3cret,auditor=ibml_ba9876543210_t0ps3cret``. Without it no call is
  authorised (every request gets 401): the service fails closed;
* ``ANOMALY_LAB_N_TRADES`` — how many trades to generate (default 4000).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class LazyApp:
    """An ASGI app built by ``factory`` on first use (so ``import anomaly_lab.api`` fits nothing)."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._app: Any = None
        self._lock = threading.Lock()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if self._app is None:
            with self._lock:
                if self._app is None:
                    self._app = self._factory()
        await self._app(scope, receive, send)


def parse_api_keys(spec: str) -> dict[str, str]:
    """``"role=key,role=key"`` -> ``{key: role}``; a malformed pair is a ``ValueError`` naming it."""
    keys: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in spec.split(","))):
        role, sep, key = pair.partition("=")
        if not sep or not role.strip() or not key.strip():
            raise ValueError(f"ANOMALY_LAB_API_KEYS: expected role=key, got {pair.split('=')[0]!r}=...")
        keys[key.strip()] = role.strip()
    return keys


def app_from_env(create_app: Callable[..., Any]) -> Any:
    """Fit on generated trades and build the app with ``create_app`` (see the module docstring)."""
    from anomaly_lab.dataset import lab_dataset, time_split
    from anomaly_lab.detector import fit_detector
    from anomaly_lab.features import trade_features
    from anomaly_lab.history import TradeHistory

    home = Path(os.environ.get("ANOMALY_LAB_HOME", "anomaly-lab-home"))
    home.mkdir(parents=True, exist_ok=True)
    keys = parse_api_keys(os.environ.get("ANOMALY_LAB_API_KEYS", ""))
    if not keys:
        log.warning("ANOMALY_LAB_API_KEYS is empty: every request will get 401")
    data = lab_dataset(int(os.environ.get("ANOMALY_LAB_N_TRADES", "4000")))
    trades = data["trades"]
    train, _ = time_split(trades)
    features = trade_features(trades, data["ref"], data["prices"])
    detector = fit_detector(features[train.to_numpy()])
    history = TradeHistory(trades, data["ref"], data["prices"])
    return create_app(detector, keys, home=home, history=history)


__all__ = ["LazyApp", "app_from_env", "parse_api_keys"]
