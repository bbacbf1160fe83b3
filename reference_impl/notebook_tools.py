"""Build, execute and check the course notebooks.

The reviewable source of each notebook is a percent-format script ``notebooks/weekNN_topic.py``
(jupytext); the committed ``.ipynb`` is built from it and executed, so it carries outputs that
``pytest --nbval`` compares on re-execution.

Usage::

    python -m reference_impl.notebook_tools build notebooks/week01_python_refresh.py   # .py -> executed .ipynb
    python -m reference_impl.notebook_tools build notebooks/                            # every week
    python -m reference_impl.notebook_tools execute notebooks/week01_python_refresh.ipynb
    python -m reference_impl.notebook_tools check-pairs notebooks/                      # .py and .ipynb agree?
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

DEFAULT_TIMEOUT = 300  # seconds per cell
_HEX_ADDR = re.compile(r"0x[0-9a-fA-F]{6,}")


def notebook_paths(paths: Iterable[Path | str], suffix: str) -> list[Path]:
    """Expand directories to their ``week*`` then ``appendix_*`` files with ``suffix``; keep files as given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend([*sorted(p.glob(f"week*{suffix}")), *sorted(p.glob(f"appendix_*{suffix}"))])
        else:
            out.append(p)
    return out


def execute_notebook(
    nb: nbformat.NotebookNode, cwd: Path, timeout: int = DEFAULT_TIMEOUT, *, allow_errors: bool = False
) -> nbformat.NotebookNode:
    """Execute ``nb`` in a fresh ``python3`` kernel with ``cwd`` as working directory.

    ``allow_errors=True`` keeps going after a failing cell (the error is stored as the cell's output),
    which is what ``ibml progress`` needs to report every exercise, not just the first failure.
    """
    env_backup = os.environ.get("PYDEVD_DISABLE_FILE_VALIDATION")
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    try:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=allow_errors,
            resources={"metadata": {"path": str(cwd)}},
        )
        client.execute()
    finally:
        if env_backup is None:
            os.environ.pop("PYDEVD_DISABLE_FILE_VALIDATION", None)
    return nb


def _coalesce_streams(outputs: list) -> list:
    """Merge consecutive stdout (or stderr) chunks: the kernel splits them arbitrarily, nbval joins them anyway."""
    merged: list = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (
            out.get("output_type") == "stream"
            and prev is not None
            and prev.get("output_type") == "stream"
            and prev.get("name") == out.get("name")
        ):
            prev["text"] = "".join(prev["text"]) + "".join(out["text"])
        else:
            merged.append(out)
    return merged


def clean_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop volatile metadata (execution timings, widget state) and 0x addresses from stored outputs.

    Also gives cells stable ids (``c000``, ``c001``, ...) and merges split stream chunks, so rebuilding an
    unchanged notebook produces an unchanged file and reviews see only real differences.
    """
    nb.metadata.pop("widgets", None)
    for i, cell in enumerate(nb.cells):
        if nb.get("nbformat_minor", 0) >= 5 or "id" in cell:
            cell["id"] = f"c{i:03d}"
        cell.metadata.pop("execution", None)
        if "outputs" in cell:
            cell["outputs"] = _coalesce_streams(cell["outputs"])
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = _HEX_ADDR.sub("0x…", out["text"])
            data = out.get("data", {})
            if "text/plain" in data:
                data["text/plain"] = _HEX_ADDR.sub("0x…", data["text/plain"])
    return nb


def build(py_path: Path, timeout: int = DEFAULT_TIMEOUT) -> float:
    """Convert ``py_path`` to ``.ipynb``, execute it and write it next to the script. Returns seconds taken."""
    nb = jupytext.read(py_path)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ibml)", "language": "python"}
    nb.metadata.setdefault("language_info", {"name": "python"})
    nb.metadata.pop("jupytext", None)
    start = time.perf_counter()
    execute_notebook(nb, py_path.parent, timeout)
    elapsed = time.perf_counter() - start
    nbformat.write(clean_outputs(nb), py_path.with_suffix(".ipynb"))
    return elapsed


def execute_in_place(ipynb: Path, timeout: int = DEFAULT_TIMEOUT) -> float:
    nb = nbformat.read(ipynb, as_version=4)
    start = time.perf_counter()
    execute_notebook(nb, ipynb.parent, timeout)
    elapsed = time.perf_counter() - start
    nbformat.write(clean_outputs(nb), ipynb)
    return elapsed


def _sources(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def pair_mismatches(py_path: Path) -> list[str]:
    """Differences between the cells of ``weekNN.py`` and its ``.ipynb`` (empty list when in sync)."""
    ipynb = py_path.with_suffix(".ipynb")
    if not ipynb.exists():
        return [f"{ipynb} is missing: build it with `python -m reference_impl.notebook_tools build {py_path}`"]
    a, b = _sources(jupytext.read(py_path)), _sources(nbformat.read(ipynb, as_version=4))
    problems = []
    if len(a) != len(b):
        problems.append(f"{py_path.name}: {len(a)} cells in .py but {len(b)} in .ipynb")
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            problems.append(f"{py_path.name}: cell {i} differs between .py and .ipynb")
            break
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference_impl.notebook_tools")
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("build", "execute", "check-pairs"):
        p = sub.add_parser(name)
        p.add_argument("paths", nargs="+")
        p.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT)
    args = parser.parse_args(argv)
    if args.cmd == "check-pairs":
        problems = [m for p in notebook_paths(args.paths, ".py") for m in pair_mismatches(p)]
        for m in problems:
            print(m, file=sys.stderr)
        return 1 if problems else 0
    suffix = ".py" if args.cmd == "build" else ".ipynb"
    total = 0.0
    for path in notebook_paths(args.paths, suffix):
        fn = build if args.cmd == "build" else execute_in_place
        secs = fn(path, args.timeout)
        total += secs
        print(f"{path.name:<45} {secs:6.1f} s", flush=True)
    print(f"{'total':<45} {total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
