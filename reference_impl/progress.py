"""Read course notebooks and report each exercise as not started, passed or failing.

A mentor reviewing a learner's fork runs ``ibml progress`` and sees, in seconds, which exercises are done.
The rules follow the notebook conventions (``notebooks/README.md``):

* an exercise is a code cell whose first line is ``# Exercise W.N — <title>``; its check is the next code
  cell that calls ``check.<name>(...)`` (or the exercise cell itself, if the call is there);
* the exercise is **not started** while its check reported so (the cell still only raises
  ``NotImplementedError``) or its cell still calls ``reference.<name>(...)``;
* it **passed** when the check cell reported ``Exercise W.N passed`` *for the cell as it is saved now*, and is
  **failing** when the check cell raised (the message is the exception's, e.g. the failing case and hint from
  :class:`~reference_impl.exercises.ExerciseFailed`);
* it is **changed since last run** when the exercise cell was edited after its check ran: a check records a
  digest of the exercise cell it ran against in its output's metadata
  (:mod:`reference_impl.exercises.cells`), and a stored result is trusted only when that digest matches the
  saved cell. A result with no digest (or a pass line printed by something else) is not trusted either.

A notebook that was never executed is executed (read-only, in a fresh kernel); ``execute=True`` forces a
re-run, which also settles every "changed". The notebook file is never modified, and executing it leaves no
tool caches (``.hypothesis/``, ``.pytest_cache/``) behind in the learner's folder.

Examples
--------
>>> from reference_impl.exercises.cells import cell_digest
>>> source = "# Exercise 1.1 — double\\ndef double(x):\\n    return 2 * x"
>>> result = {"output_type": "display_data", "data": {"text/plain": "Exercise 1.1 passed (5/5 cases)"},
...           "metadata": {"ibml_exercise": {"id": "1.1", "status": "passed", "cell": cell_digest(source)}}}
>>> status_of(exercise_source=source, check_outputs=[result], exercise_id="1.1")
('passed', '')
>>> status_of(exercise_source=source + " + 0", check_outputs=[result], exercise_id="1.1")[0]
'changed'
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import nbformat

from reference_impl.errors import NotebookError
from reference_impl.exercises.cells import EXERCISE_HEADER, METADATA_KEY, cell_digest
from reference_impl.labs.records import LabProgress, progress_text

Status = Literal["not_started", "passed", "failing", "changed", "not_run"]
STATUSES: tuple[Status, ...] = ("passed", "not_started", "failing", "changed", "not_run")
DEFAULT_TIMEOUT = 120  # seconds per cell when a notebook has to be executed

_EXERCISE_HEADER = EXERCISE_HEADER
_USES_REFERENCE = re.compile(r"^[^#\n]*\breference\.\w+\s*\(", re.MULTILINE)
_TOOL_CACHES = (".hypothesis", ".pytest_cache")  # written into the working directory by checks that run tests
_CALLS_CHECK = re.compile(r"\bcheck\w*\.\w+\s*\(")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class ExerciseProgress:
    """The state of one exercise in one notebook."""

    id: str
    title: str
    status: Status
    message: str = ""


@dataclass(frozen=True)
class NotebookProgress:
    """All exercises of one notebook, and whether we had to execute it to know."""

    path: str
    executed: bool
    exercises: list[ExerciseProgress] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(e.status == s for e in self.exercises) for s in STATUSES}

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "executed": self.executed,
            "counts": self.counts,
            "exercises": [asdict(e) for e in self.exercises],
        }


@dataclass(frozen=True)
class ProgressReport:
    """Progress over notebooks and labs; ``ok`` is False when any exercise is failing or did not run.

    ``labs`` holds the stored ``ibml lab check`` verdicts (:mod:`reference_impl.labs.records`); a lab with a
    failing milestone, or changed since its last check, makes the report not ok, like a notebook exercise.
    """

    notebooks: list[NotebookProgress]
    labs: list[LabProgress] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(nb.counts[s] for nb in self.notebooks) for s in STATUSES}

    @property
    def ok(self) -> bool:
        """No exercise failing, changed since its last run, or never run (not started is fine)."""
        counts = self.counts
        labs_ok = all(lab.state not in ("changed", "missing") and lab.failing == 0 for lab in self.labs)
        return counts["failing"] == 0 and counts["not_run"] == 0 and counts["changed"] == 0 and labs_ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "counts": self.counts,
            "notebooks": [nb.to_dict() for nb in self.notebooks],
            "labs": [lab.to_dict() for lab in self.labs],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        """A short table a mentor can read at a glance; failing messages are indented under their row."""
        labels = {
            "passed": "passed",
            "not_started": "not started",
            "failing": "FAILING",
            "changed": "CHANGED since last run",
            "not_run": "not run",
        }
        lines: list[str] = []
        for nb in self.notebooks:
            how = "executed now" if nb.executed else "stored outputs"
            lines.append(f"{Path(nb.path).name} ({how})")
            if not nb.exercises:
                appendix = Path(nb.path).name.startswith("appendix_")
                lines.append("  (an appendix: reading only, no exercises)" if appendix else "  (no exercises found)")
            for ex in nb.exercises:
                lines.append(f"  {ex.id:<5} {labels[ex.status]:<22} {ex.title}".rstrip())
                for msg_line in ex.message.splitlines()[:4]:
                    lines.append(f"{'':30}{msg_line}")
        if self.labs:
            lines.extend(progress_text(self.labs))
        c = self.counts
        n_ex = sum(c.values())
        lines.append(
            f"summary: {c['passed']} passed, {c['not_started']} not started, {c['failing']} failing"
            + (f", {c['changed']} changed since last run" if c["changed"] else "")
            + (f", {c['not_run']} not run" if c["not_run"] else "")
            + f" ({n_ex} exercises in {len(self.notebooks)} notebook{'s' if len(self.notebooks) != 1 else ''})"
        )
        return "\n".join(lines)


def read_notebook(path: Path | str) -> nbformat.NotebookNode:
    """Read and validate a notebook, raising :class:`NotebookError` with one line naming the file."""
    path = Path(path)
    if not path.exists():
        raise NotebookError(f"notebook {path} does not exist")
    if not path.is_file():
        raise NotebookError(f"{path} is not a file")
    try:
        nb = nbformat.read(path, as_version=4)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise NotebookError(f"notebook {path} is not valid JSON ({_one_line(exc)})") from None
    except Exception as exc:  # noqa: BLE001 - nbformat raises several unrelated types for bad files
        raise NotebookError(f"notebook {path} cannot be read: {_one_line(exc)}") from None
    if not isinstance(nb.get("cells"), list):
        raise NotebookError(f"notebook {path} has no cell list")
    return nb


def find_notebooks(paths: Iterable[Path | str]) -> list[Path]:
    """Expand directories to their ``week*.ipynb`` files, then any ``appendix_*.ipynb`` (sorted); files are kept
    as given. Appendices have no exercises, so they show as notebooks with nothing to do."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob("week*.ipynb"))
            if not found:
                raise NotebookError(f"no week*.ipynb notebooks in directory {p}")
            found += sorted(p.glob("appendix_*.ipynb"))
            out.extend(found)
        elif not p.exists():
            raise NotebookError(f"notebook {p} does not exist")
        else:
            out.append(p)
    return out


