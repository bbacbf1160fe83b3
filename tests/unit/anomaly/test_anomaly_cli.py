"""``ibml anomaly fit|score`` on a small dataset directory; errors are one line on stderr."""

from __future__ import annotations

import json

import pytest

from reference_impl.cli import main


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """A tiny dataset directory in the generator's layout (parquet tables + manifest.json)."""
    from reference_impl import data
    from reference_impl.data.io import MANIFEST, Manifest, write_table
    from reference_impl.governance.lineage import file_digest

    out = tmp_path_factory.mktemp("dataset")
    ref = data.make_reference_data(seed=5)
    prices = data.make_prices(ref, n_days=10, seed=5)
    trades = data.make_trades(ref, prices, n_trades=1500, seed=5, anomaly_rate=0.03)
    files = {}
    for name, frame in {**ref, "prices": prices, "trades": trades}.items():
        write_table(frame, out / f"{name}.parquet")
        files[name] = {"file": f"{name}.parquet", "rows": len(frame), "sha256": file_digest(out / f"{name}.parquet")}
    (out / MANIFEST).write_text(Manifest(scale="test", seed=5, params={}, files=files).to_json())
    return out


def test_fit_and_score(dataset, workspace, capsys):
    assert main(["anomaly", "fit", "--data-dir", str(dataset), "--n-estimators", "30", "--alerts-per-day", "20"]) == 0
    assert "saved iforest-" in capsys.readouterr().out
    assert main(["anomaly", "score", str(dataset / "trades.parquet"), "--limit", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and "FLAG" in lines[0] and lines[-1].startswith("1500 trades,")
    assert main(["anomaly", "score", str(dataset / "trades.parquet"), "--rules-only", "--json", "--limit", "1"]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert first["fallback_used"] is True and first["score"] is None


@pytest.mark.parametrize(
    "argv, match",
    [
        (["anomaly", "score", "/nonexistent/trades.parquet"], "no such file"),
        (["anomaly", "score", "{trades}", "--model", "/nonexistent/model"], "no saved detector"),
        (["anomaly", "score", "{trades}", "--limit", "-1"], "--limit"),
        (["anomaly", "fit", "--data-dir", "/nonexistent"], "manifest"),
    ],
)
def test_errors_are_one_line(dataset, workspace, capsys, argv, match):
    argv = [a.format(trades=dataset / "trades.parquet") for a in argv]
    assert main(argv) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ibml: error:") and match in err[0]
