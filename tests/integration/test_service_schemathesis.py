"""Fuzz every endpoint from the OpenAPI schema: no 5xx, responses conform to the schema.

The app runs on fakes (fast, deterministic); the contract under test is the HTTP layer. One check is
excluded: ``positive_data_acceptance`` expects every schema-valid body to be accepted, but three
rules cannot be written in JSON Schema and are enforced at run time with a 422 naming the field —
``booking_ts`` not before ``exec_ts``, ``orig_trade_id`` required for amends/cancels, and the batch
size limit taken from the service settings (at most the schema's 100).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi import checks as oa_checks

from reference_impl.serving import ServiceSettings, create_api_key, create_app
from reference_impl.serving.testing import fake_rooms, test_client


# Creating the app does no work (no workspace, no lifespan); the fixture points it at a temporary
# workspace and runs its lifespan before any request is sent.
APP = create_app(ServiceSettings(home="/nonexistent/replaced-by-the-fixture"))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture
def service_app(workspace):
    # a body cap above the largest schema-valid batch, so oversize batches meet the schema's 422, not the 413
    cfg = ServiceSettings(home=workspace.root, latency_budget_ms=5_000, max_body_bytes=1_000_000)
    key, _ = create_api_key(cfg.api_keys_path, "admin")
    APP.state.settings, APP.state.rooms = cfg, fake_rooms()
    with test_client(APP):  # runs the lifespan
        APP.state.admin_key = key
        yield APP


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case, service_app):
    case.call_and_validate(headers={"X-API-Key": service_app.state.admin_key},
                           excluded_checks=[oa_checks.positive_data_acceptance])
