"""Adapter: the lab's exception (a ValueError), raised in place of the reference's user errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from reference_impl.errors import IbmlError

T = TypeVar("T")


class MonitorError(ValueError):
    """Bad input to the monitor: an empty window, a missing column, an unknown metric, a malformed day."""


@contextmanager
def translated() -> Iterator[None]:
    """Re-raise the reference implementation's error as the lab's, same one-line message."""
    try:
        yield
    except IbmlError as exc:
        raise MonitorError(str(exc)) from None


def call(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    with translated():
        return fn(*args, **kwargs)