def status_of(*, exercise_source: str, check_outputs: Sequence[dict] | None, exercise_id: str) -> tuple[Status, str]:
    """Decide one exercise's status from its saved source and its check cell's outputs: (status, message)."""
    if check_outputs is None:
        return "not_run", "no check cell found after the exercise cell"
    for out in check_outputs:
        if out.get("output_type") == "error":
            return "failing", _error_message(out)
    if _USES_REFERENCE.search(exercise_source):
        return "not_started", ""  # the pre-stub convention: the cell still delegates to the reference
    result = _recorded_result(check_outputs, exercise_id)
    if result is None:
        if any(_says(out, exercise_id) for out in check_outputs):
            return "changed", "the stored result carries no cell digest: run the notebook again (or use --execute)"
        return "not_run", "the check cell has no result: run the notebook (or use --execute)"
    status, digest = result
    if digest != cell_digest(exercise_source):
        return "changed", "the exercise cell was edited after its check ran: run both cells again (or use --execute)"
    if status == "not_started":
        return "not_started", ""
    if status == "passed":
        return "passed", ""
    return "not_run", f"unknown recorded status {status!r}: run the notebook again"


def _recorded_result(outputs: Sequence[dict], exercise_id: str) -> tuple[str, str | None] | None:
    """``(status, cell digest)`` from the metadata a check attaches to its result line, if any."""
    for out in outputs:
        meta = (out.get("metadata") or {}).get(METADATA_KEY)
        if isinstance(meta, dict) and meta.get("id") == exercise_id:
            return str(meta.get("status")), meta.get("cell")
    return None


def _says(out: dict, exercise_id: str) -> bool:
    """A printed result line for this exercise without the metadata (printed by hand, or by an old ibml)."""
    text = _text(out) if out.get("output_type") == "stream" else _plain(out)
    return f"Exercise {exercise_id} passed" in text or f"Exercise {exercise_id} not started" in text


