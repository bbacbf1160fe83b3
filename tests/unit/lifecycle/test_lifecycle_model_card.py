"""Model cards: built from recorded state, rendered as Markdown and HTML."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_impl.lifecycle.model_card import (
    ModelProfile,
    build_model_card,
    next_review_date,
    render_html,
    render_markdown,
    split_metrics,
    write_model_card,
)


def test_split_metrics_groups_segments():
    overall, segments = split_metrics({"recall": 0.5, "recall.fat_finger": 1.0, "f1.passport": 0.9})
    assert overall == {"recall": 0.5}
    assert segments == {"fat_finger": {"recall": 1.0}, "passport": {"f1": 0.9}}


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)), st.integers(1, 36))
def test_next_review_is_months_later_on_a_valid_day(day, months):
    when = dt.datetime.combine(day, dt.time(12), dt.UTC).isoformat()
    review = dt.date.fromisoformat(next_review_date(when, months))
    assert (review.year - day.year) * 12 + review.month - day.month == months
    assert review.day <= day.day


def test_profile_round_trips_through_tags():
    p = ModelProfile("desk", "Tier 1", "use", "not this", "limits", "ethics", 6)
    assert ModelProfile.from_tags(p.to_tags(), default=ModelProfile("", "", "", "", "", "", 12)) == p


@pytest.fixture
def carded(toy_store):
    reg, name = toy_store.registry(), toy_store.new_name()
    info = toy_store.register(reg, name, 0, submitter="alice")
    reg.validate(
        name,
        info.version,
        toy_store.evaluator(),
        actor="alice",
        backtest="toy backtest",
        thresholds=toy_store.thresholds(),
    )
    reg.approve(name, info.version, approver="bob", comment="<b>ok</b>")
    reg.promote(name, info.version, actor="bob")
    return reg, name, info.version


def test_card_holds_mitchell_and_inventory_fields(carded):
    reg, name, version = carded
    card = build_model_card(reg, name, version)
    md = render_markdown(card)
    for needle in (
        "| owner |",
        "| risk tier |",
        "| validation status | passed |",
        "| next review |",
        "## Intended use",
        "## Training data",
        "toy_train",
        "## Metrics (overall)",
        "## Validation",
        "backtest: toy backtest",
        "## Approvals and change history",
        "| approved | bob |",
        "alias champion: - -> 1",
        "## Limitations and caveats",
        "## Ethical considerations",
        card.model_digest,
    ):
        assert needle in md, needle
    assert card.status == "champion"
    assert card.extra["submitted_by"] == "alice" and card.extra["approved_by"] == "bob"
    assert card.seed == "0" and card.recipe == "toy"


def test_html_card_escapes_recorded_text(carded):
    reg, name, version = carded
    html = render_html(build_model_card(reg, name, version))
    assert html.startswith("<!DOCTYPE html>")
    assert "<b>ok</b>" not in html and "&lt;b&gt;ok&lt;/b&gt;" in html


def test_write_model_card_writes_both_files_and_attaches_them(carded, tmp_path):
    reg, name, version = carded
    md, html = write_model_card(reg, name, version, tmp_path)
    assert md.read_text().startswith(f"# Model card: {name} v{version}")
    assert html.suffix == ".html" and html.exists()
    info = reg.get(name, version)
    with_files = {a.path for a in reg.client.list_artifacts(info.run_id, "model_card")}
    assert with_files == {f"model_card/{md.name}", f"model_card/{html.name}"}


# -- the global explainability report in the card ------------------------------------------------------------


@pytest.fixture(scope="module")
def small_explanation():
    """A real (small) detector's global SHAP explanation: 600 trades, 20 trees, 60 rows explained."""
    from reference_impl import data
    from reference_impl.anomaly import TradeAnomalyDetector
    from reference_impl.anomaly.global_explain import global_explanation
    from reference_impl.features import build_trade_features

    ref = data.make_reference_data(seed=2)
    prices = data.make_prices(ref, n_days=5, seed=2)
    trades = data.make_trades(ref, prices, n_trades=600, seed=2, anomaly_rate=0.03)
    feats = build_trade_features(trades, ref, prices)
    detector = TradeAnomalyDetector(n_estimators=20, random_state=0).fit(feats)
    return global_explanation(detector, feats, sample_size=60, seed=1)


