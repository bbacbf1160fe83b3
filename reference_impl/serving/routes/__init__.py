"""One router per resource; :data:`ALL_ROUTERS` is what :func:`create_app` includes."""

from __future__ import annotations

from typing import Any

from reference_impl.serving.schemas import ErrorResponse


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error codes a route may return (so schema-based tests know them)."""
    text = {
        400: "the body is not valid JSON",
        401: "missing or invalid API key",
        403: "the key's role may not call this endpoint",
        404: "no such item",
        409: "the item is not in a state that allows this action",
        413: "request body above the size cap",
        503: "a dependency is unavailable (audit log, feature source, review queue); nothing was decided",
    }
    return {code: {"model": ErrorResponse, "description": text[code]} for code in codes}


from reference_impl.serving.routes import admin, health, kyc, metrics, models, review, trades  # noqa: E402

ALL_ROUTERS = (health.router, metrics.router, trades.router, kyc.router, review.router, models.router, admin.router)

__all__ = ["ALL_ROUTERS", "error_responses"]
