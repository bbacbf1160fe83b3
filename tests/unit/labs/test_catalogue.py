"""The catalogue reads every labs/*/lab.toml and refuses a malformed one with one line naming file and field."""

from __future__ import annotations

import re

import pytest

from reference_impl.errors import IbmlError
from reference_impl.labs import LabError, discover, get_lab
from reference_impl.labs.catalogue import LABS_DIR

from toy_lab_files import FILES, LAB_TOML, write_lab


def test_the_toy_lab_is_parsed(labs_dir):
    (lab,) = discover(labs_dir)
    assert (lab.id, lab.project, lab.package) == ("toy", "A", "toy_lab")
    assert [(m.id, m.tests) for m in lab.milestones] == [("m1", "tests/test_m1_double.py"),
                                                         ("m2", "tests/test_m2_half.py")]
    assert [(m.name, m.milestone) for m in lab.mutants] == [("adds", "m1"), ("floor", "m2")]
    assert lab.export.dependencies == ("pytest",) and lab.export.uses_ibml is False and lab.export.service is None
    assert get_lab("toy", labs_dir) == lab


def test_an_unknown_lab_names_the_known_ones(labs_dir):
    with pytest.raises(LabError, match=r"unknown lab 'nope' \(known: toy\)"):
        get_lab("nope", labs_dir)


def test_a_directory_without_lab_toml_is_not_a_lab(labs_dir):
    (labs_dir / "capstone").mkdir()
    (labs_dir / "capstone" / "README.md").write_text("# Capstone\n")
    assert [lab.id for lab in discover(labs_dir)] == ["toy"]


BROKEN = [
    # (what to replace in lab.toml, by what, the field the error must name)
    ('[lab]\nid = "toy"', '[labb]\nid = "toy"', r"\[lab\]: table is missing"),
    ('id = "toy"', 'id = "other"', r"lab\.id: 'other' must equal the directory name 'toy'"),
    ('project = "A"', 'project = "E"', r"lab\.project: must be one of A, B, C, D"),
    ('package = "toy_lab"', 'package = "toy-lab"', r"lab\.package: 'toy-lab' does not match"),
    ('package = "toy_lab"', 'package = "other_lab"', r"lab\.package: starter/other_lab/__init__\.py does not exist"),
    ('title = "A toy lab"\n', "", r"lab\.title: is missing"),
    ('id = "m2"', 'id = "m3"', r"\[\[milestones\]\]\[2\]\.id: milestones are numbered in order: expected 'm2'"),
    ('tests = "tests/test_m2_half.py"', 'tests = "tests/test_m2_missing.py"',
     r"\[\[milestones\]\]\[2\]\.tests: tests/test_m2_missing\.py does not exist"),
    ('tests = "tests/test_m2_half.py"', 'tests = "../../lab.toml"', r"\[\[milestones\]\]\[2\]\.tests"),
    ('uses_ibml = false', 'uses_ibml = "no"', r"export\.uses_ibml: must be true or false"),
    ('dependencies = ["pytest"]', "dependencies = []", r"export\.dependencies: must be a non-empty list"),
    ('uses_ibml = false', 'uses_ibml = false\nservice = "toy_lab"', r"export\.service: must look like"),
    ('uses_ibml = false', 'uses_ibml = false\nimage = "x"', r"export\.image: is not a known field"),
    ('[export]', '[export', r"not valid TOML"),
]


@pytest.mark.parametrize(("old", "new", "error"), BROKEN, ids=[b[2][:40] for b in BROKEN])
def test_a_malformed_lab_toml_is_one_line_naming_the_file_and_field(tmp_path, old, new, error):
    assert old in LAB_TOML
    write_lab(tmp_path, {**FILES, "lab.toml": LAB_TOML.replace(old, new, 1)})
    with pytest.raises(LabError, match=error) as info:
        discover(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'toy' / 'lab.toml'}") and "\n" not in message
    assert isinstance(info.value, IbmlError)  # the CLI turns it into one line and exit 2


@pytest.mark.parametrize(
    ("mutants_toml", "error"),
    [
        ('[[mutant]]\nname = "adds"\nmilestone = "m9"\nbug = "x"\n', r"\[\[mutant\]\]\[1\]\.milestone: 'm9' is not a milestone"),
        ('[[mutant]]\nname = "gone"\nmilestone = "m1"\nbug = "x"\n', r"mutants/gone/toy_lab/ does not exist"),
        ('[[mutant]]\nname = "adds"\nmilestone = "m1"\n', r"\[\[mutant\]\]\[1\]\.bug: is missing"),
        ('[[mutant]]\nname = "adds"\nmilestone = "m1"\nbug = "x"\n' * 2, r"'adds' is listed twice"),
    ],
)
def test_a_malformed_mutants_toml_names_its_file_and_field(tmp_path, mutants_toml, error):
    write_lab(tmp_path, {**FILES, "mutants/MUTANTS.toml": mutants_toml})
    with pytest.raises(LabError, match=error) as info:
        discover(tmp_path)
    assert str(info.value).startswith(str(tmp_path / "toy" / "mutants" / "MUTANTS.toml"))


def test_every_lab_in_the_repository_is_valid():
    labs = discover(LABS_DIR)
    assert labs, "no labs/*/lab.toml found in the checkout"
    for lab in labs:
        assert re.fullmatch(r"[a-z_]+_lab", lab.package), lab.id