@pytest.fixture
def explained(toy_store, small_explanation):
    """A version whose training run logged a global explanation (as the anomaly recipe does)."""
    from reference_impl.lifecycle.explainability import log_global_explanation
    from reference_impl.lifecycle.pyfunc import log_native_model
    from reference_impl.lifecycle.tracking import RunLineage, log_dataset, training_run

    lineage = RunLineage("toy", 0, {"n_estimators": 5}, {"toy_view": "1"}, {"train": "d" * 64})
    with training_run("toy-explained", lineage, workspace=toy_store.workspace) as run:
        log_dataset(toy_store.X, name="toy_train", source={"generator": "rng.normal", "seed": 0})
        logged = log_native_model(_toy_forest(toy_store), kind="estimator", input_example=toy_store.X.head(2))
        log_global_explanation(small_explanation)
    reg, name = toy_store.registry(), toy_store.new_name()
    info = reg.register(
        name,
        model_uri=logged.model_uri,
        run_id=run.info.run_id,
        submitter="alice",
        model_digest=logged.model_digest,
        training_data_digest="d" * 64,
    )
    return reg, name, info.version


def _toy_forest(toy_store):
    from sklearn.ensemble import IsolationForest

    return IsolationForest(n_estimators=5, random_state=0).fit(toy_store.X)


def test_card_ranks_features_by_mean_abs_shap(explained, small_explanation):
    reg, name, version = explained
    card = build_model_card(reg, name, version)
    rows = card.explainability["importance"]
    assert [r["feature"] for r in rows] == small_explanation.importance["feature"].tolist()
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert all(a["mean_abs_shap"] >= b["mean_abs_shap"] for a, b in zip(rows, rows[1:]))
    assert card.explainability["sample"] == {"rows_available": 600, "rows_explained": 60, "seed": 1}
    md = render_markdown(card)
    top = rows[0]
    assert "## Global explainability (SHAP)" in md
    assert f"| 1 | {top['feature']} | {top['code']} | {top['mean_abs_shap']:.4f} |" in md
    assert md.index("## Global explainability") < md.index("## Validation")


def test_written_card_links_pngs_that_exist_next_to_it_and_in_the_run(explained, small_explanation, tmp_path):
    import re

    from reference_impl.anomaly.global_explain import write_explainability_report

    reg, name, version = explained
    md, html = write_model_card(reg, name, version, tmp_path / "cards")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md.read_text())
    top = small_explanation.top_features(3)
    folder = f"{name}-v{version}-explainability"
    assert links == [f"{folder}/shap_summary.png", *(f"{folder}/shap_dependence_{f}.png" for f in top)]
    for link in links:  # relative to the card, so the folder can be moved or attached as a whole
        assert (md.parent / link).read_bytes()[:4] == b"\x89PNG"
    assert re.findall(r'<img src="([^"]+)"', html.read_text()) == links
    # the copies next to the card are the bytes training logged (a report is rebuilt byte for byte)
    local = write_explainability_report(small_explanation, tmp_path / "local")
    assert (md.parent / links[0]).read_bytes() == local.summary.read_bytes()
    run_id = reg.get(name, version).run_id
    attached = {a.path for a in reg.client.list_artifacts(run_id, f"model_card/{folder}")}
    assert {f"model_card/{link}" for link in links} <= attached
    logged = {a.path for a in reg.client.list_artifacts(run_id, "explainability")}
    assert "explainability/mean_abs_shap.json" in logged


def test_a_version_without_a_report_says_so(carded):
    reg, name, version = carded
    card = build_model_card(reg, name, version)
    assert card.explainability == {}
    assert "No global explanation was recorded for this version" in render_markdown(card)
    assert "No global explanation was recorded for this version" in render_html(card)
