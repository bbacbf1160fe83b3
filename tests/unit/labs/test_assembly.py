"""Assembly: the starter, then the solution, then one mutant, overlaid file by file; a learner's package swapped in."""

from __future__ import annotations

import pytest

from reference_impl.labs import LabError, assemble, get_lab


def _ops(project):
    return (project / "toy_lab" / "ops.py").read_text()


def test_the_starter_alone_is_the_skeleton(labs_dir, tmp_path):
    out = assemble(get_lab("toy", labs_dir), tmp_path / "p")
    assert "NotImplementedError" in _ops(out)
    assert (out / "tests" / "test_m1_double.py").is_file() and (out / "pyproject.toml").is_file()


def test_the_solution_overlays_only_the_files_it_has(labs_dir, tmp_path):
    out = assemble(get_lab("toy", labs_dir), tmp_path / "p", solution=True)
    assert "return 2 * x" in _ops(out)
    assert (out / "toy_lab" / "__init__.py").read_text().startswith("from toy_lab.ops")  # kept from the starter


def test_a_mutant_overlays_the_solution(labs_dir, tmp_path):
    out = assemble(get_lab("toy", labs_dir), tmp_path / "p", mutant="adds")
    assert "x + 2" in _ops(out)
    assert not (out / "MUTANTS.toml").exists()


def test_an_unknown_mutant_lists_the_known_ones(labs_dir, tmp_path):
    with pytest.raises(LabError, match=r"no mutant 'nope' \(known: adds, floor\)"):
        assemble(get_lab("toy", labs_dir), tmp_path / "p", mutant="nope")


def test_a_learners_package_replaces_the_starters_and_caches_stay_behind(labs_dir, tmp_path):
    mine = tmp_path / "mine"
    (mine / "toy_lab" / "__pycache__").mkdir(parents=True)
    (mine / "toy_lab" / "__init__.py").write_text("from toy_lab.ops import double, half\n")
    (mine / "toy_lab" / "ops.py").write_text("def double(x):\n    return x * 2\n")
    (mine / "toy_lab" / "__pycache__" / "ops.cpython-311.pyc").write_bytes(b"\0")
    (mine / "tests").mkdir()
    (mine / "tests" / "test_m1_double.py").write_text("def test_weakened():\n    pass\n")
    out = assemble(get_lab("toy", labs_dir), tmp_path / "p", code_from=mine)
    assert _ops(out) == "def double(x):\n    return x * 2\n"
    assert not (out / "toy_lab" / "__pycache__").exists()
    assert "test_double_two" in (out / "tests" / "test_m1_double.py").read_text(), "the spec is the lab's own"


@pytest.mark.parametrize("make", ["missing", "no_package"])
def test_a_path_without_the_package_is_one_line(labs_dir, tmp_path, make):
    path = tmp_path / "mine"
    if make == "no_package":
        (path / "toy_lab").mkdir(parents=True)  # no __init__.py
    with pytest.raises(LabError, match="is not a directory" if make == "missing" else r"has no package toy_lab/"):
        assemble(get_lab("toy", labs_dir), tmp_path / "p", code_from=path)
