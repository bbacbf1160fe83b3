from __future__ import annotations

import json

import pytest

from reference_impl.cli import main
from reference_impl.kyc import ReviewQueue, default_model_dir, save_classifier

CLEAN = "forecast rain sunny wind the temperature cloudy storm of degrees humidity showers and rain"


@pytest.fixture
def saved(kyc_model, workspace):
    save_classifier(kyc_model, default_model_dir(workspace))
    return workspace


@pytest.fixture
def files(tmp_path):
    (tmp_path / "weather.txt").write_text(CLEAN)
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 forecast".encode("latin-1"))
    (tmp_path / "scan.pdf").write_bytes(b"%PDF")
    return [tmp_path / n for n in ("weather.txt", "empty.txt", "latin1.txt", "scan.pdf")]


def test_classify_prints_class_confidence_route(saved, files, capsys):
    assert main(["kyc", "classify", *map(str, files)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["file", "class", "confidence", "route"]
    rows = {line.split()[0].rsplit("/", 1)[-1]: line.split() for line in lines[1:]}
    assert rows["weather.txt"][1:4] == ["weather", rows["weather.txt"][2], "auto_accept"]
    assert rows["empty.txt"][3:5] == ["reject_unknown", "empty_text"]
    assert rows["latin1.txt"][3:5] == ["manual_review", "unreadable_file"]
    assert rows["scan.pdf"][3:5] == ["manual_review", "unreadable_file"]


def test_classify_json_and_enqueue(saved, files, capsys):
    assert main(["kyc", "classify", "--json", "--enqueue", *map(str, files)]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["route"] for r in records] == ["auto_accept", "reject_unknown", "manual_review", "manual_review"]
    assert "not valid UTF-8" in records[2]["error"]
    assert CLEAN not in json.dumps(records)  # no text in the output
    queue = ReviewQueue(saved.review_queue_db)
    assert sorted(i.reason for i in queue.list()) == ["unreadable_file", "unreadable_file"]


def test_queue_commands(saved, files, tmp_path, capsys):
    main(["kyc", "classify", "--enqueue", *map(str, files)])
    assert main(["kyc", "queue", "claim", "--reviewer", "alice"]) == 0
    assert main(["kyc", "queue", "decide", "1", "--reviewer", "alice", "--label", "weather"]) == 0
    assert main(["kyc", "queue", "list", "--status", "all"]) == 0
    assert main(["kyc", "queue", "history", "1"]) == 0
    assert main(["kyc", "queue", "export", str(tmp_path / "labels.csv")]) == 0
    out = capsys.readouterr().out
    assert "decided as weather by alice" in out and "wrote 1 reviewed labels" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["kyc", "classify", "FILE"], "no KYC model at"),
        (["kyc", "train", "--target-precision", "1.5"], "--target-precision must be in (0, 1]"),
        (["kyc", "train", "--n-docs", "5"], "--n-docs must be at least 100"),
        (["kyc", "train"], "run `ibml data generate` first"),
        (["kyc", "queue", "decide", "7", "--reviewer", "bob", "--label", "x"], "review item 7 does not exist"),
    ],
)
def test_errors_are_one_line(workspace, argv, message, capsys, tmp_path):
    argv = [str(tmp_path / "x.txt") if a == "FILE" else a for a in argv]
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_missing_file_is_one_line_error(saved, tmp_path, capsys):
    assert main(["kyc", "classify", str(tmp_path / "nope.txt")]) != 0
    assert "document file not found" in capsys.readouterr().err
