"""The requirement bullets a learner reads in the notebook are the requirements the check declares.

We *check* rather than generate: the notebook's ``.py`` is the reviewed source and its prose is written by
hand; generating a markdown cell from Python would hide the text from the notebook's reviewers and need a
rebuild step. This test fails on any drift, naming the exercise and the first differing bullet.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reference_impl.exercises import mutation

NOTEBOOKS = Path(__file__).resolve().parents[3] / "notebooks"
EXERCISES = mutation.exercises()


def requirement_bullets(ex_id: str) -> list[str]:
    """The ``- `` bullets of the markdown cell headed ``### Exercise <id>`` in a notebook's percent-format source."""
    header = re.compile(rf"^# ### Exercise {re.escape(ex_id)}\b")
    for path in sorted(NOTEBOOKS.glob("week*.py")):
        lines = path.read_text().splitlines()
        for start, line in enumerate(lines):
            if header.match(line):
                bullets: list[str] = []
                for text in lines[start + 1:]:
                    if not text.startswith("#") or text.startswith("# %%"):
                        break
                    if text.startswith("# - "):
                        bullets.append(text[4:].strip())
                    elif text.startswith("#   ") and bullets:
                        bullets[-1] += " " + text.strip("# ").strip()
                return bullets
    raise AssertionError(f"no '### Exercise {ex_id}' heading in notebooks/week*.py")


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("ex_id", sorted(EXERCISES))
def test_notebook_bullets_match_declared_requirements(ex_id):
    declared = [_norm(r.text) for r in EXERCISES[ex_id].requirements]
    shown = [_norm(b) for b in requirement_bullets(ex_id)]
    assert shown == declared
