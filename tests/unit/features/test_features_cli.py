"""``ibml features``: error paths print one line and exit non-zero; reads print JSON."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from reference_impl.cli import main
from reference_impl.features import OnlineStore, trader_activity

T0 = pd.Timestamp("2026-03-02 09:00", tz="UTC")


@pytest.fixture
def materialised(workspace):
    rows = pd.DataFrame({"trader_id": ["T1"], "event_ts": [T0], "available_at": [T0]})
    for name in trader_activity.feature_names:
        rows[name] = 2.0
    OnlineStore.from_workspace(workspace).materialize(trader_activity, rows)
    return workspace


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_get_prints_json_for_known_and_unknown_keys(materialised, capsys):
    assert main(["features", "get", "trader_activity", "T1", "T9"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"]["T1"]["trade_count_1h"] == 2.0 and out["rows"]["T9"] is None
    assert out["now"] == T0.isoformat()


def test_get_enforces_ttl_relative_to_now(materialised, capsys):
    assert main(["features", "get", "trader_activity", "T1", "--now", "2026-03-20T00:00:00Z"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"]["T1"] is None


@pytest.mark.parametrize("argv, message", [
    (["features", "get", "nope", "T1"], "unknown feature view 'nope'"),
    (["features", "get", "trader_activity", "T1", "--features", "bogus"], "has no feature 'bogus'"),
    (["features", "get", "trader_activity", "T1", "--now", "2026-03-02"], "--now must carry a time zone"),
    (["features", "get", "trader_activity", "T1", "--now", "yesterday-ish"], "--now must be an ISO 8601"),
    (["features", "get", "counterparty_pair", "B1"], "has not been materialised"),
])
def test_get_errors_are_one_line(materialised, capsys, argv, message):
    assert main(argv) != 0
    assert message in _one_error_line(capsys)


def test_materialize_without_a_dataset_is_a_clear_error(workspace, capsys):
    assert main(["features", "materialize", "--quiet"]) != 0
    assert "has no manifest.json" in _one_error_line(capsys)
    assert not (workspace.features_dir / "online.db").exists()


def test_get_with_a_corrupt_store_names_the_file(workspace, capsys):
    path = OnlineStore.from_workspace(workspace).path
    path.parent.mkdir(parents=True)
    path.write_bytes(b"garbage" * 1000)
    assert main(["features", "get", "trader_activity", "T1", "--now", "wallclock"]) != 0
    assert "online.db is corrupt" in _one_error_line(capsys)


def test_views_lists_every_view(capsys):
    assert main(["features", "views"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("trade_features", "trader_activity", "trader_history", "counterparty_pair"))
