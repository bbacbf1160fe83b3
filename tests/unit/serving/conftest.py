"""Fixtures for the serving tests: an app on fakes, with one API key per role."""

from __future__ import annotations

import contextlib
from typing import Any, Callable

import pytest

from reference_impl.serving import ServiceSettings, create_api_key, create_app
from reference_impl.serving.testing import fake_rooms, test_client

ROLES = ("scorer", "reviewer", "auditor", "admin")


class Service:
    """A running TestClient plus the keys, settings and state behind it."""

    def __init__(self, client: Any, keys: dict[str, str], settings: ServiceSettings) -> None:
        self.client, self.keys, self.settings = client, keys, settings

    @property
    def state(self) -> Any:
        return self.client.app.state.services

    @property
    def trades(self) -> Any:
        """The trade room's state (detector slot, feature source, micro-batcher)."""
        from reference_impl.serving.trades import TradesState

        return self.state.room("trades", TradesState)

    def headers(self, role: str = "scorer", **extra: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[role], **extra}

    def post(self, path: str, role: str = "scorer", **kw: Any) -> Any:
        return self.client.post(path, headers=self.headers(role, **kw.pop("headers", {})), **kw)

    def get(self, path: str, role: str = "auditor", **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers(role, **kw.pop("headers", {})), **kw)


@pytest.fixture
def make_service(workspace) -> Callable[..., Service]:
    """Build a service on fakes; keyword arguments go to ``fake_rooms`` or ``ServiceSettings``."""
    stack = contextlib.ExitStack()
    provider_keys = {"detector", "trade_model", "features", "kyc"}

    def _make(rooms: Any = None, **kw: Any) -> Service:
        pkw = {k: kw.pop(k) for k in list(kw) if k in provider_keys}
        kw.setdefault("latency_budget_ms", 5_000)  # generous: only the timeout tests shrink it
        settings = ServiceSettings(home=workspace.root, **kw)
        keys = {role: create_api_key(settings.api_keys_path, role)[0] for role in ROLES}
        app = create_app(settings, rooms=rooms or fake_rooms(**pkw))
        client = stack.enter_context(test_client(app))
        return Service(client, keys, settings)

    yield _make
    stack.close()


@pytest.fixture
def service(make_service) -> Service:
    return make_service()
