"""``check_lab`` runs the toy lab's specification in a subprocess and classifies what pytest reported."""

from __future__ import annotations

import pytest

from reference_impl.labs import LabError, check_lab, get_lab


@pytest.fixture
def toy(labs_dir):
    return get_lab("toy", labs_dir)


def _mine(tmp_path, ops: str):
    pkg = tmp_path / "mine" / "toy_lab"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("from toy_lab.ops import double, half\n")
    (pkg / "ops.py").write_text(ops)
    return pkg.parent


def test_the_untouched_starter_is_not_started_everywhere(toy):
    report = check_lab(toy)
    assert [m.status for m in report.milestones] == ["not_started", "not_started"]
    assert not report.ok and report.checked == str(toy.starter)
    assert not list(toy.starter.rglob("__pycache__")) and not (toy.starter / ".pytest_cache").exists()


def test_the_solution_is_done_and_progress_is_reported_per_milestone(toy):
    lines = []
    report = check_lab(toy, solution=True, progress=lines.append)
    assert report.ok and [m.label for m in report.milestones] == ["done (2/2)", "done (1/1)"]
    assert lines == ["  m1 done (2/2)", "  m2 done (1/1)"]


def test_a_mutant_fails_its_milestone_with_the_assertion_message(toy):
    report = check_lab(toy, mutant="adds")
    m1, m2 = report.milestones
    assert (m1.status, m1.passed, m1.total, m2.status) == ("failing", 1, 2, "done")
    assert m1.first_failure == "tests/test_m1_double.py::test_double_zero"
    assert m1.message == "AssertionError: double(0) should be 0, got 2"


def test_a_partly_finished_copy(toy, tmp_path):
    mine = _mine(tmp_path, "def double(x):\n    return 2 * x\n\n\ndef half(x):\n    raise NotImplementedError('TODO m2')\n")
    report = check_lab(toy, path=mine)
    assert [m.label for m in report.milestones] == ["done (2/2)", "not started"]
    assert report.checked == str(mine.resolve())


def test_code_that_does_not_import_is_failing_with_the_error(toy, tmp_path):
    mine = _mine(tmp_path, "def double(x):\n    return 2 *\n")
    report = check_lab(toy, path=mine)
    assert [m.status for m in report.milestones] == ["failing", "failing"]
    assert "SyntaxError" in report.milestones[0].message


def test_only_the_milestones_asked_for_are_run(toy):
    report = check_lab(toy, solution=True, milestones=["m2"])
    assert [m.id for m in report.milestones] == ["m2"]
    with pytest.raises(LabError, match="has no milestone 'm7'"):
        check_lab(toy, solution=True, milestones=["m7"])


def test_a_check_that_hangs_is_stopped(toy, tmp_path):
    mine = _mine(tmp_path, "import time\n\n\ndef double(x):\n    time.sleep(60)\n\n\ndef half(x):\n    return x / 2\n")
    with pytest.raises(LabError, match="ran longer than 2 s and was stopped"):
        check_lab(toy, path=mine, timeout=2)
