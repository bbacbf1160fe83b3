"""pydantic record models and the ``ibml data`` command's error paths."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from reference_impl.cli import main
from reference_impl.data.schemas import Client, KycDocument, TradeEvent
from data_fixtures import clients, docs, trades  # noqa: F401  (pytest fixtures)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
GOOD = dict(trade_id="T000000001", event_type="new", exec_ts=T0, booking_ts=T0 + timedelta(seconds=20),
            desk="EQ_LDN", book="EQ_LDN-B1", trader_id="EQ_LDN-T01", counterparty_id="CP00001",
            instrument_id="EQ.LDN.001", asset_class="equity", currency="GBP", side="BUY", quantity=100.0,
            price=10.5, notional=1050.0, notional_usd=1333.5, venue="XLON", booking_system="FIDESSA")


def test_good_trade_and_generated_rows_validate(trades):
    assert TradeEvent(**GOOD).notional == 1050.0
    for row in trades.sample(50, random_state=0).to_dict("records"):
        record = {k: (None if v != v else v) for k, v in row.items()}  # NaN -> None
        record["exec_ts"], record["booking_ts"] = row["exec_ts"].to_pydatetime(), row["booking_ts"].to_pydatetime()
        TradeEvent(**record)


@pytest.mark.parametrize("change", [
    {"quantity": -1.0}, {"price": 0.0}, {"quantity": "100"}, {"currency": "XYZ"}, {"currency": "gbp"},
    {"side": "B"}, {"exec_ts": datetime(2026, 1, 5, 9, 0)}, {"booking_ts": T0 - timedelta(seconds=1)},
    {"event_type": "amend"}, {"orig_trade_id": "T1"}, {"notional": 999.0}, {"anomaly_type": "fat_finger"},
    {"unexpected": 1}, {"quantity": float("nan")},
])
def test_bad_trade_records_are_rejected(change):
    with pytest.raises(ValidationError):
        TradeEvent(**{**GOOD, **change})


def test_client_and_document_models(clients, docs):
    row = {k: v for k, v in clients.iloc[0].to_dict().items()}
    Client(**row)
    with pytest.raises(ValidationError):
        Client(**{**row, "entity_type": "corporate", "pep": True})
    KycDocument(**{k: v for k, v in docs.iloc[0].to_dict().items()})
    with pytest.raises(ValidationError):
        KycDocument(doc_id="D1", text="", label="passport")
    with pytest.raises(ValidationError):
        KycDocument(doc_id="D1", text="x", label="tax_return")


def _one_error_line(capsys, argv, code=2):
    assert main(argv) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ibml: error:"), err
    assert "Traceback" not in err[0]
    return err[0]


@pytest.mark.parametrize("argv, needle", [
    (["data", "generate", "--scale", "huge"], "scale"),
    (["data", "generate", "--seed", "-1"], "seed"),
    (["data", "generate", "--seed", "1.5"], "seed"),
])
def test_generate_rejects_bad_options(workspace, capsys, argv, needle):
    assert needle in _one_error_line(capsys, argv)
    assert not workspace.data_dir.exists()


def test_generate_refuses_a_file_as_output(workspace, tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    assert "not a directory" in _one_error_line(capsys, ["data", "generate", "--out", str(target)])
    assert target.read_text() == "keep me"


def test_generate_refuses_a_foreign_non_empty_directory(workspace, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert "not empty" in _one_error_line(capsys, ["data", "generate", "--out", str(tmp_path)])
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_validate_corrupt_and_missing_files(workspace, tmp_path, capsys):
    bad = tmp_path / "trades.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    assert "cannot read" in _one_error_line(capsys, ["data", "validate", str(bad)])
    assert "no such file" in _one_error_line(capsys, ["data", "validate", str(tmp_path / "nope.parquet")])


def test_validate_reports_drifted_file_and_passes_clean_one(workspace, tmp_path, capsys, trades):
    from reference_impl.data.faults import inject_faults
    from reference_impl.data.io import write_table

    clean = tmp_path / "clean.parquet"
    write_table(trades.iloc[:2000], clean)
    assert main(["data", "validate", str(clean)]) == 0
    assert "OK, no issues" in capsys.readouterr().out
    drifted = tmp_path / "drifted.parquet"
    write_table(inject_faults(trades.iloc[:2000], ["renamed_column", "retyped_column"], seed=0).frame, drifted)
    line = _one_error_line(capsys, ["data", "validate", str(drifted)], code=1)
    assert "renamed_column" in line and "wrong_type" in line
