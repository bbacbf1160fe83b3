"""Every course notebook follows the conventions in notebooks/README.md.

Fast, static checks on each ``notebooks/weekNN_*.py`` and its ``.ipynb`` (no kernel): the two are in sync,
the source is valid Python, exercises are shaped so that ``ibml progress`` can read them, the shipped
notebook still delegates every exercise to the reference and its stored outputs show every check passing,
at most two ``NBVAL_IGNORE_OUTPUT`` cells each say why, and the notebook links to its neighbours.
Optional ``appendix_*`` notebooks follow the same conventions except that they have no exercises; each links
back to the week it extends, and that week links to it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from reference_impl.exercises import NOT_STARTED
from reference_impl.notebook_tools import pair_mismatches
from reference_impl.progress import exercises_in, notebook_progress

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
WEEK_SOURCES = sorted(NOTEBOOKS.glob("week[0-9][0-9]_*.py"))
APPENDICES = sorted(NOTEBOOKS.glob("appendix_*.py"))
SOURCES = WEEK_SOURCES + APPENDICES
IDS = [p.stem for p in SOURCES]
WEEK_IDS = [p.stem for p in WEEK_SOURCES]


def _week(path: Path) -> int:
    return int(re.match(r"week(\d\d)_", path.name).group(1))


def _ipynb(path: Path) -> nbformat.NotebookNode:
    if not path.with_suffix(".ipynb").exists():
        pytest.skip("no .ipynb yet: test_py_and_ipynb_are_in_sync reports it")
    return nbformat.read(path.with_suffix(".ipynb"), as_version=4)


def test_weeks_one_and_two_exist():
    assert {"week01_python_refresh", "week02_ml_vocabulary"} <= set(IDS)


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_py_and_ipynb_are_in_sync(source):
    assert pair_mismatches(source) == []


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_source_is_valid_python(source):
    # a markdown line that lost its "# " prefix still converts, but the script is no longer Python
    ast.parse(source.read_text(encoding="utf-8"), filename=str(source))


@pytest.mark.parametrize("source", WEEK_SOURCES, ids=WEEK_IDS)
def test_at_least_three_exercises_each_with_a_check(source):
    nb = _ipynb(source)
    exercises = exercises_in(nb)
    assert len(exercises) >= 3, f"{source.name}: only {len(exercises)} exercises"
    week = _week(source)
    for ex_id, title, _, check_idx in exercises:
        assert ex_id.startswith(f"{week}."), f"{source.name}: exercise {ex_id} in week {week}"
        assert title, f"{source.name}: exercise {ex_id} has no title"
        assert check_idx is not None, f"{source.name}: exercise {ex_id} has no check cell after it"
    ids = [e[0] for e in exercises]
    assert len(ids) == len(set(ids)), f"{source.name}: duplicate exercise ids {ids}"


@pytest.mark.parametrize("source", WEEK_SOURCES, ids=WEEK_IDS)
def test_shipped_notebook_has_every_exercise_not_started(source):
    nb = _ipynb(source)
    progress = notebook_progress(source.with_suffix(".ipynb"))
    assert not progress.executed, "the shipped notebook must be committed with outputs"
    assert {e.status for e in progress.exercises} == {"not_started"}, progress.exercises
    for ex_id, _, ex_idx, check_idx in exercises_in(nb):
        assert "raise NotImplementedError" in nb.cells[ex_idx].source, f"{source.name} {ex_id} is not a stub"
        lines = [
            "".join(o.get("data", {}).get("text/plain", ""))
            for o in nb.cells[check_idx].outputs
            if o.output_type == "display_data"
        ]
        assert lines == [NOT_STARTED.format(id=ex_id)], f"{source.name} {ex_id}: {lines!r}"
        assert "= check." in nb.cells[check_idx].source, f"{source.name} {ex_id}: check cell is not an assignment"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_executed_without_errors_and_no_machine_paths(source):
    nb = _ipynb(source)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code if c.source.strip()), "notebook not fully executed"
    for cell in code:
        for out in cell.outputs:
            assert out.output_type != "error", f"{source.name}: stored error output in cell:\n{cell.source[:200]}"
            text = out.get("text", "") + out.get("data", {}).get("text/plain", "")
            assert "/work/" not in text and "/home/" not in text, f"{source.name}: machine path in output: {text[:200]}"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_at_most_two_ignored_cells_each_with_a_reason(source):
    nb = _ipynb(source)
    ignored = [c for c in nb.cells if c.cell_type == "code" and "NBVAL_IGNORE_OUTPUT" in c.source]
    assert len(ignored) <= 2, f"{source.name}: {len(ignored)} NBVAL_IGNORE_OUTPUT cells"
    for cell in ignored:
        line = next(ln for ln in cell.source.splitlines() if "NBVAL_IGNORE_OUTPUT" in ln)
        reason = line.split("NBVAL_IGNORE_OUTPUT", 1)[1].strip(" :—-")
        assert len(reason) >= 15, f"{source.name}: NBVAL_IGNORE_OUTPUT without a reason: {line!r}"


@pytest.mark.parametrize("source", WEEK_SOURCES, ids=WEEK_IDS)
def test_objectives_summary_and_links(source):
    nb = _ipynb(source)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    week = _week(source)
    assert markdown.lstrip().startswith(f"# Week {week}"), f"{source.name}: title must start with '# Week {week}'"
    assert "**Objectives.**" in markdown and "**Prerequisites.**" in markdown
    assert "## Summary" in markdown
    assert "**At a bank.**" in markdown
    if week > 1:
        assert re.search(rf"\(week{week - 1:02d}_\w+\.ipynb\)", markdown), "no link to the previous week"
    if week < 8:
        assert re.search(rf"\(week{week + 1:02d}_\w+\.ipynb\)", markdown), "no link to the next week"


def test_the_spark_appendix_exists():
    assert "appendix_spark_batch" in {p.stem for p in APPENDICES}


@pytest.mark.parametrize("source", APPENDICES, ids=[p.stem for p in APPENDICES])
def test_appendix_conventions_and_links_both_ways(source):
    nb = _ipynb(source)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert markdown.lstrip().startswith("# Appendix"), f"{source.name}: title must start with '# Appendix'"
    for part in ("**Objectives.**", "**Prerequisites.**", "## Summary", "**At a bank.**", "**Previous:**"):
        assert part in markdown, f"{source.name}: no {part}"
    assert exercises_in(nb) == [], f"{source.name}: an appendix is optional reading, so it has no graded exercises"
    weeks = re.findall(r"\((week\d\d_\w+)\.ipynb\)", markdown)
    assert weeks, f"{source.name}: no link back to the week it extends"
    week_source = (NOTEBOOKS / weeks[0]).with_suffix(".py").read_text(encoding="utf-8")
    assert f"({source.stem}.ipynb)" in week_source, f"{weeks[0]} does not link to {source.stem}"
