"""Loading a room's model, from the MLflow registry or from a workspace file, into a :class:`LoadedModel` slot.

Loading never raises into the app: a missing or corrupt artifact yields a :class:`LoadedModel` with
``status="missing"``/``"error"`` and a one-line ``detail``. The service then starts *degraded*:
``/readyz`` says why, and scoring answers with rules only (``fallback_used``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from reference_impl.serving.settings import ServiceSettings

log = logging.getLogger(__name__)

ModelT = TypeVar("ModelT")


@dataclass(frozen=True)
class LoadedModel(Generic[ModelT]):
    """One model slot: the object (or ``None``) and what ``GET /v1/models`` reports about it.

    Rooms type the object with their model protocol (``LoadedModel[TradeDetector]``).
    """

    name: str
    obj: ModelT | None
    status: Literal["loaded", "missing", "error"]
    source: str
    version: str | None = None
    ruleset_version: str | None = None
    training_data_digest: str | None = None
    approval_state: str | None = None
    loaded_at: str | None = None
    detail: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return self.status == "loaded" and self.obj is not None

    def check(self, key: str) -> tuple[str, bool, str]:
        """This slot as a readiness check ``(key, ready, reason when not)``, as rooms report it to ``/readyz``."""
        return key, self.ready, f"{key}: {self.status} ({self.detail})"

    def info(self) -> dict[str, Any]:
        """JSON-safe description (no object)."""
        return {
            k: getattr(self, k)
            for k in (
                "name",
                "status",
                "source",
                "version",
                "ruleset_version",
                "training_data_digest",
                "approval_state",
                "loaded_at",
                "detail",
            )
        }


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def loaded(name: str, obj: Any, source: str, **meta: Any) -> LoadedModel[Any]:
    """A successfully loaded model; version metadata is read from the object when not given."""
    meta.setdefault(
        "version", _attr(obj, "model_version_") or _attr(obj, "model_version")
    )  # estimators end fitted names in _
    meta.setdefault("ruleset_version", _attr(obj, "ruleset_version"))
    meta.setdefault(
        "training_data_digest",
        _attr(obj, "training_digest_")
        or _attr(obj, "training_digest")
        or (getattr(obj, "metadata", None) or {}).get("training_digest"),
    )
    return LoadedModel(name=name, obj=obj, status="loaded", source=source, loaded_at=_now(), **meta)


def _attr(obj: Any, name: str) -> str | None:
    value = getattr(obj, name, None)
    return None if value is None else str(value)


def failed(name: str, source: str, exc: BaseException | None, missing: bool = False, detail: str = "") -> LoadedModel:
    text = detail or (f"{type(exc).__name__}: {exc}".splitlines()[0][:300] if exc else "not loaded")
    log.warning("model %s not loaded from %s: %s", name, source, text)
    return LoadedModel(name=name, obj=None, status="missing" if missing else "error", source=source, detail=text)


def warm_up(obj: Any) -> None:
    """Do a model's one-off set-up (the detector's SHAP explainer: seconds) before it serves a request.

    Without it the first flagged trade pays that cost inside the latency budget, and every request
    that arrives meanwhile falls back to rules only (``model_timeout``): the registry path loads the
    bare pickled object, which does not build the explainer the way ``load_detector`` does.
    """
    hook = getattr(obj, "warm_up", None)
    if callable(hook):
        hook()


def load_from_file(name: str, path: Path, loader: Callable[[Path], Any]) -> LoadedModel[Any]:
    """Load ``path`` with ``loader``; report a missing file or any load failure instead of raising."""
    source = f"local:{path.name}"
    if not path.exists():
        return failed(
            name, source, None, missing=True, detail=f"no model file at {path.name} in the workspace models directory"
        )
    try:
        obj = loader(path)
    except Exception as exc:  # noqa: BLE001 - a corrupt artifact must not stop the service starting
        return failed(name, source, exc)
    return loaded(name, obj, source)


def load_from_registry(name: str, tracking_uri: str | None) -> LoadedModel[Any]:
    """``@champion`` from the MLflow registry via :func:`reference_impl.lifecycle.load_champion`."""
    source = f"registry:{name}@champion"
    try:
        from reference_impl.lifecycle import load_champion

        obj, info = load_champion(name, tracking_uri=tracking_uri)
        warm_up(obj)
    except Exception as exc:  # noqa: BLE001
        return failed(name, source, exc)
    meta = {
        "version": _attr(info, "version"),
        "training_data_digest": _attr(info, "training_data_digest") or _attr(info, "training_digest"),
        "approval_state": _attr(info, "approval_status") or _attr(info, "approval_state"),
    }
    return loaded(name, obj, source, **{k: v for k, v in meta.items() if v is not None})


def load_configured(
    settings: ServiceSettings, name: str, path: Path, loader: Callable[[Path], Any]
) -> LoadedModel[Any]:
    """Model ``name`` from ``settings.model_source``: the registry's ``@champion``, the workspace file ``path``, or none."""
    if settings.model_source == "none":
        return failed(name, "none", None, missing=True, detail="model_source is 'none'")
    if settings.model_source == "registry":
        return load_from_registry(name, settings.mlflow_tracking_uri)
    return load_from_file(name, path, loader)


__all__ = ["LoadedModel", "failed", "load_configured", "load_from_file", "load_from_registry", "loaded", "warm_up"]
