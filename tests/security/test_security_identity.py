"""Finding 1: four eyes is a control — person ids are canonical, approvals are signed and verified.

Reproduced on the old main: ``approve --as "quant.developer<U+200B>"`` approved and promoted the
submitter's own model (4 of 12 look-alike names passed), and a tag set with
``MlflowClient.set_model_version_tag`` was accepted by ``promote`` as an approval.
"""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reference_impl.errors import ErrorKind, RegistryError
from reference_impl.lifecycle.validation import Threshold
from reference_impl.workspace import Workspace

SUBMITTER = "quant.developer"
VALIDATOR = "model.validator"

#: Twelve ways to write the submitter's name that a free-text check missed or might miss.
VARIANTS = {
    "zero-width space": "quant.developer\u200b",
    "zero-width joiner": "quant.\u200ddeveloper",
    "word joiner": "quant.developer\u2060",
    "soft hyphen": "quant.devel\u00adoper",
    "right-to-left override": "\u202equant.developer",
    "no-break space": "quant.developer\u00a0",
    "trailing space": "quant.developer ",
    "upper case": "QUANT.Developer",
    "fullwidth letters": "ｑｕａｎｔ.ｄｅｖｅｌｏｐｅｒ",
    "one-dot leader for the dot": "quant\u2024developer",
    "Cyrillic a": "qu\u0430nt.developer",
    "Cyrillic e, o, p": "quant.d\u0435v\u0435l\u043e\u0440\u0435r",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One logged toy model, a workspace and the simulated people (keys beside the workspace)."""
    from sklearn.ensemble import IsolationForest

    from reference_impl.lifecycle.identity import MODEL_VALIDATOR, SUBMITTER as SUBMIT, PeopleDirectory
    from reference_impl.lifecycle.pyfunc import log_native_model
    from reference_impl.lifecycle.tracking import RunLineage, training_run

    ws = Workspace(Path(tmp_path_factory.mktemp("identity")) / "ibml-home")
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(60, 3)), columns=["a", "b", "c"])
    with training_run("toy", RunLineage("toy", 0, {}, {}, {}), workspace=ws) as run:
        logged = log_native_model(IsolationForest(n_estimators=5, random_state=0).fit(X), kind="estimator",
                                  input_example=X.head(2))
    people = PeopleDirectory.for_workspace(ws)
    people.enrol(SUBMITTER, [SUBMIT, MODEL_VALIDATOR])  # a developer who also validates others' models
    people.enrol(VALIDATOR, [MODEL_VALIDATOR])
    people.enrol("desk.analyst", [SUBMIT])
    return ws, run.info.run_id, logged


_counter = iter(range(10_000))


def _validated(store, registry=None):
    """A fresh model registered by the submitter and passed validation; returns (registry, name, version)."""
    from reference_impl.lifecycle.registry import ModelRegistry

    ws, run_id, logged = store
    reg = registry or ModelRegistry(workspace=ws)
    name = f"toy-{next(_counter)}"
    info = reg.register(
        name, model_uri=logged.model_uri, run_id=run_id, submitter=SUBMITTER, model_digest=logged.model_digest,
        training_data_digest="d" * 64,
    )
    reg.validate(name, info.version, lambda m: {"recall": 0.9}, actor=SUBMITTER, backtest="toy",
                 thresholds=[Threshold("recall", min_value=0.5)],
                 load=lambda n, v: None)
    return reg, name, info.version


@pytest.mark.parametrize("variant", list(VARIANTS.values()), ids=list(VARIANTS))
def test_a_look_alike_of_the_submitter_can_neither_approve_nor_promote(store, variant):
    reg, name, version = _validated(store)
    with pytest.raises(RegistryError) as refused:
        reg.approve(name, version, approver=variant)
    assert refused.value.kind in (ErrorKind.INVALID, ErrorKind.FORBIDDEN)
    assert reg.get(name, version).approval_status == "pending"
    with pytest.raises(RegistryError):
        reg.promote(name, version, actor=VALIDATOR)
    assert reg.by_alias(name, "champion") is None
    trail = [r for r in reg.audit_trail(name) if r["event_type"] == "model.action_refused"]
    assert [r["payload"]["action"] for r in trail] == ["approve", "promote"]  # each refusal is evidence


@pytest.mark.parametrize("variant", list(VARIANTS.values()), ids=list(VARIANTS))
def test_a_look_alike_is_the_same_canonical_id_or_refused(tmp_path, variant):
    from reference_impl.lifecycle.identity import SUBMITTER as SUBMIT
    from reference_impl.lifecycle.identity import PeopleDirectory, canonical_person_id

    try:
        assert canonical_person_id(variant) == SUBMITTER  # folds to the same person ...
    except RegistryError as exc:
        assert exc.kind is ErrorKind.INVALID  # ... or is refused, never stripped into someone
    people = PeopleDirectory(tmp_path / "identity")
    people.enrol(SUBMITTER, [SUBMIT])
    with pytest.raises(RegistryError):  # nor can it be enrolled as a second person
        people.enrol(variant, [SUBMIT])


def test_a_whole_script_look_alike_and_odd_characters_are_refused():
    from reference_impl.lifecycle.identity import canonical_person_id

    for raw in ["\u0430\u0441\u0435", "bob\u0301", "bob/../alice", "", ".bob", "bob@bank"]:  # Cyrillic "ace"
        with pytest.raises(RegistryError):
            canonical_person_id(raw)
    assert canonical_person_id("Łukasz.Nowak") == "łukasz.nowak"  # one non-ASCII Latin script is fine
    assert canonical_person_id("\u0438\u0432\u0430\u043d") == "\u0438\u0432\u0430\u043d"  # Cyrillic "иван" is no look-alike


def test_a_forged_approval_tag_does_not_promote(store):
    reg, name, version = _validated(store)
    forged = {
        "ibml.approval_status": "approved",
        "ibml.approved_by": VALIDATOR,  # a real validator's id
        "ibml.approved_at": "2026-03-02T09:00:00+00:00",
        "ibml.approval_signature": "AAAA" * 22,
    }
    for key, value in forged.items():
        reg.client.set_model_version_tag(name, version, key, value)
    assert reg.get(name, version).approval_status == "approved"  # what the old promote trusted
    with pytest.raises(RegistryError, match="no valid approval signature") as refused:
        reg.promote(name, version, actor=SUBMITTER)
    assert refused.value.kind is ErrorKind.FORBIDDEN
    assert reg.by_alias(name, "champion") is None


def test_a_signature_copied_from_another_version_or_a_changed_digest_does_not_promote(store):
    reg, name, v1 = _validated(store)
    reg.approve(name, v1, approver=VALIDATOR)
    approved = reg.client.get_model_version(name, v1).tags
    reg2, name2, version2 = _validated(store, registry=reg)  # another model, same submitter and digest
    for key in ("ibml.approval_status", "ibml.approved_by", "ibml.approved_at", "ibml.approval_signature"):
        reg2.client.set_model_version_tag(name2, version2, key, approved[key])
    with pytest.raises(RegistryError, match="no valid approval signature"):
        reg2.promote(name2, version2, actor=VALIDATOR)
    # the approved version itself: swap the recorded model digest after approval
    reg.client.set_model_version_tag(name, v1, "ibml.model_digest", "sha256:" + "0" * 64)
    with pytest.raises(RegistryError, match="not signed by|no valid approval signature"):  # both cover the digest
        reg.promote(name, v1, actor=VALIDATOR)
    reg.client.set_model_version_tag(name, v1, "ibml.model_digest", approved["ibml.model_digest"])
    assert reg.promote(name, v1, actor=VALIDATOR).aliases == ("champion",)


def test_an_approval_missing_from_the_audit_log_does_not_promote(store, tmp_path):
    from reference_impl.governance import AuditLog
    from reference_impl.lifecycle.registry import ModelRegistry

    ws, _, _ = store
    reg, name, version = _validated(store)
    reg.approve(name, version, approver=VALIDATOR)
    elsewhere = ModelRegistry(workspace=ws, audit=AuditLog(tmp_path / "other" / "audit.jsonl"))
    with pytest.raises(RegistryError, match="not in the audit log"):
        elsewhere.promote(name, version, actor=VALIDATOR)


def test_who_may_act_comes_from_the_people_directory_and_keys(store, tmp_path):
    reg, name, version = _validated(store)
    with pytest.raises(RegistryError, match="not enrolled") as exc:
        reg.approve(name, version, approver="mallory")
    assert exc.value.kind is ErrorKind.FORBIDDEN
    with pytest.raises(RegistryError, match="model_validator"):
        reg.approve(name, version, approver="desk.analyst")  # enrolled, but only as a submitter
    foreign = tmp_path / "other-identity"
    from reference_impl.lifecycle.identity import MODEL_VALIDATOR, PeopleDirectory

    PeopleDirectory(foreign).enrol(VALIDATOR, [MODEL_VALIDATOR])  # someone's own key pair, not the enrolled one
    with pytest.raises(RegistryError, match="not the one enrolled"):
        reg.approve(name, version, approver=VALIDATOR, key_file=foreign / "keys" / f"{VALIDATOR}.ed25519")
    assert reg.get(name, version).approval_status == "pending"
    with pytest.raises(RegistryError, match="not enrolled"):  # nor can an unknown person submit
        reg.register(name, model_uri="models:/x", run_id="r", submitter="mallory", model_digest="x",
                     training_data_digest="y")
    info = reg.approve(name, version, approver=VALIDATOR)
    assert info.approved_by == VALIDATOR
    record = [r for r in reg.audit_trail(name) if r["event_type"] == "model.approved"][-1]
    assert record["payload"]["signature"] and record["payload"]["statement"]["model_digest"] == info.model_digest
    assert reg.promote(name, version, actor=VALIDATOR).aliases == ("champion",)


def test_private_keys_are_0600_in_0700_directories_outside_the_workspace(store):
    from reference_impl.lifecycle.identity import PeopleDirectory

    ws, _, _ = store
    people = PeopleDirectory.for_workspace(ws)
    key = people.key_file(SUBMITTER)
    assert ws.root not in key.parents
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700 and stat.S_IMODE(people.root.stat().st_mode) == 0o700
    key.chmod(0o644)
    try:
        with pytest.raises(RegistryError, match="readable by others"):
            people.sign(SUBMITTER, {"x": 1})
    finally:
        key.chmod(0o600)


def test_the_cli_refuses_a_zero_width_look_alike_in_one_line(store, monkeypatch, capsys):
    from reference_impl.cli import main

    ws, _, _ = store
    monkeypatch.setenv("IBML_HOME", str(ws.root))
    _, name, version = _validated(store)
    capsys.readouterr()
    assert main(["registry", "approve", name, version, "--as", "quant.developer\u200b"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "U+200B" in err[0], err
