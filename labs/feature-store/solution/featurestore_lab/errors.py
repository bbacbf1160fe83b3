"""Adapter: the lab's exception (a ValueError), raised in place of the reference's FeatureStoreError."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from reference_impl.errors import FeatureStoreError as ReferenceError

T = TypeVar("T")


class FeatureStoreError(ValueError):
    """Input the feature store refuses: a missing column, a naive timestamp, an unknown view."""


@contextmanager
def translated() -> Iterator[None]:
    """Re-raise the reference implementation's error as the lab's, same one-line message."""
    try:
        yield
    except ReferenceError as exc:
        raise FeatureStoreError(str(exc)) from None


def call(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    with translated():
        return fn(*args, **kwargs)
