"""Running the dashboard as a service (provided): ``uvicorn monitor_lab.api:app``.

Nothing happens at import. On the first request (or the lifespan event uvicorn sends at startup) the
app reads its settings from the environment:

* ``MONITOR_LAB_HOME`` — the directory holding ``logs/predictions.jsonl`` (default ``~/monitor-lab-home``,
  writable also for the non-root user of the exported Docker image).
  If there is no log yet, a synthetic 14-day log with planted incidents (drift, a fallback day, a
  latency spike) is written there, so the page has something to show;
* ``MONITOR_LAB_API_KEYS`` — ``role=key`` pairs separated by commas, e.g.
  ``auditor=ibml_0123456789ab_s3cret``. Without it no call is authorised (every request gets 401).
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
    """An ASGI app built by ``factory`` on first use (so ``import monitor_lab.api`` does no work)."""

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
            raise ValueError(f"MONITOR_LAB_API_KEYS: expected role=key, got {pair.split('=')[0]!r}=...")
        keys[key.strip()] = role.strip()
    return keys


def write_simulated_logs(home: Path, *, days: int = 14, seed: int = 0) -> Path:
    """Write a synthetic prediction log and outcome labels under ``home/logs`` (incidents on the last three days)."""
    from reference_impl.monitoring import simulate_prediction_log, write_jsonl

    last = days - 1
    sim = simulate_prediction_log(
        n_days=days,
        drift_start_day=last - 2,
        fallback_day=last - 1,
        latency_spike_day=last,
        seed=seed,
    )
    write_jsonl(sim.outcomes, home / "logs" / "outcomes.jsonl")
    return write_jsonl(sim.predictions, home / "logs" / "predictions.jsonl")


def app_from_env(create_app: Callable[..., Any]) -> Any:
    """Build the app with ``create_app`` from ``MONITOR_LAB_HOME`` and ``MONITOR_LAB_API_KEYS``."""
    home = Path(os.environ.get("MONITOR_LAB_HOME", Path.home() / "monitor-lab-home"))
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "logs" / "predictions.jsonl").exists():
        log.warning("no prediction log under %s: writing a simulated one", home)
        write_simulated_logs(home)
    keys = parse_api_keys(os.environ.get("MONITOR_LAB_API_KEYS", ""))
    if not keys:
        log.warning("MONITOR_LAB_API_KEYS is empty: every request will get 401")
    return create_app(home, keys)


__all__ = ["LazyApp", "app_from_env", "parse_api_keys", "write_simulated_logs"]
