"""The one exception hierarchy of ibml.

Every error a *user* can cause (bad input, bad configuration, a missing file) is an
:class:`IbmlError`. The CLI turns these into a single line on stderr and a non-zero exit;
the API turns them into a 4xx naming the field or value at fault. Anything else is a bug
and is allowed to surface as a traceback.
"""

from __future__ import annotations


class IbmlError(Exception):
    """Base class for errors caused by input, configuration or environment, not by a bug."""

    exit_code = 2


class ConfigError(IbmlError):
    """A setting, option or argument has a value we cannot use (unknown scale, negative seed...)."""


class WorkspaceError(IbmlError):
    """The workspace (``IBML_HOME``) or an output path cannot be created, read or written."""


class DataValidationError(IbmlError, ValueError):
    """Input data is corrupt, schema-drifted or violates a documented expectation."""


class FeatureStoreError(IbmlError):
    """A feature view, feature name, key or store file is unknown, invalid or unusable."""


class ModelError(IbmlError):
    """A model is missing, unfitted, or was given input it cannot score."""


class ModelInputError(ModelError, ValueError):
    """A model was given input it cannot score: wrong number, names or order of features, NaN or infinity."""


class RegistryError(IbmlError):
    """A model-registry action was refused (self-approval, failed validation, nothing to roll back to...)."""


class AuditError(IbmlError):
    """The audit log cannot be written or has failed verification."""


class NotebookError(IbmlError):
    """A course notebook is missing, is not valid notebook JSON, or could not be executed."""


class ReviewQueueError(IbmlError):
    """A review-queue action was refused: unknown item, item not pending, claim held by someone else or expired."""


class AccessDeniedError(IbmlError):
    """The caller's role does not allow this action (e.g. reading KYC document text without the reviewer role)."""


__all__ = [
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
