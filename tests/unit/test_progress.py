"""``ibml progress``: status rules, text/JSON output, exit codes and one-line errors.

Most tests build small notebooks with stored outputs (no kernel needed); the tests that execute a
notebook in a kernel are marked ``slow``.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from reference_impl.cli import main
from reference_impl.errors import NotebookError
from reference_impl.exercises.cells import METADATA_KEY, cell_digest
from reference_impl.progress import check_progress, exercises_in, notebook_progress, status_of

SETUP = "from types import SimpleNamespace\nreference = SimpleNamespace(double=lambda x: 2 * x)\n"
CHECK_DEF = (
    "from reference_impl.exercises import Case, CheckBook, Exercise, Requirement\n"
    "def _ref(x):\n    return 2 * x\n"
    "_ex = Exercise('9.1', 'double', (Requirement('double', 'return twice x', 'multiply by two'),),\n"
    "    cases=lambda: [Case('zero', (0,), expected=0, req='double'), Case('three', (3,), expected=6, req='double')],\n"
    "    reference=_ref, hints=('Think twice.', 'return 2 * x'))\n"
    "check = CheckBook({'9.1': _ex}, double='9.1')\n"
)
REFERENCE_BODY = "# Exercise 9.1 — Double a number\ndef double(x):\n    return reference.double(x)  # delete this line and write your own\n"
STUB_BODY = '# Exercise 9.1 — Double a number\ndef double(x):\n    raise NotImplementedError("Exercise 9.1: replace this line with your code")\n'
CORRECT_BODY = "# Exercise 9.1 — Double a number\ndef double(x):\n    return x + x\n"
WRONG_BODY = "# Exercise 9.1 — Double a number\ndef double(x):\n    return x * 3\n"
CHECK_CELL = "double = check.double(double)"


def _result(body: str, status: str = "passed", text: str = "Exercise 9.1 passed (2/2 cases)") -> dict:
    """The output a check cell stores in a notebook: the result line, with the checked cell's digest."""
    return new_output(
        "display_data",
        data={"text/plain": text},
        metadata={METADATA_KEY: {"id": "9.1", "status": status, "cell": cell_digest(body)}},
    )


PASS_OUT = _result(CORRECT_BODY)
NOT_STARTED_OUT = _result(STUB_BODY, "not_started", "Exercise 9.1 not started: ...")
PRINTED_PASS = new_output("stream", name="stdout", text="Exercise 9.1 passed (2/2 cases)\n")  # no digest
FAIL_OUT = new_output(
    "error", ename="ExerciseFailed",
    evalue="Exercise 9.1 failed on case 'three': expected 6, got 9\nHint: multiply by two", traceback=[],
)


def _notebook(body: str, check_outputs: list | None, executed: bool = True) -> nbformat.NotebookNode:
    nb = new_notebook()
    count = 1 if executed else None
    nb.cells = [
        new_markdown_cell("# Week 9"),
        new_code_cell(SETUP + CHECK_DEF, execution_count=count),
        new_code_cell(body, execution_count=count),
        new_code_cell(CHECK_CELL, execution_count=count, outputs=check_outputs or []),
    ]
    return nb


def _write(tmp_path: Path, name: str, nb: nbformat.NotebookNode) -> Path:
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(
    ("source", "outputs", "expected"),
    [
        (STUB_BODY, [NOT_STARTED_OUT], "not_started"),
        (REFERENCE_BODY, [PASS_OUT], "not_started"),  # the older convention: the cell still calls the reference
        (CORRECT_BODY, [PASS_OUT], "passed"),
        (WRONG_BODY, [FAIL_OUT], "failing"),
        (REFERENCE_BODY, [FAIL_OUT], "failing"),  # a broken setup fails even before the learner starts
        # edited after the check ran: the stored result is about other code
        (WRONG_BODY, [PASS_OUT], "changed"),
        (CORRECT_BODY, [NOT_STARTED_OUT], "changed"),
        (CORRECT_BODY, [PRINTED_PASS], "changed"),  # a pass line without a digest proves nothing
        (CORRECT_BODY, [], "not_run"),
        (CORRECT_BODY, None, "not_run"),
        # a result for a different exercise does not count
        (CORRECT_BODY, [new_output("stream", name="stdout", text="Exercise 9.2 passed (2/2 cases)\n")], "not_run"),
    ],
)
def test_status_rules(source, outputs, expected):
    status, message = status_of(exercise_source=source, check_outputs=outputs, exercise_id="9.1")
    assert status == expected
    assert bool(message) == (expected in ("failing", "not_run", "changed"))


