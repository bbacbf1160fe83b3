"""Registry refusals carry the kind the service maps to a status: not found, conflict, forbidden, invalid, unavailable."""

from __future__ import annotations

import pytest

from reference_impl.errors import ErrorKind, RegistryError
from reference_impl.lifecycle.tracking import MLFLOW_ERROR_KINDS, mlflow_errors


@pytest.mark.parametrize(
    ("code", "kind"),
    [("RESOURCE_DOES_NOT_EXIST", ErrorKind.NOT_FOUND), ("RESOURCE_ALREADY_EXISTS", ErrorKind.CONFLICT),
     ("INVALID_PARAMETER_VALUE", ErrorKind.INVALID), ("INTERNAL_ERROR", ErrorKind.UNAVAILABLE),
     ("TEMPORARILY_UNAVAILABLE", ErrorKind.UNAVAILABLE)],
)
def test_mlflow_errors_kind_follows_the_mlflow_error_code(code, kind):
    from mlflow.exceptions import MlflowException
    from mlflow.protos import databricks_pb2

    with pytest.raises(RegistryError, match="reading m v1 failed: boom") as exc:
        with mlflow_errors("reading m v1"):
            raise MlflowException("boom", error_code=getattr(databricks_pb2, code))
    assert exc.value.kind is kind
    assert MLFLOW_ERROR_KINDS.get(code, ErrorKind.UNAVAILABLE) is kind


def test_mlflow_errors_store_failures_are_unavailable_and_bugs_propagate():
    with pytest.raises(RegistryError, match="writing failed: disk full") as exc:
        with mlflow_errors("writing"):
            raise OSError("disk full")
    assert exc.value.kind is ErrorKind.UNAVAILABLE
    with pytest.raises(KeyError):
        with mlflow_errors("a bug"):
            raise KeyError("not an MLflow failure")
    original = RegistryError("already refused", kind=ErrorKind.FORBIDDEN)
    with pytest.raises(RegistryError) as exc:
        with mlflow_errors("passing through"):
            raise original
    assert exc.value is original


def _kind(call) -> ErrorKind:
    with pytest.raises(RegistryError) as exc:
        call()
    return exc.value.kind


def test_registry_refusals_carry_their_kind(toy_store):
    from reference_impl.lifecycle.registry import load_champion

    reg, name = toy_store.registry(), toy_store.new_name()
    info = toy_store.register(reg, name, 0, submitter="alice")
    assert _kind(lambda: reg.get(name, "99")) is ErrorKind.NOT_FOUND
    assert _kind(lambda: toy_store.register(reg, name, 0, submitter=" ")) is ErrorKind.INVALID
    assert _kind(lambda: reg.approve(name, info.version, approver="alice")) is ErrorKind.FORBIDDEN  # four eyes
    assert _kind(lambda: reg.approve(name, info.version, approver="bob")) is ErrorKind.CONFLICT  # not validated
    assert _kind(lambda: reg.promote(name, info.version, actor="bob")) is ErrorKind.CONFLICT
    assert _kind(lambda: reg.rollback(name, actor="bob")) is ErrorKind.CONFLICT  # no champion to roll back
    assert _kind(lambda: load_champion(name, tracking_uri=reg.store.uri)) is ErrorKind.NOT_FOUND
    reg.validate(name, info.version, toy_store.evaluator(), actor="alice", backtest="toy",
                 thresholds=toy_store.thresholds())
    reg.approve(name, info.version, approver="bob")
    assert _kind(lambda: reg.approve(name, info.version, approver="carol")) is ErrorKind.CONFLICT  # already approved
    reg.promote(name, info.version, actor="bob")
    assert _kind(lambda: reg.promote(name, info.version, actor="bob")) is ErrorKind.CONFLICT  # already champion


def test_unusable_store_is_unavailable_and_file_store_is_invalid(tmp_path):
    from reference_impl.lifecycle.tracking import check_store

    assert _kind(lambda: check_store("file:///tmp/mlruns")) is ErrorKind.INVALID
    assert _kind(lambda: check_store("http://127.0.0.1:9/")) is ErrorKind.UNAVAILABLE
