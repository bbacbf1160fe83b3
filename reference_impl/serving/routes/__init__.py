"""The core's routers (health, metrics, models, admin); each room brings its own (see ``serving/rooms.py``)."""

from __future__ import annotations

from reference_impl.serving.routes import admin, health, metrics, models

CORE_ROUTERS = (health.router, metrics.router, models.router, admin.router)

__all__ = ["CORE_ROUTERS"]
