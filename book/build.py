"""Build the course book: stage the committed sources, then run Sphinx on them (``make book``).

Jupyter Book and Sphinx read sources from one directory, and the course's sources live across the repository
(``notebooks/``, ``labs/*/``, ``docs/``, the README and the roadmap). So this script copies the files that
``book/toc.toml`` names into a git-ignored staging directory under their repository paths -- relative links
between them keep working -- and rewrites only the links that point outside the book (source files,
directories) into plain text naming the repository path, so no link in the site is broken. Notebooks are
copied with their committed outputs and never executed; each exercise gains its graded hints, folded, from
the same ``check.hint`` the notebook offers.

    python book/build.py                      # book/_build/html, staged in book/_src
    python book/build.py --out /tmp/site      # elsewhere (the browser test does this)

Warnings are printed and fail the build (``sphinx-build -W --keep-going``), so a broken cross-reference
stops CI. Exit status: 0 built, 1 Sphinx failed, 2 bad input (named on one line).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import io
import json
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import nbformat

from reference_impl.errors import ConfigError, IbmlError, NotebookError
from reference_impl.progress import exercises_in

BOOK = Path(__file__).resolve().parent
REPO = BOOK.parent
DEFAULT_STAGE = BOOK / "_src"
DEFAULT_OUT = BOOK / "_build" / "html"
NEEDED = ("sphinx", "myst_nb", "sphinx_book_theme")
PAGES_FILE = "_pages.json"

LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^()\s]+)\)")
FENCE = re.compile(r"^(```|~~~)", re.MULTILINE)
CHECK_MODULE = re.compile(r"\b(reference_impl\.exercises\.week\w+)\s+import\b")
HINT_LINE = re.compile(r"^Hint (\d+) of (\d+) for exercise [\d.]+: (.*)$", re.DOTALL)
IMAGE_SUFFIXES = {".png", ".svg", ".jpg", ".jpeg", ".gif"}


class BookError(ConfigError):
    """Bad input to the book build (the table of contents, a missing extra): names the file or setting at fault."""


def toc_parts(toc_path: Path = BOOK / "toc.toml") -> list[tuple[str, list[str]]]:
    """``[(caption, [repo-relative paths])]`` with every glob expanded (sorted); an empty glob is an error."""
    try:
        toc = tomllib.loads(toc_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BookError(f"{toc_path}: {exc}") from None
    parts: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    for number, part in enumerate(toc.get("part", []), start=1):
        if not isinstance(part, dict) or not part.get("caption") or not isinstance(part.get("files"), list):
            raise BookError(f"{toc_path}: part {number} needs a caption and a list of files")
        files: list[str] = []
        for pattern in part["files"]:
            matches = sorted(p.relative_to(REPO).as_posix() for p in REPO.glob(pattern) if p.is_file())
            if not matches:
                raise BookError(f"{toc_path}: {pattern!r} (part {part['caption']!r}) matches no file")
            files += [m for m in matches if m not in seen]
            seen.update(matches)
        parts.append((part["caption"], files))
    if not parts:
        raise BookError(f"{toc_path}: no [[part]] tables")
    return parts


def _docname(path: str) -> str:
    return path.rsplit(".", 1)[0]


def rewrite_links(text: str, source: str, staged: set[str], stage: Path) -> str:
    """Keep links to staged files and web addresses; copy linked images; turn other repo links into text.

    ``source`` is the file's repository path; ``staged`` the repository paths that are in the book. A link
    to a directory whose README.md is in the book points at that README. Fenced code is left untouched.
    """
    base = (REPO / source).parent

    def replace(match: re.Match[str]) -> str:
        bang, label, target = match.groups()
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            return match.group(0)
        path_part, hash_mark, anchor = target.partition("#")
        resolved = (base / path_part).resolve()
        try:
            rel = resolved.relative_to(REPO).as_posix()
        except ValueError:
            return f"{label} (`{path_part}`)"
        if resolved.is_dir() and f"{rel}/README.md" in staged:
            rel = f"{rel}/README.md"
        if rel in staged:
            new_target = Path(_relpath(rel, source)).as_posix() + (hash_mark + anchor if hash_mark else "")
            return f"{bang}[{label}]({new_target})"
        if bang and resolved.is_file() and resolved.suffix.lower() in IMAGE_SUFFIXES:
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(resolved, stage / rel)
            return match.group(0)
        shown = rel + ("/" if resolved.is_dir() else "")
        if bang:
            return f"*(image `{shown}` in the repository)*"
        plain = label.strip("`")
        return f"{label} (`{shown}` in the repository)" if plain != shown and plain != path_part else f"`{shown}`"

    pieces = FENCE.split(text)
    # FENCE.split alternates text, fence marker, fenced body (+ marker) ...: rewrite only outside fences.
    out: list[str] = []
    inside = False
    for piece in pieces:
        if piece in ("```", "~~~"):
            inside = not inside
            out.append(piece)
        else:
            out.append(piece if inside else LINK.sub(replace, piece))
    return "".join(out)


def _relpath(target: str, source: str) -> str:
    """``target`` relative to the directory of ``source`` (both repository paths)."""
    src_parts = Path(source).parent.parts
    tgt_parts = Path(target).parts
    common = 0
    while common < min(len(src_parts), len(tgt_parts)) and src_parts[common] == tgt_parts[common]:
        common += 1
    return str(Path(*([".."] * (len(src_parts) - common)), *tgt_parts[common:]))


def _hints_for(exercise_id: str, books: list[object]) -> list[str]:
    """The graded hints ``check.hint(id, level=k)`` prints, in order (empty if none are declared)."""
    for book in books:
        hints: list[str] = []
        level, total = 1, 1
        while level <= total:
            buf = io.StringIO()
            try:
                with contextlib.redirect_stdout(buf):
                    book.hint(exercise_id, level=level)  # type: ignore[attr-defined]
            except KeyError:
                break
            match = HINT_LINE.match(buf.getvalue().strip())
            if match is None:  # "has no graded hints": the requirements are already on the page
                return []
            total = int(match.group(2))
            hints.append(match.group(3))
            level += 1
        if hints:
            return hints
    return []


def add_hints(nb: nbformat.NotebookNode, source: str) -> int:
    """Insert, after each exercise's check cell, a markdown cell with its graded hints; returns how many.

    Exercises and their check cells are found the way ``ibml progress`` finds them (``progress.exercises_in``).
    """
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    books = []
    for module_name in sorted(set(CHECK_MODULE.findall(code))):
        check = getattr(importlib.import_module(module_name), "check", None)
        if check is not None and hasattr(check, "hint"):
            books.append(check)
    found = exercises_in(nb)
    added = 0
    for exercise_id, _title, cell_index, check_index in reversed(found):  # from the end: indices stay valid
        hints = _hints_for(exercise_id, books)
        if not hints:
            print(f"book: {source}: exercise {exercise_id} has no graded hints to show", file=sys.stderr)
            continue
        fence = "````"
        body = [f"**Stuck on exercise {exercise_id}?** Open one hint at a time; each gives away a little more.\n"]
        for number, hint in enumerate(hints, start=1):
            body.append(f"\n{fence}{{ibml-hint}} Hint {number} of {len(hints)}\n{hint}\n{fence}\n")
        cell_id = "ibml-hints-" + exercise_id.replace(".", "-")
        at = (check_index if check_index is not None else cell_index) + 1
        cell = nbformat.v4.new_markdown_cell("".join(body))
        cell.id = cell_id
        nb.cells.insert(at, cell)
        added += 1
    return added


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def index_page(parts: list[tuple[str, list[str]]]) -> str:
    """``book/start_here.md`` followed by one toctree per part (the site's navigation)."""
    text = (BOOK / "start_here.md").read_text(encoding="utf-8").rstrip() + "\n"
    for caption, files in parts:
        entries = "\n".join(_docname(f) for f in files)
        text += f"\n```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n:hidden:\n\n{entries}\n```\n"
    return text


def stage_sources(stage: Path) -> tuple[list[tuple[str, list[str]]], int]:
    """Copy and rewrite every book source into ``stage``; returns the parts and the number of hint blocks."""
    parts = toc_parts()
    staged = {f for _, files in parts for f in files}
    hints = 0
    for rel in sorted(staged):
        source = REPO / rel
        if rel.endswith(".ipynb"):
            try:
                nb = nbformat.reads(source.read_text(encoding="utf-8"), as_version=4)
            except (ValueError, nbformat.reader.NotJSONError) as exc:
                raise NotebookError(f"{rel}: not a valid notebook ({exc})") from None
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    cell.source = rewrite_links(cell.source, rel, staged, stage)
            hints += add_hints(nb, rel)
            _write(stage / rel, nbformat.writes(nb))
        else:
            _write(stage / rel, rewrite_links(source.read_text(encoding="utf-8"), rel, staged, stage))
    _write(stage / "index.md", index_page(parts))
    # The reading order as this build saw it (previous/next follow it): the browser test reads it back.
    order = ["index"] + [_docname(f) for _, files in parts for f in files]
    _write(stage / PAGES_FILE, json.dumps(order, indent=1) + "\n")
    return parts, hints


def build(out: Path = DEFAULT_OUT, stage: Path = DEFAULT_STAGE) -> int:
    """Stage the sources afresh and run a full Sphinx build (no state kept between builds); Sphinx's exit status."""
    missing = [name for name in NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        raise BookError(f"{', '.join(missing)} not installed: install the book extra (pip install -e '.[book]')")
    if out.exists() and any(out.iterdir()):
        if not (out / ".buildinfo").exists():
            raise BookError(f"{out} exists and is not a Sphinx build: refusing to replace it (choose another --out)")
        shutil.rmtree(out)  # a full rebuild: no page or asset left over from an earlier table of contents
    started = time.perf_counter()
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    parts, hints = stage_sources(stage)
    doctrees = stage / ".doctrees"
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-E", "-c", str(BOOK), "-d", str(doctrees),
               "-W", "--keep-going", "-q", str(stage), str(out)]  # fmt: skip
    status = subprocess.run(command, cwd=REPO, check=False).returncode
    elapsed = time.perf_counter() - started
    if status == 0:
        print(f"book: {len(json.loads((stage / PAGES_FILE).read_text()))} pages ({hints} exercises with hints) "
              f"in {elapsed:.1f} s -> {out / 'index.html'}")  # fmt: skip
    else:
        print(f"book: Sphinx failed (exit {status}); the warnings above name the file and line", file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="HTML output directory (default book/_build/html)"
    )
    parser.add_argument("--stage", type=Path, default=DEFAULT_STAGE, help="staging directory (default book/_src)")
    args = parser.parse_args(argv)
    try:
        return build(args.out.resolve(), args.stage.resolve())
    except IbmlError as exc:
        print(f"book: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
