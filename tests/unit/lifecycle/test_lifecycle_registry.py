"""Change control: register -> challenger -> validate -> approve (four eyes) -> promote -> rollback."""

from __future__ import annotations

import json

import pytest

from reference_impl.errors import AuditError, RegistryError
from reference_impl.lifecycle.registry import CHALLENGER, CHAMPION


def _to_champion(store, reg, name, index, submitter="alice", approver="bob"):
    info = store.register(reg, name, index, submitter)
    reg.validate(name, info.version, store.evaluator(), actor=submitter, backtest="toy", thresholds=store.thresholds())
    reg.approve(name, info.version, approver=approver)
    return reg.promote(name, info.version, actor=approver)


def test_register_points_challenger_and_records_submitter(toy_store):
    reg, name = toy_store.registry(), toy_store.new_name()
    info = toy_store.register(reg, name, 0)
    assert info.version == "1"
    assert info.aliases == (CHALLENGER,)
    assert info.submitted_by == "alice"
    assert info.validation_status == "not_validated" and info.approval_status == "pending"
    assert reg.by_alias(name, CHAMPION) is None
    moves = reg.alias_history(name)
    assert [(m["alias"], m["from_version"], m["to_version"], m["actor"]) for m in moves] == [(CHALLENGER, None, "1", "alice")]


def test_full_flow_promotes_and_clears_challenger(toy_store):
    reg, name = toy_store.registry(), toy_store.new_name()
    info = _to_champion(toy_store, reg, name, 0)
    assert info.aliases == (CHAMPION,)
    assert info.approved_by == "bob" and info.approval_status == "approved"
    assert reg.by_alias(name, CHALLENGER) is None
    events = [r["event_type"] for r in reg.audit_trail(name)]
    assert events == ["model.registered", "model.alias_moved", "model.validated", "model.approved",
                      "model.alias_moved", "model.alias_moved"]
    assert reg.audit.verify().ok


def test_validation_compares_with_champion_on_same_evaluator(toy_store):
    reg, name = toy_store.registry(), toy_store.new_name()
    _to_champion(toy_store, reg, name, 1)  # quality 0.82
    info = toy_store.register(reg, name, 0)  # quality 0.80: within max_drop 0.05
    report = reg.validate(name, info.version, toy_store.evaluator(), actor="alice", backtest="toy",
                          thresholds=toy_store.thresholds())
    assert report.passed
    assert report.champion_version == "1"
    assert report.champion_metrics["recall"] == pytest.approx(0.82)
    stored = reg.validation_report(name, info.version)
    assert stored is not None and stored.to_dict() == report.to_dict()


@pytest.mark.parametrize("approver", ["alice", "Alice", "ＡＬＩＣＥ"])  # one canonical id; tests/security has the rest
def test_self_approval_is_refused_and_changes_nothing(toy_store, approver):
    reg, name = toy_store.registry(), toy_store.new_name()
    info = toy_store.register(reg, name, 0, submitter="alice")
    reg.validate(name, info.version, toy_store.evaluator(), actor="alice", backtest="toy", thresholds=toy_store.thresholds())
    with pytest.raises(RegistryError, match="four-eyes"):
        reg.approve(name, info.version, approver=approver)
    after = reg.get(name, info.version)
    assert after.approval_status == "pending" and after.approved_by == ""
    refused = [r for r in reg.audit_trail(name) if r["event_type"] == "model.action_refused"]
    assert refused and refused[-1]["actor"] == "alice" and refused[-1]["payload"]["action"] == "approve"


@pytest.mark.parametrize("validated", [False, True], ids=["not-validated", "failed-validation"])
def test_promoting_unvalidated_or_failed_version_is_refused(toy_store, validated):
    reg, name = toy_store.registry(), toy_store.new_name()
    info = toy_store.register(reg, name, 2)  # quality 0.3: fails the floor
    if validated:
        report = reg.validate(name, info.version, toy_store.evaluator(), actor="alice", backtest="toy",
                              thresholds=toy_store.thresholds())
        assert not report.passed
        assert "below the floor" in report.failures()[0].detail
        with pytest.raises(RegistryError, match="only a passed version can be approved"):
            reg.approve(name, info.version, approver="bob")
    with pytest.raises(RegistryError, match="refusing to promote"):
        reg.promote(name, info.version, actor="bob")
    assert reg.by_alias(name, CHAMPION) is None
    assert reg.get(name, info.version).aliases == (CHALLENGER,)


def test_promotion_rechecks_four_eyes_when_tags_were_edited(toy_store):
    reg, name = toy_store.registry(), toy_store.new_name()
    info = toy_store.register(reg, name, 0, submitter="alice")
    reg.validate(name, info.version, toy_store.evaluator(), actor="alice", backtest="toy", thresholds=toy_store.thresholds())
    for key, value in {"ibml.approval_status": "approved", "ibml.approved_by": "ALICE"}.items():
        reg.client.set_model_version_tag(name, info.version, key, value)  # someone edits tags by hand
    with pytest.raises(RegistryError, match="no valid approval signature"):  # a tag is not an approval
        reg.promote(name, info.version, actor="alice")
    assert reg.by_alias(name, CHAMPION) is None


def test_promoting_unapproved_version_is_refused(toy_store):
    reg, name = toy_store.registry(), toy_store.new_name()
    info = toy_store.register(reg, name, 0)
    reg.validate(name, info.version, toy_store.evaluator(), actor="alice", backtest="toy", thresholds=toy_store.thresholds())
    with pytest.raises(RegistryError, match="not approved"):
        reg.promote(name, info.version, actor="bob")
    assert reg.by_alias(name, CHAMPION) is None


