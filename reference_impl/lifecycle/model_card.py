"""Model cards, generated from the registry, the run and the audit log — never written by hand.

The fields follow Mitchell et al., *Model Cards for Model Reporting* (2019): model details,
intended use, factors, metrics (overall and per group), evaluation and training data, ethical
considerations, caveats. A bank's model-risk function adds inventory fields: owner, risk tier,
validation status and dates, approvals, next review date. Everything here is read from recorded
state, so the card of version 7 says exactly what was true of version 7.

:func:`build_model_card` gathers (I/O); :func:`render_markdown` and :func:`render_html` are pure.
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reference_impl.lifecycle.explainability import card_link_dir, download_global_explanation, read_global_explanation
from reference_impl.lifecycle.registry import CHAMPION, TAG, ModelRegistry
from reference_impl.lifecycle.tracking import mlflow_errors
from reference_impl.workspace import atomic_write

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class ModelProfile:
    """What a model is for and who answers for it: set once, stored as registered-model tags."""

    owner: str
    tier: str
    intended_use: str
    out_of_scope_use: str
    limitations: str
    ethical_considerations: str
    review_months: int = 12

    def to_tags(self) -> dict[str, str]:
        return {TAG + k: str(v) for k, v in asdict(self).items()}

    @classmethod
    def from_tags(cls, tags: Mapping[str, str], default: ModelProfile) -> ModelProfile:
        values: dict[str, Any] = {k: tags.get(TAG + k, str(v)) for k, v in asdict(default).items()}
        values["review_months"] = int(values["review_months"])
        return cls(**values)


#: Profiles of the two production models (owner and tier as a model inventory records them).
PROFILES: dict[str, ModelProfile] = {
    "trade-anomaly": ModelProfile(
        owner="Markets Operations Analytics",
        tier="Tier 2 - material operational model, no pricing or capital use",
        intended_use="Rank newly booked trades for operations review (fat fingers, off-market prices, "
        "late or duplicate bookings); every flag carries reason codes and is reviewed by a person.",
        out_of_scope_use="Automatic cancellation or amendment of trades; trader surveillance or conduct decisions; "
        "pricing, P&L or capital calculations.",
        limitations="Trained on synthetic trade-capture data; anomaly types not seen in training are found only "
        "if they are unusual on the model's features. Scores drift with market regime and desk mix.",
        ethical_considerations="Flags concern trades, not people; trader ids are inputs to rules only. Review "
        "outcomes feed back as labels, which can entrench reviewer bias.",
    ),
    "kyc-classifier": ModelProfile(
        owner="Client Onboarding Technology",
        tier="Tier 2 - material operational model supporting a regulated process",
        intended_use="Suggest the document type of an onboarding document and route low-confidence or "
        "unknown documents to manual review.",
        out_of_scope_use="Deciding whether a client passes KYC; verifying authenticity of documents.",
        limitations="Trained on synthetic English-first texts; second-language and noisy scans are weaker "
        "(see per-class metrics). Unknown document types are routed, not classified.",
        ethical_considerations="Document text is personal data: logs hold pseudonymised ids only. Accuracy can "
        "differ by language and jurisdiction; monitor per segment.",
    ),
}

DEFAULT_PROFILE = ModelProfile(
    owner="unassigned",
    tier="unassigned",
    intended_use="Teaching example; not for production use.",
    out_of_scope_use="Any production decision.",
    limitations="Small synthetic data.",
    ethical_considerations="None assessed.",
)


@dataclass(frozen=True)
class ModelCard:
    """Everything a card shows; built by :func:`build_model_card`."""

    name: str
    version: str
    status: str
    profile: ModelProfile
    run_id: str
    recipe: str
    created_at: str
    git_commit: str
    seed: str
    model_digest: str
    training_data_digest: str
    params: dict[str, str]
    packages: dict[str, str]
    feature_views: dict[str, str]
    datasets: list[dict[str, str]]
    overall_metrics: dict[str, float]
    segment_metrics: dict[str, dict[str, float]]
    validation: dict[str, Any]
    approvals: list[dict[str, str]]
    alias_history: list[dict[str, Any]]
    next_review: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: the global SHAP report logged by training (ranking, sample, figure links); empty when none was logged
    explainability: dict[str, Any] = field(default_factory=dict)


def split_metrics(metrics: Mapping[str, float]) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Split ``{"recall": .8, "recall.fat_finger": .9}`` into overall and per-segment tables.

    >>> split_metrics({"recall": 0.8, "recall.fat_finger": 0.9, "precision.fat_finger": 0.5})
    ({'recall': 0.8}, {'fat_finger': {'precision': 0.5, 'recall': 0.9}})
    """
    overall: dict[str, float] = {}
    segments: dict[str, dict[str, float]] = {}
    for key in sorted(metrics):
        if "." in key:
            metric, segment = key.split(".", 1)
            segments.setdefault(segment, {})[metric] = float(metrics[key])
        else:
            overall[key] = float(metrics[key])
    return overall, segments