def test_digest_ignores_trailing_whitespace_only():
    padded = CORRECT_BODY.replace("return x + x", "return x + x   ") + "\n\n"
    assert status_of(exercise_source=padded, check_outputs=[PASS_OUT], exercise_id="9.1")[0] == "passed"
    edited = CORRECT_BODY.replace("x + x", "x+x")
    assert status_of(exercise_source=edited, check_outputs=[PASS_OUT], exercise_id="9.1")[0] == "changed"


def test_failing_message_keeps_case_and_hint():
    _, message = status_of(exercise_source=WRONG_BODY, check_outputs=[FAIL_OUT], exercise_id="9.1")
    assert "case 'three'" in message and "Hint: multiply by two" in message
    assert message.startswith("ExerciseFailed: ")


def test_exercises_are_paired_with_their_check_cell():
    nb = _notebook(REFERENCE_BODY, [PASS_OUT])
    nb.cells.append(new_code_cell("# Exercise 9.2 — No check follows\ndef f():\n    pass"))
    nb.cells.append(new_code_cell("# Exercise 9.3 — Checked in place\ndef g():\n    pass\n\ncheck.double(g)"))
    nb.cells.append(new_code_cell("check.double(double)"))
    found = exercises_in(nb)
    assert found == [("9.1", "Double a number", 2, 3), ("9.2", "No check follows", 4, None),
                     ("9.3", "Checked in place", 5, 5)]


@pytest.mark.parametrize(
    ("body", "outputs", "status"),
    [
        (STUB_BODY, [NOT_STARTED_OUT], "not_started"),
        (CORRECT_BODY, [PASS_OUT], "passed"),
        (WRONG_BODY, [FAIL_OUT], "failing"),
        (WRONG_BODY, [PASS_OUT], "changed"),
    ],
)
def test_notebook_progress_from_stored_outputs(tmp_path, body, outputs, status):
    path = _write(tmp_path, "week09_demo.ipynb", _notebook(body, outputs))
    progress = notebook_progress(path)
    assert not progress.executed
    assert [(e.id, e.status) for e in progress.exercises] == [("9.1", status)]


def test_reference_call_in_a_comment_does_not_count_as_not_started(tmp_path):
    body = CORRECT_BODY + "    # was: return reference.double(x)\n"
    path = _write(tmp_path, "week09_demo.ipynb", _notebook(body, [_result(body)]))
    assert notebook_progress(path).exercises[0].status == "passed"


