"""Which notebook cell a check ran against, so ``ibml progress`` never trusts a stale output.

A check cell records a digest of the exercise cell's source *as it was executed* in the metadata of its
output. ``ibml progress`` digests the cell's source *as it is saved*; when the two differ, the learner edited
the exercise after running its check, and the stored "passed" proves nothing ("changed since last run").

The executed source comes from IPython's raw input history (the latest cell whose first line is the
exercise's ``# Exercise W.N`` header), so it is the code that actually defined the function being checked.
Outside IPython (tests, scripts) there is no cell and no digest.

Examples
--------
>>> cell_digest("def f():\\n    return 1\\n")
'8795b1c438f5'
>>> cell_digest("def f():   \\n    return 1") == cell_digest("def f():\\n    return 1\\n")
True
"""

from __future__ import annotations

import hashlib
import re

EXERCISE_HEADER = re.compile(r"^\s*#\s*Exercise\s+(?P<id>\d+\.\d+)\s*(?:[—–:-]+\s*(?P<title>.*))?$")
METADATA_KEY = "ibml_exercise"  # the output-metadata key a check writes and ibml progress reads


def cell_digest(source: str) -> str:
    """A short digest of a cell's source, blind to trailing whitespace (editors add and strip it)."""
    lines = [line.rstrip() for line in source.strip().splitlines()]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:12]


def header_id(source: str) -> str | None:
    """The exercise id of a cell whose first line is ``# Exercise W.N — title``, else ``None``."""
    first = source.lstrip().split("\n", 1)[0] if source.strip() else ""
    m = EXERCISE_HEADER.match(first)
    return m.group("id") if m else None


def executed_exercise_source(exercise_id: str) -> str | None:
    """The source of the latest executed cell headed ``# Exercise <exercise_id>``; ``None`` outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the notebooks
        return None
    shell = get_ipython()
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    if not history:
        return None
    for source in reversed(history):
        if isinstance(source, str) and header_id(source) == exercise_id:
            return source
    return None


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where output metadata is stored in the notebook)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def report(exercise_id: str, status: str, line: str) -> None:
    """Print a check's one-line result; in a notebook, attach the executed cell's digest as output metadata."""
    if not in_notebook():
        print(line)
        return
    from IPython.display import display

    source = executed_exercise_source(exercise_id)
    meta = {"id": exercise_id, "status": status, "cell": cell_digest(source) if source is not None else None}
    display({"text/plain": line}, raw=True, metadata={METADATA_KEY: meta})


__all__ = ["METADATA_KEY", "cell_digest", "executed_exercise_source", "header_id", "in_notebook", "report"]