def next_review_date(validated_at: str, months: int) -> str:
    """Validation date plus ``months`` (the periodic review a model inventory schedules).

    >>> next_review_date("2026-01-31T10:00:00+00:00", 12)
    '2027-01-31'
    >>> next_review_date("", 12)
    'not scheduled (not validated)'
    """
    if not validated_at:
        return "not scheduled (not validated)"
    when = dt.datetime.fromisoformat(validated_at).date()
    month = when.month - 1 + months
    year, month = when.year + month // 12, month % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day).isoformat()


def build_model_card(registry: ModelRegistry, name: str, version: str | int) -> ModelCard:
    """Gather a card for one registered version from MLflow and the audit log."""
    version = str(version)
    info = registry.get(name, version)
    with mlflow_errors(f"reading the run of {name} v{version}"):
        model_tags = dict(registry.client.get_registered_model(name).tags or {})
        run = registry.client.get_run(info.run_id) if info.run_id else None
    tags = dict(run.data.tags) if run else {}
    metrics = dict(run.data.metrics) if run else {}
    overall, segments = split_metrics(metrics)
    profile = ModelProfile.from_tags(model_tags, PROFILES.get(name, DEFAULT_PROFILE))
    datasets = []
    if run is not None:
        for di in run.inputs.dataset_inputs:
            context = next((t.value for t in di.tags if t.key == "mlflow.data.context"), "")
            datasets.append(
                {
                    "name": di.dataset.name,
                    "digest": di.dataset.digest,
                    "source": di.dataset.source,
                    "source_type": di.dataset.source_type,
                    "context": context,
                }
            )
    report = registry.validation_report(name, version)
    validation = {
        "status": info.validation_status,
        "validated_at": info.validated_at,
        "markdown": report.to_markdown() if report else "",
        "report": report.to_dict() if report else {},
    }
    approvals = []
    for rec in registry.audit_trail(name, version):
        if rec["event_type"] in ("model.registered", "model.validated", "model.approved", "model.action_refused"):
            detail = rec["payload"].get("status") or rec["payload"].get("reason") or rec["payload"].get("comment") or ""
            approvals.append(
                {
                    "event": rec["event_type"].removeprefix("model."),
                    "by": rec["actor"],
                    "at": rec["ts"][:19],
                    "detail": str(detail),
                }
            )
    status = ("champion" if CHAMPION in info.aliases else ", ".join(info.aliases)) or (
        "rolled back" if info.rolled_back else "registered"
    )
    moves = [m for m in registry.alias_history(name) if version in (m.get("from_version"), m.get("to_version"))]
    start = run.info.start_time if run else None
    explained = read_global_explanation(registry.client, info.run_id) if run is not None else None
    created = dt.datetime.fromtimestamp(start / 1000, dt.UTC).isoformat(timespec="seconds") if start else ""
    return ModelCard(
        name=name,
        version=version,
        status=status,
        profile=profile,
        run_id=info.run_id,
        recipe=tags.get(TAG + "recipe", ""),
        created_at=created,
        git_commit=tags.get(TAG + "git_commit", "unknown"),
        seed=tags.get(TAG + "seed", ""),
        model_digest=info.model_digest,
        training_data_digest=info.training_data_digest,
        params=dict(sorted(run.data.params.items())) if run else {},
        packages={
            k.removeprefix(TAG + "package."): v for k, v in sorted(tags.items()) if k.startswith(TAG + "package.")
        },
        feature_views={
            k.removeprefix(TAG + "feature_view."): v
            for k, v in sorted(tags.items())
            if k.startswith(TAG + "feature_view.")
        },
        datasets=datasets,
        overall_metrics=overall,
        segment_metrics=segments,
        validation=validation,
        approvals=approvals,
        alias_history=moves,
        next_review=next_review_date(info.validated_at, profile.review_months),
        extra={
            "approval_status": info.approval_status,
            "approved_by": info.approved_by,
            "approved_at": info.approved_at,
            "submitted_by": info.submitted_by,
        },
        explainability=_explainability_section(explained, name, version),
    )


