"""The three-way proof that each lab's specification is right, for every lab in labs/ (new labs join by existing).

* the reference solution (thin adapters over reference_impl) passes every milestone;
* the untouched starter is "not started" everywhere: every failure is the starter's ``NotImplementedError``;
* every planted bug in MUTANTS.toml fails its own milestone with a readable assertion message — not a
  ``NotImplementedError``, not a fixture or import error — so the spec catches the bug *and says what is wrong*.

The checks run the specification exactly as ``ibml lab check`` does (a pytest subprocess per variant).
"""

from __future__ import annotations

import re

import pytest

from reference_impl.labs import Lab, check_lab, discover

LABS = discover()
MUTANTS = [(lab, m.name) for lab in LABS for m in lab.mutants]
README_SECTIONS = ("What you will build", "The interface you implement", "Run the specification", "Milestones",
                   "Export it to your own repository", "Extension ideas")


def _ids(lab: Lab) -> str:
    return lab.id


def test_there_are_labs():
    assert LABS, "no labs/*/lab.toml found"


@pytest.mark.parametrize("lab", LABS, ids=_ids)
def test_the_readme_has_the_required_sections(lab):
    readme = lab.root / "README.md"
    assert readme.is_file(), f"{readme} is missing"
    text = readme.read_text(encoding="utf-8")
    headings = [h.strip() for h in re.findall(r"(?m)^## (.+)$", text)]
    missing = [s for s in README_SECTIONS if not any(h.startswith(s) for h in headings)]
    if not any("interview" in h.lower() for h in headings):
        missing.append("Talking about it in an interview")
    assert not missing, f"{readme}: missing sections {missing} (has {headings})"
    build = text.split("## What you will build", 1)[1].split("\n## ", 1)[0]
    assert "```" in build, f"{readme}: 'What you will build' has no diagram (a fenced ASCII block)"
    for command in (f"ibml lab check {lab.id}", f"ibml lab export {lab.id}"):
        assert command in text, f"{readme} never shows `{command}`"


@pytest.mark.parametrize("lab", LABS, ids=_ids)
def test_at_least_five_mutants(lab):
    assert len(lab.mutants) >= 5, f"{lab.id}: {len(lab.mutants)} mutants in mutants/MUTANTS.toml, want >= 5"
    assert len({m.milestone for m in lab.mutants}) >= 3, f"{lab.id}: mutants should spread over the milestones"


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS, ids=_ids)
def test_the_solution_passes_every_milestone(lab):
    report = check_lab(lab, solution=True)
    assert report.ok, f"{lab.id}: the reference solution does not pass its own specification:\n{report.to_text()}"


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS, ids=_ids)
def test_the_untouched_starter_is_not_started(lab, tmp_path):
    report = check_lab(lab, path=lab.starter)
    wrong = [m for m in report.milestones if m.status != "not_started"]
    assert not wrong, (f"{lab.id}: the untouched starter must fail every test with NotImplementedError:\n"
                       + report.to_text())


@pytest.mark.slow
@pytest.mark.parametrize(("lab", "mutant"), MUTANTS, ids=[f"{lab.id}-{name}" for lab, name in MUTANTS])
def test_each_mutant_fails_its_milestone_readably(lab, mutant):
    milestone = lab.mutant(mutant).milestone
    result = check_lab(lab, mutant=mutant, milestones=[milestone]).milestone(milestone)
    assert result.status == "failing", f"{lab.id}: mutant {mutant} ({lab.mutant(mutant).bug}) passes {milestone}"
    assert result.failure_phase == "call", (
        f"{lab.id}: mutant {mutant} breaks {milestone} in {result.failure_phase}, not in a test: {result.message}")
    assert not result.message.startswith("NotImplementedError"), f"{lab.id}: mutant {mutant}: {result.message}"
    kind, _, text = result.message.partition(": ")
    assert kind in ("AssertionError", "Failed") and len(text) >= 10, (
        f"{lab.id}: mutant {mutant} should fail {milestone} with an assertion that says what was expected, "
        f"got {result.message!r} in {result.first_failure}")
