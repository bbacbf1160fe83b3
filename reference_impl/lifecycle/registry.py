"""Change control on the MLflow model registry: register, validate, approve (four eyes), promote, roll back.

The life of a version::

    register ──► @challenger ──► validate (same backtest as @champion; thresholds)
                                   │ passed
                                   ▼
                 approve (approver ≠ submitter) ──► promote ──► @champion
                                                                 │
                                                 rollback ◄──────┘  (previous approved version)

Who acts is a person enrolled in the people directory (:mod:`~reference_impl.lifecycle.identity`):
a canonical id, an Ed25519 key and roles. Registration is signed with the submitter's key, approval
with a ``model_validator``'s key, each over model, version or run, model digest, person and time;
the signatures are kept in tags and in the audit log, and ``promote`` (and ``rollback``) re-verify
them, so neither a look-alike name nor a tag set by hand passes as an approval.

State lives in two places on purpose. MLflow holds versions, aliases and ``ibml.*`` tags (who
submitted, validation status, who approved and when). Our hash-chained :class:`AuditLog` holds
every action and **every alias move** (``model.alias_moved`` with from/to versions), because MLflow
keeps no history of aliases — without it "who made v7 champion on Tuesday?" has no answer.

Refusals raise :class:`RegistryError` *before* anything changes. Each multi-step action undoes its
earlier steps if a later one fails (e.g. the audit write), so nothing is left registered or moved
half-way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from reference_impl.errors import AuditError, ErrorKind, IbmlError, RegistryError
from reference_impl.governance import AuditLog
from reference_impl.lifecycle.identity import (
    MODEL_VALIDATOR,
    SUBMITTER,
    PeopleDirectory,
    canonical_person_id,
    same_person,
)
from reference_impl.lifecycle.settings import LifecycleSettings
from reference_impl.lifecycle.tracking import mlflow_errors, open_client
from reference_impl.lifecycle.validation import DEFAULT_THRESHOLDS, Evaluator, Threshold, ValidationReport, build_report
from reference_impl.workspace import Workspace

CHAMPION = "champion"
CHALLENGER = "challenger"
TAG = "ibml."
USER_ENV = "IBML_USER"

Clock = Callable[[], dt.datetime]


def current_user() -> str:
    """The claimed acting person id: ``$IBML_USER`` if set, else the OS login name.

    A claim only: approving and registering also need that person's private key.
    """
    return LifecycleSettings().user or getpass.getuser()


def same_identity(a: str, b: str) -> bool:
    """Whether two person ids are the same person, compared by canonical id (case and width folded).

    An id that is not canonical (invisible characters, spaces, mixed scripts) is refused, not cleaned.

    >>> same_identity("Alice", "ａｌｉｃｅ")
    True
    """
    return same_person(a, b)


def submission_statement(name: str, run_id: str, model_digest: str, submitter: str, at: str) -> dict[str, str]:
    """What a submitter signs when registering: the model, its run and digest, who, when."""
    return {
        "action": "submit",
        "model": name,
        "run_id": run_id,
        "model_digest": model_digest,
        "submitter": submitter,
        "at": at,
    }


def approval_statement(name: str, version: str, model_digest: str, approver: str, at: str) -> dict[str, str]:
    """What an approver signs: exactly this model version and digest, who, when."""
    return {
        "action": "approve",
        "model": name,
        "version": str(version),
        "model_digest": model_digest,
        "approver": approver,
        "at": at,
    }


def _now(clock: Clock | None) -> str:
    return (clock or (lambda: dt.datetime.now(dt.UTC)))().isoformat(timespec="seconds")


@dataclass(frozen=True)
class ModelVersionInfo:
    """What the service and the model card need to know about one registered version."""

    name: str
    version: str
    run_id: str
    source: str
    aliases: tuple[str, ...]
    model_digest: str
    training_data_digest: str
    submitted_by: str
    validation_status: str
    validated_at: str
    approval_status: str
    approved_by: str
    approved_at: str
    rolled_back: bool

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["aliases"] = list(self.aliases)
        return out


def _info(mv: Any) -> ModelVersionInfo:
    tags = dict(mv.tags or {})
    return ModelVersionInfo(
        name=mv.name,
        version=str(mv.version),
        run_id=mv.run_id or "",
        source=mv.source or "",
        aliases=tuple(sorted(getattr(mv, "aliases", []) or [])),
        model_digest=tags.get(TAG + "model_digest", ""),
        training_data_digest=tags.get(TAG + "training_data_digest", ""),
        submitted_by=tags.get(TAG + "submitted_by", ""),
        validation_status=tags.get(TAG + "validation_status", "not_validated"),
        validated_at=tags.get(TAG + "validated_at", ""),
        approval_status=tags.get(TAG + "approval_status", "pending"),
        approved_by=tags.get(TAG + "approved_by", ""),
        approved_at=tags.get(TAG + "approved_at", ""),
        rolled_back=tags.get(TAG + "rolled_back", "false") == "true",
    )


def rollback_target(versions: Sequence[ModelVersionInfo], current: str) -> ModelVersionInfo | None:
    """The version a rollback from ``current`` goes to: the newest earlier one validated and approved.

    Versions are compared as numbers ("10" is after "9"); versions already rolled back away from are
    skipped so repeated rollbacks walk further back. ``None`` when there is nowhere to go.
    """
    candidates = [
        v
        for v in versions
        if int(v.version) < int(current)
        and v.approval_status == "approved"
        and v.validation_status == "passed"
        and not v.rolled_back
    ]
    return max(candidates, key=lambda v: int(v.version), default=None)


def alias_at(moves: Sequence[Mapping[str, Any]], alias: str, when: str | dt.datetime) -> str | None:
    """Which version ``alias`` pointed at, at time ``when``, replayed from recorded alias moves.

    MLflow only knows where an alias points *now*; an auditor asks where it pointed when a decision
    was made. ``moves`` are ``model.alias_moved`` payloads with a ``ts`` (ISO, tz-aware), in any
    order; a move at exactly ``when`` counts.

    >>> moves = [{"ts": "2026-03-02T09:00:00+00:00", "alias": "champion", "to_version": "1"},
    ...          {"ts": "2026-03-09T09:00:00+00:00", "alias": "champion", "to_version": "2"}]
    >>> alias_at(moves, "champion", "2026-03-05T00:00:00+00:00")
    '1'
    >>> alias_at(moves, "champion", "2026-03-01T00:00:00+00:00") is None
    True
    """
    at = when if isinstance(when, dt.datetime) else dt.datetime.fromisoformat(when)
    if at.tzinfo is None:
        raise RegistryError(f"time {when!r} has no time zone; alias history is kept in UTC", kind=ErrorKind.INVALID)
    current: str | None = None
    relevant = sorted((m for m in moves if m.get("alias") == alias), key=lambda m: dt.datetime.fromisoformat(m["ts"]))
    for move in relevant:
        if dt.datetime.fromisoformat(move["ts"]) > at:
            break
        current = move.get("to_version")
    return current


class ModelRegistry:
    """The registry with change control. One instance per tracking store and audit log.

    Parameters
    ----------
    tracking_uri : str, optional
        Defaults to ``$IBML_MLFLOW_TRACKING_URI`` or the workspace SQLite store.
    workspace : Workspace, optional
        Where the audit log lives (``<IBML_HOME>/audit/audit.jsonl``).
    audit : AuditLog, optional
        Injected for tests; defaults to the workspace audit log.
    clock : callable, optional
        Returns a tz-aware ``datetime``; injected for deterministic tests and notebooks.
    people : PeopleDirectory, optional
        Enrolled people, their public keys and roles; default ``$IBML_IDENTITY_DIR`` or
        ``<IBML_HOME>-identity``.
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        *,
        workspace: Workspace | None = None,
        audit: AuditLog | None = None,
        clock: Clock | None = None,
        people: PeopleDirectory | None = None,
    ) -> None:
        self.workspace = workspace or Workspace.from_env()
        self.people = people or PeopleDirectory.for_workspace(self.workspace)
        self.client, self.store = open_client(tracking_uri, self.workspace)
        self.audit = audit or AuditLog(self.workspace.audit_log)
        self.clock = clock
        self._native_cache: dict[tuple[str, str, str], Any] = {}

    def load_native(self, name: str, version: str | int) -> Any:
        """The native model of a version, loaded through pyfunc (digest-checked) once per registry.

        Cached by model digest, so validating several challengers against one champion loads the
        champion once; a version whose artifact changed would have a different digest.
        """
        info = self.get(name, version)
        key = (name, info.version, info.model_digest)
        if key not in self._native_cache:
            self._native_cache[key] = load_version(name, info.version, registry=self)[0]
        return self._native_cache[key]

    # -- reading --------------------------------------------------------------------------
    def get(self, name: str, version: str | int) -> ModelVersionInfo:
        with mlflow_errors(f"reading {name} v{version}"):
            return _info(self.client.get_model_version(name, str(version)))

    def by_alias(self, name: str, alias: str) -> ModelVersionInfo | None:
        """The version an alias points at, or ``None`` when the alias is unset."""
        from mlflow.exceptions import MlflowException

        with mlflow_errors(f"reading {name}@{alias}"):
            try:
                return _info(self.client.get_model_version_by_alias(name, alias))
            except MlflowException as exc:
                if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
                    return None
                raise

    def versions(self, name: str) -> list[ModelVersionInfo]:
        """Every version of ``name``, oldest first (empty if the model is not registered)."""
        with mlflow_errors(f"listing {name}"):
            found = self.client.search_model_versions(f"name='{name}'")
            # search_model_versions leaves ``aliases`` empty (MLflow 3); the registered model has them
            by_version: dict[str, list[str]] = {}
            if found:
                for alias, version in (self.client.get_registered_model(name).aliases or {}).items():
                    by_version.setdefault(str(version), []).append(alias)
        infos = (_info(mv) for mv in found)
        return sorted(
            (
                dataclasses.replace(i, aliases=tuple(sorted(set(i.aliases) | set(by_version.get(i.version, [])))))
                for i in infos
            ),
            key=lambda i: int(i.version),
        )

    def models(self) -> list[str]:
        with mlflow_errors("listing registered models"):
            return sorted(m.name for m in self.client.search_registered_models())

    def alias_history(self, name: str) -> list[dict[str, Any]]:
        """Every alias move of ``name`` from our audit log, oldest first."""
        return [
            {"ts": r["ts"], "actor": r["actor"], **r["payload"]}
            for r in self.audit.records()
            if r["event_type"] == "model.alias_moved" and r["payload"].get("model") == name
        ]

    def audit_trail(self, name: str, version: str | None = None) -> list[dict[str, Any]]:
        """Audit records about ``name`` (optionally one version), oldest first."""
        out = []
        for r in self.audit.records():
            p = r.get("payload", {})
            if r["event_type"].startswith("model.") and p.get("model") == name:
                if version is None or str(p.get("version")) == str(version) or str(p.get("to_version")) == str(version):
                    out.append(r)
        return out

    # -- internal steps -------------------------------------------------------------------
    def _audit(self, event: str, payload: dict[str, Any], actor: str) -> None:
        self.audit.append(event, payload, actor=actor)

    def _refuse(
        self, name: str, version: str | None, action: str, reason: str, actor: str, kind: ErrorKind = ErrorKind.CONFLICT
    ) -> RegistryError:
        """Record a refused action (a control doing its job is evidence too) and return the error.

        ``kind`` is ``CONFLICT`` (the version's state refuses the action) unless the actor is the problem
        (``FORBIDDEN``: the four-eyes rule).
        """
        try:
            self._audit(
                "model.action_refused", {"model": name, "version": version, "action": action, "reason": reason}, actor
            )
        except AuditError:
            pass  # the refusal stands even if it cannot be recorded
        return RegistryError(reason, kind=kind)

    def _move_alias(self, name: str, alias: str, version: str | None, actor: str, reason: str) -> None:
        """Point ``alias`` at ``version`` (``None`` deletes it) and audit the move; undo on audit failure."""
        previous = self.by_alias(name, alias)
        prev_version = previous.version if previous else None
        if prev_version == version:
            return
        with mlflow_errors(f"moving {name}@{alias}"):
            if version is None:
                self.client.delete_registered_model_alias(name, alias)
            else:
                self.client.set_registered_model_alias(name, alias, version)
        try:
            self._audit(
                "model.alias_moved",
                {"model": name, "alias": alias, "from_version": prev_version, "to_version": version, "reason": reason},
                actor,
            )
        except AuditError:
            with mlflow_errors(f"restoring {name}@{alias}"):
                if prev_version is None:
                    self.client.delete_registered_model_alias(name, alias)
                else:
                    self.client.set_registered_model_alias(name, alias, prev_version)
            raise

    def _set_tags(self, name: str, version: str, tags: Mapping[str, str]) -> dict[str, str | None]:
        """Set version tags; return the previous values so a caller can undo."""
        mv = self.client.get_model_version(name, version)
        before = {k: (mv.tags or {}).get(k) for k in tags}
        for key, value in tags.items():
            self.client.set_model_version_tag(name, version, key, value)
        return before

    def _restore_tags(self, name: str, version: str, before: Mapping[str, str | None]) -> None:
        for key, value in before.items():
            if value is None:
                self.client.delete_model_version_tag(name, version, key)
            else:
                self.client.set_model_version_tag(name, version, key, value)

    # -- actions --------------------------------------------------------------------------
    def register(
        self,
        name: str,
        *,
        model_uri: str,
        run_id: str,
        submitter: str,
        model_digest: str,
        training_data_digest: str,
        model_tags: Mapping[str, str] | None = None,
        description: str = "",
        model_id: str | None = None,
    ) -> ModelVersionInfo:
        """Register a logged model as a new version of ``name`` and point ``@challenger`` at it.

        ``model_tags`` (owner, tier, intended use...) are set on the registered model the first
        time it is created. ``model_id`` (MLflow 3's logged-model id) is required by a tracking
        *server* for ``models:/m-...`` sources. If aliasing or auditing fails the new version is
        deleted again.
        """
        submitter = self._person_with_role(submitter, SUBMITTER, "register")
        submitted_at = _now(self.clock)
        statement = submission_statement(name, run_id, model_digest, submitter, submitted_at)
        signature = self.people.sign(submitter, statement)
        from mlflow.exceptions import MlflowException

        with mlflow_errors(f"registering {name}"):
            created_model = False
            try:
                self.client.get_registered_model(name)
            except MlflowException as exc:
                if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                    raise
                self.client.create_registered_model(name, tags=dict(model_tags or {}), description=description)
                created_model = True
            tags = {
                TAG + "submitted_by": submitter,
                TAG + "model_digest": model_digest,
                TAG + "training_data_digest": training_data_digest,
                TAG + "validation_status": "not_validated",
                TAG + "approval_status": "pending",
                TAG + "submitted_at": submitted_at,
                TAG + "submission_signature": signature,
            }
            if model_id is None and model_uri.startswith("models:/m-"):
                model_id = model_uri.removeprefix("models:/")
            mv = self.client.create_model_version(name, source=model_uri, run_id=run_id, tags=tags, model_id=model_id)
        version = str(mv.version)
        try:
            self._audit(
                "model.registered",
                {
                    "model": name,
                    "version": version,
                    "run_id": run_id,
                    "model_digest": model_digest,
                    "training_data_digest": training_data_digest,
                    "statement": statement,
                    "signature": signature,
                },
                submitter,
            )
            self._move_alias(name, CHALLENGER, version, submitter, "registered")
        except BaseException:
            with mlflow_errors(f"undoing registration of {name} v{version}"):
                self.client.delete_model_version(name, version)
                if created_model:
                    self.client.delete_registered_model(name)
            raise
        return self.get(name, version)

    def validate(
        self,
        name: str,
        version: str | int,
        evaluate: Evaluator,
        *,
        actor: str,
        backtest: str,
        thresholds: Sequence[Threshold] | None = None,
        load: Callable[[str, str], Any] | None = None,
    ) -> ValidationReport:
        """Score the version and the current champion with the same ``evaluate`` and check thresholds.

        The report is stored as a JSON artifact of the version's run and summarised in version
        tags; a failed report does not raise (it is evidence) — promotion will refuse it.
        """
        version = str(version)
        info = self.get(name, version)
        rules = list(thresholds if thresholds is not None else DEFAULT_THRESHOLDS.get(name, []))
        loader = load or self.load_native
        champion = self.by_alias(name, CHAMPION)
        challenger_metrics = dict(evaluate(loader(name, version)))
        champion_metrics = None
        if champion is not None and champion.version != version:
            champion_metrics = dict(evaluate(loader(name, champion.version)))
        report = build_report(
            name,
            version,
            challenger_metrics,
            champion_version=champion.version if champion and champion_metrics is not None else None,
            champion_metrics=champion_metrics,
            thresholds=rules,
            backtest=backtest,
            now=self.clock() if self.clock else None,
        )
        with mlflow_errors(f"recording validation of {name} v{version}"):
            if info.run_id:
                self.client.log_text(info.run_id, report.to_json(), f"validation/{name}-v{version}.json")
            before = self._set_tags(
                name,
                version,
                {
                    TAG + "validation_status": report.status,
                    TAG + "validated_at": report.created_at,
                    TAG + "validated_by": actor,
                    TAG + "validation_report": json.dumps(report.to_dict(), sort_keys=True)[:4900],
                },
            )
        try:
            self._audit(
                "model.validated",
                {
                    "model": name,
                    "version": version,
                    "status": report.status,
                    "champion_version": report.champion_version,
                    "failures": [c.detail for c in report.failures()],
                },
                actor,
            )
        except AuditError:
            with mlflow_errors("undoing validation tags"):
                self._restore_tags(name, version, before)
            raise
        return report

    def validation_report(self, name: str, version: str | int) -> ValidationReport | None:
        """The stored validation report of a version, if it has one."""
        with mlflow_errors(f"reading {name} v{version}"):
            mv = self.client.get_model_version(name, str(version))
        raw = (mv.tags or {}).get(TAG + "validation_report")
        return ValidationReport.from_dict(json.loads(raw)) if raw else None

    # -- identity -------------------------------------------------------------------------
    def _person_with_role(self, claimed: str, role: str | None, action: str) -> str:
        """The canonical id of an enrolled person holding ``role`` (any role if ``None``); ``FORBIDDEN`` otherwise."""
        if not isinstance(claimed, str) or not claimed:
            raise RegistryError(f"{action} needs a person id (--as or $IBML_USER)", kind=ErrorKind.INVALID)
        person = self.people.person(claimed)
        if role is not None and role not in person.roles:
            raise RegistryError(
                f"{person.person_id} does not hold the {role} role needed to {action}", kind=ErrorKind.FORBIDDEN
            )
        return person.person_id

    def _raw_tags(self, name: str, version: str) -> dict[str, str]:
        with mlflow_errors(f"reading {name} v{version}"):
            return dict(self.client.get_model_version(name, version).tags or {})

    def _verified_submitter(self, info: ModelVersionInfo, tags: Mapping[str, str]) -> str:
        """The submitter's canonical id, if their signature over the registration verifies."""
        try:
            person = self.people.person(info.submitted_by)
        except RegistryError as exc:
            raise RegistryError(f"{info.name} v{info.version}: submitter not verifiable: {exc}") from exc
        statement = submission_statement(
            info.name, info.run_id, info.model_digest, person.person_id, tags.get(TAG + "submitted_at", "")
        )
        if person.person_id != info.submitted_by or not person.verify(
            statement, tags.get(TAG + "submission_signature", "")
        ):
            raise RegistryError(
                f"{info.name} v{info.version}: the submission is not signed by {info.submitted_by!r}",
                kind=ErrorKind.FORBIDDEN,
            )
        return person.person_id

    def verify_approval(self, name: str, version: str | int) -> str:
        """Re-check an approval from its evidence, never from the status tag alone; return the approver.

        The submission and approval signatures must verify against the people directory's public
        keys over this version's model digest; the approver must hold ``model_validator`` and not
        be the submitter; the audit log must hold the same signed approval. Raises
        :class:`RegistryError` (``FORBIDDEN``) naming what failed.
        """
        version = str(version)
        info = self.get(name, version)
        tags = self._raw_tags(name, version)
        submitter = self._verified_submitter(info, tags)
        approver = info.approved_by
        try:
            person = self.people.person(approver)
        except RegistryError as exc:
            raise RegistryError(f"{name} v{version}: approval not verifiable: {exc}", kind=ErrorKind.FORBIDDEN) from exc
        signature = tags.get(TAG + "approval_signature", "")
        statement = approval_statement(name, version, info.model_digest, person.person_id, info.approved_at)
        if person.person_id != approver or not person.verify(statement, signature):
            raise RegistryError(
                f"{name} v{version}: no valid approval signature by {approver!r} over this version and digest",
                kind=ErrorKind.FORBIDDEN,
            )
        if MODEL_VALIDATOR not in person.roles:
            raise RegistryError(f"{name} v{version}: {approver} is not a {MODEL_VALIDATOR}", kind=ErrorKind.FORBIDDEN)
        if person.person_id == submitter:
            raise RegistryError(f"{name} v{version} was approved by its own submitter", kind=ErrorKind.FORBIDDEN)
        recorded = any(
            r.get("event_type") == "model.approved"
            and r.get("payload", {}).get("model") == name
            and r.get("payload", {}).get("version") == version
            and r.get("payload", {}).get("signature") == signature
            for r in self.audit.records()
        )
        if not recorded:
            raise RegistryError(
                f"{name} v{version}: the approval is not in the audit log {self.audit.path}", kind=ErrorKind.FORBIDDEN
            )
        return person.person_id

    def approve(
        self, name: str, version: str | int, *, approver: str, comment: str = "", key_file: Any = None
    ) -> ModelVersionInfo:
        """Sign and record an approval with the approver's key.

        Refused (nothing changes) for a person id that is not canonical, not enrolled or not a
        ``model_validator``, for the submitter (four eyes, compared by canonical id), for a
        submission whose signature does not verify and for an unvalidated or failed version.
        ``key_file`` overrides where the approver's private key is read from.
        """
        version = str(version)
        info = self.get(name, version)
        try:
            approver_id = self._person_with_role(approver, None, "approve")
            submitter = self._verified_submitter(info, self._raw_tags(name, version))
        except RegistryError as exc:
            raise self._refuse(name, version, "approve", str(exc), repr(approver), kind=exc.kind) from exc
        if approver_id == submitter:
            raise self._refuse(
                name,
                version,
                "approve",
                f"{approver_id} submitted {name} v{version} and cannot approve it (four-eyes rule)",
                approver_id,
                kind=ErrorKind.FORBIDDEN,
            )
        try:
            self._person_with_role(approver_id, MODEL_VALIDATOR, "approve")
        except RegistryError as exc:
            raise self._refuse(name, version, "approve", str(exc), approver_id, kind=exc.kind) from exc
        if info.validation_status != "passed":
            raise self._refuse(
                name,
                version,
                "approve",
                f"{name} v{version} validation is {info.validation_status}; only a passed version can be approved",
                approver_id,
            )
        if info.approval_status == "approved":
            raise RegistryError(f"{name} v{version} is already approved by {info.approved_by}")
        approved_at = _now(self.clock)
        statement = approval_statement(name, version, info.model_digest, approver_id, approved_at)
        signature = self.people.sign(approver_id, statement, key_file=key_file)
        with mlflow_errors(f"approving {name} v{version}"):
            before = self._set_tags(
                name,
                version,
                {
                    TAG + "approval_status": "approved",
                    TAG + "approved_by": approver_id,
                    TAG + "approved_at": approved_at,
                    TAG + "approval_comment": comment[:500],
                    TAG + "approval_signature": signature,
                },
            )
        try:
            self._audit(
                "model.approved",
                {
                    "model": name,
                    "version": version,
                    "submitted_by": submitter,
                    "comment": comment,
                    "statement": statement,
                    "signature": signature,
                },
                approver_id,
            )
        except AuditError:
            with mlflow_errors("undoing approval tags"):
                self._restore_tags(name, version, before)
            raise
        return self.get(name, version)

    def promote(self, name: str, version: str | int, *, actor: str) -> ModelVersionInfo:
        """Move ``@champion`` to a validated version whose signed approval verifies (see :meth:`verify_approval`)."""
        version = str(version)
        info = self.get(name, version)
        actor = canonical_person_id(actor)
        if info.validation_status != "passed":
            raise self._refuse(
                name,
                version,
                "promote",
                f"{name} v{version} validation is {info.validation_status}; refusing to promote",
                actor,
            )
        if info.approval_status != "approved":
            raise self._refuse(
                name,
                version,
                "promote",
                f"{name} v{version} is not approved (four-eyes approval required before promotion)",
                actor,
            )
        try:
            self.verify_approval(name, version)
        except RegistryError as exc:
            raise self._refuse(name, version, "promote", str(exc), actor, kind=ErrorKind.FORBIDDEN) from exc
        if CHAMPION in info.aliases:
            raise RegistryError(f"{name} v{version} is already @{CHAMPION}")
        self._move_alias(name, CHAMPION, version, actor, "promoted")
        if CHALLENGER in info.aliases:
            try:
                self._move_alias(name, CHALLENGER, None, actor, "promoted")
            except IbmlError:
                pass  # champion moved and audited; a stale challenger alias is harmless and visible
        with mlflow_errors(f"tagging {name} v{version}"):
            self.client.set_model_version_tag(name, version, TAG + "rolled_back", "false")
        return self.get(name, version)

    def _approval_holds(self, name: str, version: str) -> bool:
        try:
            self.verify_approval(name, version)
        except RegistryError:
            return False
        return True

    def rollback(self, name: str, *, actor: str, reason: str = "") -> ModelVersionInfo:
        """Move ``@champion`` back to the newest earlier version that was validated and approved."""
        current = self.by_alias(name, CHAMPION)
        if current is None:
            raise self._refuse(name, None, "rollback", f"{name} has no @{CHAMPION} to roll back", actor)
        actor = canonical_person_id(actor)
        candidates = [
            v for v in self.versions(name) if v.approval_status != "approved" or self._approval_holds(name, v.version)
        ]
        target = rollback_target(candidates, current.version)  # a forged approval is never a rollback target
        if target is None:
            raise self._refuse(
                name,
                current.version,
                "rollback",
                f"{name} has no approved version earlier than v{current.version} to roll back to",
                actor,
            )
        self._move_alias(name, CHAMPION, target.version, actor, f"rollback: {reason}" if reason else "rollback")
        with mlflow_errors(f"tagging {name} v{current.version}"):
            self.client.set_model_version_tag(name, current.version, TAG + "rolled_back", "true")
        return self.get(name, target.version)


