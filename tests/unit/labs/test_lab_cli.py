"""``ibml lab`` and the labs part of ``ibml progress``: one line and a non-zero exit for every user error."""

from __future__ import annotations

import json

import pytest

from reference_impl.cli import main
from reference_impl.labs import catalogue
from reference_impl.workspace import default_home


@pytest.fixture
def toy_labs(labs_dir, monkeypatch):
    monkeypatch.setattr(catalogue, "LABS_DIR", labs_dir)
    return labs_dir


def test_list(toy_labs, capsys):
    assert main(["lab", "list"]) == 0
    assert capsys.readouterr().out.startswith("toy                    project A  2 milestones, 2 mutants  A toy lab")
    assert main(["lab", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["milestones"][1]["tests"] == "tests/test_m2_half.py"


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["lab", "check", "nope"], "ibml: error: unknown lab 'nope' (known: toy)"),
        (["lab", "check", "toy", "--path", "/does/not/exist"], "ibml: error: /does/not/exist is not a directory"),
        (["lab", "check", "toy", "--mutant", "nope"], "ibml: error: lab toy has no mutant 'nope' (known: adds, floor)"),
        (["lab", "check", "toy", "--path", ".", "--solution"], "ibml: error: --path checks your code"),
    ],
)
def test_user_errors_are_one_line(toy_labs, capsys, argv, error):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(error) and err.count("\n") == 1 and "Traceback" not in err


def test_a_path_without_the_package(toy_labs, tmp_path, capsys):
    assert main(["lab", "check", "toy", "--path", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"ibml: error: {tmp_path} has no package toy_lab/ (expected {tmp_path}/toy_lab/__init__.py)\n"


def test_check_reports_records_and_progress_shows_it(toy_labs, capsys):
    assert main(["lab", "check", "toy"]) == 1  # the untouched starter
    captured = capsys.readouterr()
    assert "checking lab toy (2 milestones)" in captured.err and "  m1 not started" in captured.err
    assert "m1   not started" in captured.out and "summary: 0/2 milestones done" in captured.out
    assert (default_home() / "labs" / "toy.json").is_file()

    assert main(["lab", "check", "toy", "--solution", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_progress_lists_labs_and_their_state(toy_labs, capsys, tmp_path):
    nb = tmp_path / "week01_empty.ipynb"
    nb.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert main(["progress", str(nb)]) == 0
    out = capsys.readouterr().out
    assert "labs (stored results of `ibml lab check`)" in out and "toy                    not checked" in out
    assert out.strip().splitlines()[-1].startswith("summary:")
    assert main(["lab", "check", "toy"]) == 1
    (toy_labs / "toy" / "starter" / "toy_lab" / "ops.py").write_text("def double(x):\n    return 2 * x\n")
    capsys.readouterr()
    assert main(["progress", str(nb)]) == 1
    assert "CHANGED since last check" in capsys.readouterr().out
    assert main(["progress", "--no-labs", str(nb)]) == 0
    assert "labs (" not in capsys.readouterr().out
