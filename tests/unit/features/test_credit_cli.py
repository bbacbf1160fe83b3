"""``ibml features materialize --credit`` (or ``--view credit_...``) builds the credit views from a generated dataset; ``get`` reads them."""

from __future__ import annotations

import json

import pytest

from reference_impl.cli import main
from reference_impl.data import generate_dataset


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("credit-data") / "data"
    generate_dataset(out, scale="small", seed=4, progress=False)
    return out


def test_materialize_credit_views_then_get_a_counterparty(workspace, dataset, capsys):
    # known as of a Wednesday cut-off: every stored row is then at most a day old (the views' TTL is 5 days)
    args = ["features", "materialize", "--data-dir", str(dataset), "--quiet", "--check", "--end", "2026-01-21T23:30Z"]
    assert main([*args, "--view", "credit_utilisation", "--view", "instrument_volatility"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["view"] for r in lines] == ["credit_utilisation", "instrument_volatility"]
    assert all(r["rows"] > 0 for r in lines)
    assert main(["features", "get", "credit_utilisation", "CP00001", "NOPE"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["rows"]["NOPE"] is None
    row = got["rows"]["CP00001"]
    assert row["event_ts"] == "2026-01-21T21:00:00+00:00"
    assert row["limit_utilisation"] == pytest.approx(row["exposure_usd"] / row["limit_usd"])


def test_views_lists_the_credit_views(capsys):
    assert main(["features", "views"]) == 0
    out = capsys.readouterr().out
    for name in ("credit_utilisation", "credit_exposure_growth", "credit_concentration", "instrument_volatility"):
        assert f"{name}: key" in out


def test_credit_flag_adds_every_credit_view(workspace, dataset, capsys):
    args = ["features", "materialize", "--data-dir", str(dataset), "--quiet", "--view", "trader_activity", "--credit"]
    assert main(args) == 0
    views = [json.loads(line)["view"] for line in capsys.readouterr().out.splitlines()]
    assert views == [
        "trader_activity",
        "credit_utilisation",
        "credit_exposure_growth",
        "credit_concentration",
        "instrument_volatility",
    ]