def _explainability_section(payload: Mapping[str, Any] | None, name: str, version: str) -> dict[str, Any]:
    """The card's view of a logged report: the ranking rows and the figures as links relative to the card."""
    if not payload:
        return {}
    link_dir = card_link_dir(name, version)
    figures = [{"title": "SHAP summary (mean |SHAP| and beeswarm)", "link": f"{link_dir}/{payload['summary_png']}"}]
    figures += [
        {"title": f"SHAP dependence: {d['feature']}", "link": f"{link_dir}/{d['png']}"}
        for d in payload["dependence_png"]
    ]
    return {
        "method": payload["method"],
        "sample": dict(payload["sample"]),
        "importance": [dict(row) for row in payload["importance"]],
        "figures": figures,
        "link_dir": link_dir,
    }


def _environment(autoescape: bool) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["num"] = lambda v: f"{float(v):.4f}"
    env.filters["cell"] = lambda v: str(v).replace("|", "\\|").replace("\n", " ")
    return env


def render_markdown(card: ModelCard) -> str:
    """The card as Markdown (for the repository, a ticket or a review pack)."""
    return _environment(autoescape=False).get_template("model_card.md").render(card=card, segments=_segment_table(card))


def render_html(card: ModelCard) -> str:
    """The card as a self-contained HTML page (values escaped)."""
    return (
        _environment(autoescape=True)
        .get_template("model_card.html")
        .render(card=card, segments=_segment_table(card), validation_html=html.escape(card.validation["markdown"]))
    )


def _segment_table(card: ModelCard) -> dict[str, Any]:
    metrics = sorted({m for seg in card.segment_metrics.values() for m in seg})
    rows = [(seg, [card.segment_metrics[seg].get(m) for m in metrics]) for seg in sorted(card.segment_metrics)]
    return {"metrics": metrics, "rows": rows}


def write_model_card(
    registry: ModelRegistry, name: str, version: str | int, out_dir: Path | None = None, *, log_to_run: bool = True
) -> tuple[Path, Path]:
    """Write ``<name>-v<version>.md`` and ``.html`` (atomically) and attach both to the version's run.

    When training logged a global explainability report, its PNGs are copied into
    ``<name>-v<version>-explainability/`` next to the card (the card links them relatively) and attached
    with it, so the links resolve on disk and among the run's ``model_card/`` artifacts alike.
    """
    card = build_model_card(registry, name, version)
    out = Path(out_dir) if out_dir is not None else registry.workspace.reports_dir / "model_cards"
    paths = (out / f"{name}-v{card.version}.md", out / f"{name}-v{card.version}.html")
    figures_dir = None
    if card.explainability:
        figures_dir = out / card.explainability["link_dir"]
        download_global_explanation(registry.client, card.run_id, figures_dir)
    for path, text in zip(paths, (render_markdown(card), render_html(card))):
        with atomic_write(path, "w") as fh:
            fh.write(text)
    if log_to_run and card.run_id:
        with mlflow_errors(f"attaching the model card of {name} v{card.version}"):
            for path in paths:
                registry.client.log_artifact(card.run_id, str(path), "model_card")
            if figures_dir is not None:
                registry.client.log_artifacts(card.run_id, str(figures_dir), f"model_card/{figures_dir.name}")
    return paths


__all__ = [
    "DEFAULT_PROFILE",
    "PROFILES",
    "ModelCard",
    "ModelProfile",
    "build_model_card",
    "next_review_date",
    "render_html",
    "render_markdown",
    "split_metrics",
    "write_model_card",
]
