"""Estimate each week's study hours from what its notebook asks a learner to read, run and write.

This is a *model*, stated openly so it can be argued with, not a stopwatch on a human: for each
``notebooks/weekNN_*.py`` source (and each optional ``appendix_*.py``, listed after the weeks) it counts the prose words, the code lines the learner reads and runs, and the
exercises with their requirements (from ``reference_impl.exercises``), and converts them with the rates below.
The roadmap quotes its output; change a rate here and the table moves with it.

Usage::

    python benchmarks/bench_course_hours.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from reference_impl.exercises import mutation  # noqa: E402

WORDS_PER_MINUTE = 110  # dense technical prose read carefully, with the code it refers to
CODE_LINES_PER_MINUTE = 6  # reading, running and looking at the output of a teaching cell
EXPLORE_FACTOR = 2.0  # a learner re-runs cells with other values and looks things up: reading time counts twice
EXERCISE_BASE_MINUTES = 15  # reading the task, first attempt, running the check
MINUTES_PER_REQUIREMENT = 6  # each stated requirement is usually one more fix after a failed case
PROJECT_HOURS = 1.5  # the week's portfolio-project work, outside the notebook (roadmap "How a week works")


def notebook_load(path: Path) -> tuple[int, int]:
    """(prose words, code lines) of a percent-format notebook source, outside the exercise cells."""
    words = code = 0
    for cell in path.read_text().split("\n# %%")[1:]:
        header, _, body = cell.partition("\n")
        if header.strip() == "[markdown]":
            words += len(re.findall(r"[A-Za-z0-9][\w'’-]*", re.sub(r"^# ?", "", body, flags=re.M)))
        elif not body.lstrip().startswith("# Exercise"):
            code += sum(1 for line in body.splitlines() if line.strip() and not line.strip().startswith("#"))
    return words, code


def main() -> int:
    exercises = mutation.exercises()
    print(f"{'week':<5} {'words':>6} {'code':>5} {'ex.':>4} {'reqs':>5} {'nb h':>7} {'exer. h':>8} {'total h':>8}")
    notebooks = REPO / "notebooks"
    for path in [*sorted(notebooks.glob("week0*.py")), *sorted(notebooks.glob("appendix_*.py"))]:
        appendix = path.name.startswith("appendix_")
        label = "app." if appendix else str(int(path.name[4:6]))
        words, code = notebook_load(path)
        mine = [] if appendix else [e for k, e in exercises.items() if k.split(".")[0] == label]
        reqs = sum(len(e.requirements) for e in mine)
        read_h = EXPLORE_FACTOR * (words / WORDS_PER_MINUTE + code / CODE_LINES_PER_MINUTE) / 60
        exercise_h = (len(mine) * EXERCISE_BASE_MINUTES + reqs * MINUTES_PER_REQUIREMENT) / 60
        total = read_h + exercise_h + (0.0 if appendix else PROJECT_HOURS)  # an appendix feeds no project week
        name = f" {path.stem}" if appendix else ""
        print(f"{label:<5} {words:>6} {code:>5} {len(mine):>4} {reqs:>5} {read_h:>7.1f} {exercise_h:>8.1f} {total:>8.1f}"
              f"{name}")
    print(
        f"rates: {WORDS_PER_MINUTE} words/min, {CODE_LINES_PER_MINUTE} code lines/min, x{EXPLORE_FACTOR} exploring, "
        f"{EXERCISE_BASE_MINUTES} min per exercise + {MINUTES_PER_REQUIREMENT} per requirement, "
        f"{PROJECT_HOURS} h project"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
