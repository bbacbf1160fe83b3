"""The one exception hierarchy of ibml.

Every error a *user* can cause (bad input, bad configuration, a missing file) is an
:class:`IbmlError`. The CLI turns these into a single line on stderr and a non-zero exit;
the API turns them into a 4xx naming the field or value at fault. Anything else is a bug
and is allowed to surface as a traceback.

Every error carries a :class:`ErrorKind` — *what went wrong* as data, so a caller picks its response
without reading the message: the service maps it through :data:`HTTP_STATUS_BY_KIND`. Each class has a
default kind; a raiser passes ``kind=`` where the class default does not fit (a review item that does not
exist is a ``ReviewQueueError`` of kind ``NOT_FOUND``; one that is not pending is ``CONFLICT``).
The CLI's exit code does not depend on the kind.

Examples
--------
>>> err = ReviewQueueError("review item 9 does not exist", kind=ErrorKind.NOT_FOUND)
>>> err.kind, HTTP_STATUS_BY_KIND[err.kind], str(err)
(<ErrorKind.NOT_FOUND: 'not_found'>, 404, 'review item 9 does not exist')
>>> ReviewQueueError("review item 9 is not pending").kind
<ErrorKind.CONFLICT: 'conflict'>
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class ErrorKind(StrEnum):
    """What kind of failure an :class:`IbmlError` reports (not which subsystem raised it)."""

    #: The input, an argument or a setting has a value we cannot use; the caller must change it.
    INVALID = "invalid"
    #: The thing named (review item, model version, run, file the caller asked for) does not exist.
    NOT_FOUND = "not_found"
    #: The request is valid but the current state refuses it (item not pending, version not approved...).
    CONFLICT = "conflict"
    #: The caller's role or identity may not do this (role without access, four-eyes rule).
    FORBIDDEN = "forbidden"
    #: A dependency (store, file system, audit log, model) failed; nothing was done, retrying may work.
    UNAVAILABLE = "unavailable"


#: The HTTP status the service answers for each kind (one table, used by its error handler).
HTTP_STATUS_BY_KIND: Mapping[ErrorKind, int] = MappingProxyType(
    {
        ErrorKind.INVALID: 422,
        ErrorKind.NOT_FOUND: 404,
        ErrorKind.CONFLICT: 409,
        ErrorKind.FORBIDDEN: 403,
        ErrorKind.UNAVAILABLE: 503,
    }
)


class IbmlError(Exception):
    """Base class for errors caused by input, configuration or environment, not by a bug.

    Parameters
    ----------
    *args
        The message (as for any exception).
    kind : ErrorKind, optional
        Overrides the class's default :attr:`kind` for this error.
    """

    exit_code = 2
    kind: ErrorKind = ErrorKind.INVALID

    def __init__(self, *args: object, kind: ErrorKind | str | None = None) -> None:
        super().__init__(*args)
        if kind is not None:
            self.kind = ErrorKind(kind)


class ConfigError(IbmlError):
    """A setting, option or argument has a value we cannot use (unknown scale, negative seed...)."""


class WorkspaceError(IbmlError):
    """The workspace (``IBML_HOME``) or an output path cannot be created, read or written."""

    kind = ErrorKind.UNAVAILABLE


class DataValidationError(IbmlError, ValueError):
    """Input data is corrupt, schema-drifted or violates a documented expectation."""


class FeatureStoreError(IbmlError):
    """A feature view, feature name, key or store file is unknown, invalid or unusable."""


class ModelError(IbmlError):
    """A model is missing, unfitted, or was given input it cannot score."""

    kind = ErrorKind.UNAVAILABLE


class ModelInputError(ModelError, ValueError):
    """A model was given input it cannot score: wrong number, names or order of features, NaN or infinity."""

    kind = ErrorKind.INVALID


class RegistryError(IbmlError):
    """A model-registry action was refused (self-approval, failed validation, nothing to roll back to...)."""

    kind = ErrorKind.CONFLICT


class AuditError(IbmlError):
    """The audit log cannot be written or has failed verification."""

    kind = ErrorKind.UNAVAILABLE


class NotebookError(IbmlError):
    """A course notebook is missing, is not valid notebook JSON, or could not be executed."""


class ReviewQueueError(IbmlError):
    """A review-queue action was refused: unknown item, item not pending, claim held by someone else or expired."""

    kind = ErrorKind.CONFLICT


class AccessDeniedError(IbmlError):
    """The caller's role does not allow this action (e.g. reading KYC document text without the reviewer role)."""

    kind = ErrorKind.FORBIDDEN


__all__ = [
    "ErrorKind",
    "HTTP_STATUS_BY_KIND",
    "IbmlError",
    "ConfigError",
    "WorkspaceError",
    "DataValidationError",
    "FeatureStoreError",
    "ModelError",
    "ModelInputError",
    "RegistryError",
    "AuditError",
    "NotebookError",
    "ReviewQueueError",
    "AccessDeniedError",
]
