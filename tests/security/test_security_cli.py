"""Finding 12: the CLI answers bad input with one line, never a traceback; ``registry list`` shows aliases."""

from __future__ import annotations

import pytest

from reference_impl.cli import main


def _one_line_error(capsys) -> str:
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err
    err = cap.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ibml: error: "), err
    return err[0]


def test_unsupported_tracking_uri_is_one_line(workspace, capsys):
    assert main(["registry", "--tracking-uri", "bogus://x", "list"]) != 0
    assert "bogus://x" in _one_line_error(capsys)


def test_monitor_report_on_a_binary_file_is_one_line(workspace, tmp_path, capsys):
    log = tmp_path / "predictions.jsonl"
    log.write_bytes(b"\xff\xfe\x00" + bytes(range(256)) * 8)
    assert main(["monitor", "report", "--log", str(log), "--out", str(tmp_path / "r")]) != 0
    assert "UTF-8" in _one_line_error(capsys)


def test_registry_list_shows_aliases(workspace, capsys):
    from reference_impl.lifecycle.registry import ModelRegistry

    client = ModelRegistry(workspace=workspace).client
    client.create_registered_model("toy")
    for _ in range(2):
        client.create_model_version("toy", "file:///nowhere", run_id=None)
    client.set_registered_model_alias("toy", "champion", "1")
    client.set_registered_model_alias("toy", "challenger", "2")
    capsys.readouterr()
    assert main(["registry", "list", "toy"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip().startswith("v")}
    assert "@champion" in lines["v1"] and "@challenger" in lines["v2"], out
