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
    when = dt.datetime.combine(day, dt.time(12), dt.timezone.utc).isoformat()
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
    reg.validate(name, info.version, toy_store.evaluator(), actor="alice", backtest="toy backtest",
                 thresholds=toy_store.thresholds())
    reg.approve(name, info.version, approver="bob", comment="<b>ok</b>")
    reg.promote(name, info.version, actor="bob")
    return reg, name, info.version


def test_card_holds_mitchell_and_inventory_fields(carded):
    reg, name, version = carded
    card = build_model_card(reg, name, version)
    md = render_markdown(card)
    for needle in ("| owner |", "| risk tier |", "| validation status | passed |", "| next review |",
                   "## Intended use", "## Training data", "toy_train", "## Metrics (overall)",
                   "## Validation", "backtest: toy backtest", "## Approvals and change history",
                   "| approved | bob |", "alias champion: - -> 1", "## Limitations and caveats",
                   "## Ethical considerations", card.model_digest):
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
