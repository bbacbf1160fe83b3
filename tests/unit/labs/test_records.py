"""Stored checks: ``ibml progress`` shows them, and says "changed" once the checked files no longer match."""

from __future__ import annotations

import json

import pytest

from reference_impl.labs import check_lab, get_lab
from reference_impl.labs.records import (
    all_lab_progress,
    lab_progress,
    package_digest,
    progress_text,
    read_record,
    record_check,
)
from reference_impl.labs import LabError
from reference_impl.progress import ProgressReport


def test_the_digest_follows_content_and_names_but_not_bytecode(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "a.py").write_text("x = 1\n")
    d0 = package_digest(pkg)
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"junk")
    assert package_digest(pkg) == d0
    (pkg / "a.py").rename(pkg / "b.py")
    assert package_digest(pkg) != d0
    (pkg / "b.py").rename(pkg / "a.py")
    assert package_digest(pkg) == d0
    (pkg / "a.py").write_text("x = 2\n")
    assert package_digest(pkg) != d0


def test_a_check_is_recorded_and_then_changed_when_the_code_changes(labs_dir, tmp_path):
    lab = get_lab("toy", labs_dir)
    home = tmp_path / "home"
    assert lab_progress(lab, home=home).state == "not_checked"
    report = check_lab(lab)
    path = record_check(lab, lab.starter, report, home=home)
    assert path == home / "labs" / "toy.json"
    stored = json.loads(path.read_text())
    assert [m["status"] for m in stored["milestones"]] == ["not_started", "not_started"]
    progress = lab_progress(lab, home=home)
    assert progress.state == "checked" and progress.done == 0
    (lab.starter / "toy_lab" / "ops.py").write_text("def double(x):\n    return 2 * x\n")
    changed = lab_progress(lab, home=home)
    assert changed.state == "changed" and "ibml lab check toy" in changed.message
    assert "CHANGED since last check" in "\n".join(progress_text([changed]))
    assert not ProgressReport([], labs=[changed]).ok
    assert ProgressReport([], labs=[progress]).ok  # not started is fine, as for notebook exercises


def test_failing_milestones_show_their_message_and_make_progress_not_ok(labs_dir, tmp_path):
    lab = get_lab("toy", labs_dir)
    mine = tmp_path / "mine"
    (mine / "toy_lab").mkdir(parents=True)
    (mine / "toy_lab" / "__init__.py").write_text("from toy_lab.ops import double, half\n")
    (mine / "toy_lab" / "ops.py").write_text("def double(x):\n    return x + 2\n\n\ndef half(x):\n    return x / 2\n")
    record_check(lab, mine, check_lab(lab, path=mine), home=tmp_path / "home")
    progress = lab_progress(lab, home=tmp_path / "home")
    assert (progress.state, progress.done, progress.failing) == ("checked", 1, 1)
    text = "\n".join(progress_text([progress]))
    assert "1/2 milestones done" in text and "AssertionError: double(0) should be 0, got 2" in text
    report = ProgressReport([], labs=[progress])
    assert not report.ok and report.to_dict()["labs"][0]["state"] == "checked"
    import shutil

    shutil.rmtree(mine)
    assert lab_progress(lab, home=tmp_path / "home").state == "missing"


def test_a_malformed_lab_shows_as_invalid_without_hiding_the_others(labs_dir, tmp_path):
    (labs_dir / "broken").mkdir()
    (labs_dir / "broken" / "lab.toml").write_text("[lab\n")
    states = {p.id: p.state for p in all_lab_progress(labs_dir, home=tmp_path / "home")}
    assert states == {"broken": "invalid", "toy": "not_checked"}


def test_an_unreadable_record_is_one_line(labs_dir, tmp_path):
    (tmp_path / "home" / "labs").mkdir(parents=True)
    (tmp_path / "home" / "labs" / "toy.json").write_text("{not json")
    with pytest.raises(LabError, match=r"toy\.json: cannot read the stored lab check"):
        read_record("toy", tmp_path / "home")
