"""HTTP error helpers shared by the routes, so every 4xx/5xx has a documented shape."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, status
from fastapi.exceptions import RequestValidationError

from reference_impl.serving.schemas import ErrorResponse


def field_error(loc: tuple[Any, ...], msg: str, type_: str = "value_error") -> RequestValidationError:
    """A 422 in pydantic's shape (``loc``/``msg``/``type``) for checks that need runtime settings or data."""
    return RequestValidationError([{"loc": loc, "msg": msg, "type": type_}])


def unavailable(detail: str) -> HTTPException:
    """503: a dependency is down and nothing was decided (never used for a failure we can degrade from)."""
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=detail)


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


__all__ = ["error_responses", "field_error", "unavailable"]
