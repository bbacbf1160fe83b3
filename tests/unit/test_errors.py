"""The one exception hierarchy: every error carries a kind, one table maps kinds to HTTP statuses."""

from __future__ import annotations

import pickle

import pytest

from reference_impl import errors
from reference_impl.errors import HTTP_STATUS_BY_KIND, ErrorKind, IbmlError

DEFAULT_KINDS = {
    errors.IbmlError: ErrorKind.INVALID,
    errors.ConfigError: ErrorKind.INVALID,
    errors.WorkspaceError: ErrorKind.UNAVAILABLE,
    errors.DataValidationError: ErrorKind.INVALID,
    errors.FeatureStoreError: ErrorKind.INVALID,
    errors.ModelError: ErrorKind.UNAVAILABLE,
    errors.ModelInputError: ErrorKind.INVALID,
    errors.RegistryError: ErrorKind.CONFLICT,
    errors.AuditError: ErrorKind.UNAVAILABLE,
    errors.NotebookError: ErrorKind.INVALID,
    errors.ReviewQueueError: ErrorKind.CONFLICT,
    errors.AccessDeniedError: ErrorKind.FORBIDDEN,
}


def test_every_public_error_has_a_default_kind():
    public = {getattr(errors, n) for n in errors.__all__ if isinstance(getattr(errors, n), type)
              and issubclass(getattr(errors, n), Exception)}
    assert public == set(DEFAULT_KINDS)
    for cls, kind in DEFAULT_KINDS.items():
        assert cls("m").kind is kind, cls.__name__


def test_every_kind_has_exactly_one_http_status():
    assert set(HTTP_STATUS_BY_KIND) == set(ErrorKind)
    assert dict(HTTP_STATUS_BY_KIND) == {ErrorKind.INVALID: 422, ErrorKind.NOT_FOUND: 404, ErrorKind.CONFLICT: 409,
                                         ErrorKind.FORBIDDEN: 403, ErrorKind.UNAVAILABLE: 503}
    with pytest.raises(TypeError):
        HTTP_STATUS_BY_KIND[ErrorKind.INVALID] = 400  # type: ignore[index]


def test_kind_override_is_per_instance_and_accepts_the_value_string():
    err = errors.ReviewQueueError("review item 3 does not exist", kind=ErrorKind.NOT_FOUND)
    assert err.kind is ErrorKind.NOT_FOUND and str(err) == "review item 3 does not exist"
    assert errors.ReviewQueueError("x").kind is ErrorKind.CONFLICT  # the class default is untouched
    assert errors.RegistryError("x", kind="not_found").kind is ErrorKind.NOT_FOUND
    with pytest.raises(ValueError):
        errors.RegistryError("x", kind="teapot")


def test_value_error_subclasses_still_behave_as_value_errors():
    err = errors.DataValidationError("bad column", kind=ErrorKind.INVALID)
    assert isinstance(err, ValueError) and err.args == ("bad column",)
    assert isinstance(errors.ModelInputError("nan"), (errors.ModelError, ValueError))


def test_kind_survives_pickling():  # errors cross process boundaries (workers, multiprocessing)
    err = errors.ReviewQueueError("gone", kind=ErrorKind.NOT_FOUND)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is errors.ReviewQueueError and back.kind is ErrorKind.NOT_FOUND and str(back) == "gone"


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_cli_exit_code_does_not_depend_on_the_kind(kind):
    assert IbmlError("x", kind=kind).exit_code == 2
    assert errors.AccessDeniedError("x", kind=kind).exit_code == 2
