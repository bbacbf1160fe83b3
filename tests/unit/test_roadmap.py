"""roadmap.md lists each week's exercises with the notebook's numbers, in the order the notebook asks them.

A learner reads the roadmap to plan a week and then meets the exercises in the notebook; a number that
points at another exercise (as 4.2 and 4.3 once did) sends them to the wrong cell.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROADMAP = (REPO / "roadmap.md").read_text(encoding="utf-8")
WEEKS = sorted(int(m) for m in re.findall(r"^### Week (\d+)", ROADMAP, flags=re.M))


def roadmap_exercises(week: int, text: str = ROADMAP) -> list[str]:
    """Exercise ids of the week's ``*Exercises:*`` paragraph, in order of first mention."""
    section = re.split(r"^### Week \d+", text, flags=re.M)[week]
    paragraph = re.search(r"^\*Exercises:\*(.*?)(?:\n\n|\Z)", section, flags=re.S | re.M)
    assert paragraph, f"roadmap week {week} has no '*Exercises:*' paragraph"
    return list(dict.fromkeys(re.findall(rf"(?<![\d.]){week}\.\d+(?![\d.])", paragraph.group(1))))


def notebook_exercises(week: int) -> list[str]:
    """Exercise ids in the order the notebook's exercise cells appear (``# Exercise W.N — ...``)."""
    (source,) = (REPO / "notebooks").glob(f"week{week:02d}_*.py")
    ids = re.findall(r"^# Exercise (\d+\.\d+) —", source.read_text(encoding="utf-8"), flags=re.M)
    return list(dict.fromkeys(ids))


def test_the_roadmap_has_eight_weeks():
    assert WEEKS == list(range(1, 9))


@pytest.mark.parametrize("week", range(1, 9))
def test_roadmap_numbers_the_exercises_as_the_notebook_does(week):
    assert roadmap_exercises(week) == notebook_exercises(week)


def test_a_swapped_pair_is_caught():
    swapped = ROADMAP.replace("4.2 walk-forward", "4.X walk-forward").replace("4.3 a threshold", "4.2 a threshold")
    swapped = swapped.replace("4.X walk-forward", "4.3 walk-forward")
    assert roadmap_exercises(4, swapped) != notebook_exercises(4)
