"""HTTP error helpers shared by the routes, so every 4xx/5xx has a documented shape."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, status
from fastapi.exceptions import RequestValidationError


def field_error(loc: tuple[Any, ...], msg: str, type_: str = "value_error") -> RequestValidationError:
    """A 422 in pydantic's shape (``loc``/``msg``/``type``) for checks that need runtime settings or data."""
    return RequestValidationError([{"loc": loc, "msg": msg, "type": type_}])


def unavailable(detail: str) -> HTTPException:
    """503: a dependency is down and nothing was decided (never used for a failure we can degrade from)."""
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=detail)


__all__ = ["field_error", "unavailable"]
