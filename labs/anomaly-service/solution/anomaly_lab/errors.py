"""Adapter: the lab's exception (a ValueError), raised in place of the reference implementation's errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from reference_impl.errors import ErrorKind, IbmlError

T = TypeVar("T")


class AnomalyLabError(ValueError):
    """Bad input: a missing column, a naive timestamp, a payload that is not JSON."""


@contextmanager
def translated() -> Iterator[None]:
    """Re-raise the reference's input errors as the lab's, with the same one-line message."""
    try:
        yield
    except IbmlError as exc:
        if exc.kind is not ErrorKind.INVALID:
            raise
        raise AnomalyLabError(str(exc)) from None


def call(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    with translated():
        return fn(*args, **kwargs)