def exercises_in(nb: nbformat.NotebookNode) -> list[tuple[str, str, int, int | None]]:
    """``(id, title, exercise_cell_index, check_cell_index_or_None)`` for each exercise, in notebook order."""
    cells = nb.cells
    found = []
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        first = cell.source.lstrip().split("\n", 1)[0] if cell.source.strip() else ""
        m = _EXERCISE_HEADER.match(first)
        if not m:
            continue
        # the check normally sits in the next code cell; a check call inside the exercise cell itself also counts
        check_idx = i if _CALLS_CHECK.search(cell.source) else None
        for j in range(i + 1, len(cells) if check_idx is None else i + 1):
            c = cells[j]
            if c.get("cell_type") != "code":
                continue
            if _EXERCISE_HEADER.match(c.source.lstrip().split("\n", 1)[0] if c.source.strip() else ""):
                break
            if _CALLS_CHECK.search(c.source):
                check_idx = j
                break
        found.append((m.group("id"), (m.group("title") or "").strip(), i, check_idx))
    return found


def _never_executed(nb: nbformat.NotebookNode, exercises: list[tuple[str, str, int, int | None]]) -> bool:
    checks = [nb.cells[c] for _, _, _, c in exercises if c is not None]
    return any(cell.get("execution_count") is None and not cell.get("outputs") for cell in checks)


def notebook_progress(path: Path | str, *, execute: bool = False, timeout: int = DEFAULT_TIMEOUT) -> NotebookProgress:
    """Progress of one notebook; executes a copy in memory when needed (never writes the file)."""
    path = Path(path)
    nb = read_notebook(path)
    exercises = exercises_in(nb)
    ran = False
    if exercises and (execute or _never_executed(nb, exercises)):
        nb = _execute(nb, path, timeout)
        ran = True
    results = []
    for ex_id, title, ex_idx, check_idx in exercises:
        outputs = None if check_idx is None else list(nb.cells[check_idx].get("outputs", []))
        status, message = status_of(exercise_source=nb.cells[ex_idx].source, check_outputs=outputs, exercise_id=ex_id)
        results.append(ExerciseProgress(ex_id, title, status, message))
    return NotebookProgress(str(path), ran, results)


def check_progress(
    paths: Sequence[Path | str] = ("notebooks",), *, execute: bool = False, timeout: int = DEFAULT_TIMEOUT
) -> ProgressReport:
    """Progress over files and directories; every notebook is read first, so a bad path fails fast."""
    if timeout <= 0:
        raise NotebookError(f"timeout must be a positive number of seconds, got {timeout}")
    files = find_notebooks(paths)
    for f in files:
        read_notebook(f)
    return ProgressReport([notebook_progress(f, execute=execute, timeout=timeout) for f in files])


def _execute(nb: nbformat.NotebookNode, path: Path, timeout: int) -> nbformat.NotebookNode:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    from reference_impl.notebook_tools import execute_notebook

    for cell in nb.cells:  # start from a clean slate so stale outputs cannot pass for fresh ones
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    try:
        with _no_new_tool_caches(path.parent.resolve()):
            return execute_notebook(nb, path.parent.resolve(), timeout, allow_errors=True)
    except CellTimeoutError:
        raise NotebookError(
            f"notebook {path}: a cell ran longer than the {timeout} s timeout (raise --timeout)"
        ) from None
    except DeadKernelError as exc:
        raise NotebookError(f"notebook {path}: the kernel died ({_one_line(exc)})") from None


@contextmanager
def _no_new_tool_caches(folder: Path) -> Iterator[None]:
    """Remove tool caches that executing the notebook created in ``folder`` (never ones that were there before)."""
    before = {name for name in _TOOL_CACHES if (folder / name).exists()}
    try:
        yield
    finally:
        for name in _TOOL_CACHES:
            if name not in before and (folder / name).is_dir():
                shutil.rmtree(folder / name, ignore_errors=True)


def _plain(out: dict) -> str:
    text = (out.get("data") or {}).get("text/plain", "")
    return "".join(text) if isinstance(text, list) else str(text)


def _text(out: dict) -> str:
    text = out.get("text", "")
    return "".join(text) if isinstance(text, list) else str(text)


def _error_message(out: dict) -> str:
    ename, evalue = out.get("ename", "Error"), _ANSI.sub("", str(out.get("evalue", ""))).strip()
    return f"{ename}: {evalue}" if evalue else ename


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


__all__ = [
    "DEFAULT_TIMEOUT",
    "ExerciseProgress",
    "NotebookProgress",
    "ProgressReport",
    "check_progress",
    "exercises_in",
    "find_notebooks",
    "notebook_progress",
    "read_notebook",
    "status_of",
]