def test_cli_text_output_and_exit_codes(tmp_path, capsys):
    _write(tmp_path, "week09_a.ipynb", _notebook(CORRECT_BODY, [PASS_OUT]))
    _write(tmp_path, "week10_b.ipynb", _notebook(STUB_BODY, [NOT_STARTED_OUT]))
    assert main(["progress", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "week09_a.ipynb (stored outputs)" in out
    assert "9.1   passed" in out and "9.1   not started" in out
    assert out.strip().endswith("summary: 1 passed, 1 not started, 0 failing (2 exercises in 2 notebooks)")

    _write(tmp_path, "week10_b.ipynb", _notebook(WRONG_BODY, [NOT_STARTED_OUT]))  # edited, not re-run
    assert main(["progress", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "9.1   CHANGED since last run" in out and "edited after its check ran" in out
    assert "1 changed since last run" in out

    _write(tmp_path, "week11_c.ipynb", _notebook(WRONG_BODY, [FAIL_OUT]))
    assert main(["progress", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "FAILING" in out and "Hint: multiply by two" in out


def test_cli_json_output(tmp_path, capsys):
    path = _write(tmp_path, "week09_a.ipynb", _notebook(WRONG_BODY, [FAIL_OUT]))
    assert main(["progress", "--json", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["counts"] == {"passed": 0, "not_started": 0, "failing": 1, "changed": 0, "not_run": 0}
    ex = report["notebooks"][0]["exercises"][0]
    assert ex["id"] == "9.1" and ex["status"] == "failing" and "expected 6, got 9" in ex["message"]


def _one_line_error(capsys, argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code != 0
    assert err.startswith("ibml: error: ") and err.count("\n") == 1, err
    return err


def test_missing_notebook_is_one_line_error(tmp_path, capsys):
    err = _one_line_error(capsys, ["progress", str(tmp_path / "week01_nope.ipynb")])
    assert "week01_nope.ipynb does not exist" in err


@pytest.mark.parametrize("content", ["{not json", '{"cells": 3}', "", '{"nbformat": 4, "nbformat_minor": 5}'])
def test_corrupt_notebook_is_one_line_error(tmp_path, capsys, content):
    (tmp_path / "week01_bad.ipynb").write_text(content)
    err = _one_line_error(capsys, ["progress", str(tmp_path / "week01_bad.ipynb")])
    assert "week01_bad.ipynb" in err


def test_directory_without_notebooks_is_one_line_error(tmp_path, capsys):
    err = _one_line_error(capsys, ["progress", str(tmp_path)])
    assert "no week*.ipynb" in err


def test_a_bad_file_fails_before_anything_is_executed(tmp_path):
    _write(tmp_path, "week09_a.ipynb", _notebook(CORRECT_BODY, None, executed=False))
    (tmp_path / "week10_bad.ipynb").write_text("{")
    with pytest.raises(NotebookError, match="week10_bad.ipynb"):
        check_progress([tmp_path])


@pytest.mark.parametrize("value", ["0", "-3", "soon"])
def test_bad_timeout_is_a_usage_error(capsys, value):
    with pytest.raises(SystemExit) as exc:
        main(["progress", "--timeout", value])
    assert exc.value.code == 2
    assert "--timeout" in capsys.readouterr().err


@pytest.mark.slow
def test_never_executed_notebook_is_executed_without_modifying_it(tmp_path):
    nb = _notebook(STUB_BODY, None, executed=False)
    wrong = _notebook(WRONG_BODY, None, executed=False).cells[2:]
    wrong[0].source = wrong[0].source.replace("9.1", "9.2")
    correct = _notebook(CORRECT_BODY, None, executed=False).cells[2:]
    correct[0].source = correct[0].source.replace("9.1", "9.3")
    # a check that writes a tool cache into the working directory, as week 6's hypothesis runs do
    correct[1].source += "\nimport pathlib; pathlib.Path('.hypothesis').mkdir()"
    nb.cells += wrong + correct
    path = _write(tmp_path, "week09_demo.ipynb", nb)
    before = path.read_bytes()

    progress = notebook_progress(path, timeout=60)

    assert progress.executed
    statuses = {e.id: e.status for e in progress.exercises}
    # 9.2 and 9.3 reuse 9.1's checker: 9.2 fails on it; 9.3's result is recorded for 9.1, so it has none of its own
    assert statuses == {"9.1": "not_started", "9.2": "failing", "9.3": "not_run"}
    assert "expected 6, got 9" in progress.exercises[1].message  # errors do not stop later cells
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["week09_demo.ipynb"]  # no .hypothesis left behind


@pytest.mark.slow
def test_a_learner_session_records_the_cell_it_checked(tmp_path):
    """Executed for real: the check stores the digest of the cell it ran; editing the cell afterwards is seen."""
    path = _write(tmp_path, "week09_demo.ipynb", _notebook(CORRECT_BODY, None, executed=False))
    report = check_progress([path], execute=True, timeout=60)
    assert [e.status for e in report.notebooks[0].exercises] == ["passed"]

    from reference_impl.progress import _execute, read_notebook

    executed = _execute(read_notebook(path), path, 60)  # what the learner saves after running it
    executed.cells[2].source = WRONG_BODY  # ... then edits the exercise without running it again
    nbformat.write(executed, path)
    assert [e.status for e in check_progress([path]).notebooks[0].exercises] == ["changed"]
    assert [e.status for e in check_progress([path], execute=True, timeout=60).notebooks[0].exercises] == ["failing"]


@pytest.mark.slow
def test_execute_flag_reruns_and_ignores_stale_outputs(tmp_path):
    # a stored pass whose digest matches, but the code is wrong (a forged output): --execute must catch it
    path = _write(tmp_path, "week09_demo.ipynb", _notebook(WRONG_BODY, [_result(WRONG_BODY)]))
    assert check_progress([path]).ok
    report = check_progress([path], execute=True, timeout=60)
    assert not report.ok
    assert report.notebooks[0].exercises[0].status == "failing"


@pytest.mark.slow
def test_cell_timeout_is_one_line_error(tmp_path, capsys):
    nb = _notebook(CORRECT_BODY, None, executed=False)
    nb.cells.insert(1, new_code_cell("import time\ntime.sleep(30)"))
    path = _write(tmp_path, "week09_slow.ipynb", nb)
    err = _one_line_error(capsys, ["progress", "--timeout", "2", str(path)])
    assert "timeout" in err and "week09_slow.ipynb" in err