def test_rollback_walks_back_through_approved_versions(toy_store):
    reg, name = toy_store.registry(), toy_store.new_name()
    _to_champion(toy_store, reg, name, 0)  # v1
    failed = toy_store.register(reg, name, 2)  # v2 never approved
    reg.validate(name, failed.version, toy_store.evaluator(), actor="alice", backtest="toy", thresholds=toy_store.thresholds())
    _to_champion(toy_store, reg, name, 1)  # v3
    back = reg.rollback(name, actor="carol", reason="incident 42")
    assert back.version == "1"  # skips v2 (failed validation, never approved)
    assert reg.get(name, "3").rolled_back
    last = reg.alias_history(name)[-1]
    assert (last["alias"], last["from_version"], last["to_version"], last["actor"]) == (CHAMPION, "3", "1", "carol")
    assert "incident 42" in last["reason"]
    with pytest.raises(RegistryError, match="no approved version earlier than v1"):
        reg.rollback(name, actor="carol")
    assert reg.by_alias(name, CHAMPION).version == "1"


def test_rollback_without_champion_is_refused(toy_store):
    reg, name = toy_store.registry(), toy_store.new_name()
    toy_store.register(reg, name, 0)
    with pytest.raises(RegistryError, match="no @champion"):
        reg.rollback(name, actor="carol")


class _FailingAudit:
    """An audit log whose disk is full: every append fails, as AuditLog does on an OSError."""

    def __init__(self, real, fail_on: str):
        self.real, self.fail_on = real, fail_on

    def append(self, event_type, payload, actor):
        if event_type == self.fail_on:
            raise AuditError("cannot write audit log: No space left on device")
        return self.real.append(event_type, payload, actor=actor)

    def records(self):
        return self.real.records()


def test_register_is_undone_when_audit_fails(toy_store):
    reg, name = toy_store.registry(), toy_store.new_name()
    reg.audit = _FailingAudit(reg.audit, "model.alias_moved")
    with pytest.raises(AuditError):
        toy_store.register(reg, name, 0)
    assert name not in reg.models()


def test_promotion_is_undone_when_audit_fails(toy_store):
    reg, name = toy_store.registry(), toy_store.new_name()
    _to_champion(toy_store, reg, name, 0)
    info = toy_store.register(reg, name, 1)
    reg.validate(name, info.version, toy_store.evaluator(), actor="alice", backtest="toy", thresholds=toy_store.thresholds())
    reg.approve(name, info.version, approver="bob")
    reg.audit = _FailingAudit(reg.audit, "model.alias_moved")
    with pytest.raises(AuditError):
        reg.promote(name, info.version, actor="bob")
    assert reg.by_alias(name, CHAMPION).version == "1"


def test_load_champion_returns_native_model_and_info(toy_store):
    from reference_impl.lifecycle.registry import load_champion
    from reference_impl.lifecycle.tracking import quiet_mlflow

    reg, name = toy_store.registry(), toy_store.new_name()
    _to_champion(toy_store, reg, name, 1)
    model, info = load_champion(name, tracking_uri=reg.store.uri)
    assert type(model).__name__ == "IsolationForest" and model.n_estimators == 6
    assert (info.version, info.run_id, info.approval_status) == ("1", toy_store.models[1].run_id, "approved")
    assert info.training_data_digest == "d" * 64
    with quiet_mlflow():
        import mlflow

        pyfunc_model = mlflow.pyfunc.load_model(f"models:/{name}@champion")
        out = pyfunc_model.predict(toy_store.X.head(4))
    assert list(out.columns) == ["score", "flagged"]
    assert out["score"].tolist() == pytest.approx((-model.score_samples(toy_store.X.head(4))).tolist())
    sig = json.loads(pyfunc_model.metadata.to_dict()["signature"]["inputs"])
    assert [c["name"] for c in sig] == ["a", "b", "c"]


def test_load_champion_without_champion_is_refused(toy_store):
    from reference_impl.lifecycle.registry import load_champion

    reg, name = toy_store.registry(), toy_store.new_name()
    toy_store.register(reg, name, 0)
    with pytest.raises(RegistryError, match="no @champion"):
        load_champion(name, tracking_uri=reg.store.uri)


def test_nothing_reaches_the_network(toy_store, monkeypatch):
    """Log, register, promote and load with every non-loopback connection refused (telemetry is off)."""
    import socket

    from sklearn.ensemble import IsolationForest

    from reference_impl.lifecycle.pyfunc import log_native_model
    from reference_impl.lifecycle.registry import load_champion
    from reference_impl.lifecycle.tracking import RunLineage, training_run

    real_connect = socket.socket.connect
    attempts = []

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if self.family == socket.AF_UNIX or host in ("127.0.0.1", "::1", "localhost"):
            return real_connect(self, address)
        attempts.append(address)
        raise OSError(f"test forbids network access to {address}")

    monkeypatch.setattr(socket.socket, "connect", guarded)
    reg, name = toy_store.registry(), toy_store.new_name()
    with training_run("offline", RunLineage("toy", 9, {}, {}, {}), workspace=toy_store.workspace) as run:
        logged = log_native_model(IsolationForest(n_estimators=5, random_state=9).fit(toy_store.X),
                                  kind="estimator", input_example=toy_store.X.head(2))
    info = reg.register(name, model_uri=logged.model_uri, run_id=run.info.run_id, submitter="alice",
                        model_digest=logged.model_digest, training_data_digest="d")
    reg.validate(name, info.version, lambda m: {"recall": 0.9, "precision": 0.9}, actor="alice", backtest="toy",
                 thresholds=toy_store.thresholds())
    reg.approve(name, info.version, approver="bob")
    reg.promote(name, info.version, actor="bob")
    load_champion(name, tracking_uri=reg.store.uri)
    assert attempts == []