def load_version(
    name: str, version: str, *, registry: ModelRegistry | None = None, tracking_uri: str | None = None
) -> tuple[Any, ModelVersionInfo]:
    """Load one version as its native object plus its :class:`ModelVersionInfo`, verified before unpickling.

    The artifact's SHA-256 must match the digest recorded at registration (the version's
    ``ibml.model_digest`` tag, and the training run's when it has one) — never the ``MLmodel`` file
    beside the artifact. Only ``native.joblib`` is downloaded and read: MLflow's pyfunc loader is not
    used here, because it would also execute the model's ``python_model.py`` from the artifact store.

    Raises
    ------
    ModelError
        The artifact is missing, no digest was recorded, or the bytes do not match it (one line).
    """
    import tempfile
    from pathlib import Path

    from reference_impl.errors import ModelError
    from reference_impl.lifecycle.pyfunc import DIGEST_TAG, NATIVE_FILE, load_native

    reg = registry or ModelRegistry(tracking_uri)
    info = reg.get(name, version)
    expected = info.model_digest
    if not expected:
        raise ModelError(f"{name} v{info.version} has no {DIGEST_TAG} recorded at registration; refusing to load it")
    with mlflow_errors(f"loading {name} v{version}"):
        mv = reg.client.get_model_version(name, str(info.version))
        run_digest = reg.client.get_run(mv.run_id).data.tags.get(DIGEST_TAG) if mv.run_id else None
    if run_digest and run_digest != expected:
        raise ModelError(
            f"{name} v{info.version}: the version's {DIGEST_TAG} {expected[:12]} differs from its training run's "
            f"{run_digest[:12]}; refusing to load it"
        )
    with tempfile.TemporaryDirectory(prefix="ibml-model-") as tmp:
        with mlflow_errors(f"downloading {name} v{version}"):
            import mlflow

            local = mlflow.artifacts.download_artifacts(
                artifact_uri=f"models:/{name}/{info.version}", dst_path=tmp, tracking_uri=reg.store.uri
            )
        native = load_native(Path(local) / "artifacts" / NATIVE_FILE, expected)
    return native, info


def load_champion(name: str, tracking_uri: str | None = None) -> tuple[Any, ModelVersionInfo]:
    """The native ``@champion`` model of ``name`` and its version info (what the service loads).

    Raises
    ------
    RegistryError
        If the store is unusable or ``name`` has no champion.
    """
    reg = ModelRegistry(tracking_uri)
    champion = reg.by_alias(name, CHAMPION)
    if champion is None:
        raise RegistryError(
            f"{name} has no @{CHAMPION}; train, validate, approve and promote a version first", kind=ErrorKind.NOT_FOUND
        )
    return load_version(name, champion.version, registry=reg)


__all__ = [
    "CHALLENGER",
    "CHAMPION",
    "ModelRegistry",
    "ModelVersionInfo",
    "alias_at",
    "approval_statement",
    "current_user",
    "load_champion",
    "load_version",
    "rollback_target",
    "same_identity",
    "submission_statement",
]
