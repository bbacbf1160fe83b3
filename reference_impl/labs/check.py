"""Run a lab's specification with pytest in a subprocess and report per milestone.

A subprocess, because the learner's package must be imported fresh (no module cached from an earlier check) and
a crash or ``sys.exit`` in their code must not take ``ibml`` down. It runs the current interpreter, so whatever
``ibml`` can import (``reference_impl`` included) the specification can too. Outcomes come from
:mod:`reference_impl.labs.pytest_plugin`; while pytest runs, the parent tails them to print progress.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

from reference_impl.errors import ErrorKind
from reference_impl.labs.assembly import assemble
from reference_impl.labs.catalogue import Lab, LabError, Milestone
from reference_impl.labs.pins import dependency_closure
from reference_impl.labs.report import LabReport, MilestoneResult, TestOutcome, classify, final_outcomes

#: Seconds a whole specification run may take before it is stopped (a learner's infinite loop).
DEFAULT_TIMEOUT = 600
Progress = Callable[[str], None]


def check_lab(
    lab: Lab,
    *,
    path: Path | None = None,
    solution: bool = False,
    mutant: str | None = None,
    milestones: Sequence[str] | None = None,
    progress: Progress | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> LabReport:
    """Check a learner's package (``path``, default the working copy ``labs/<id>/starter``), the solution or a mutant.

    The project is assembled in a temporary directory (the lab's tests + the package under check) and removed
    afterwards; ``milestones`` restricts the run to those ids (a mutant is proven against its own).
    """
    if mutant is not None:
        checked = f"mutant {mutant}"
    elif solution:
        checked = "solution"
    else:
        path = (Path(path) if path is not None else lab.starter).resolve()
        checked = str(path)
    selected = [lab.milestone(m) for m in milestones] if milestones else list(lab.milestones)
    with tempfile.TemporaryDirectory(prefix=f"ibml-lab-{lab.id}-") as tmp:
        project = assemble(
            lab,
            Path(tmp) / lab.package,
            solution=solution,
            mutant=mutant,
            code_from=None if (solution or mutant) else path,
        )
        return run_spec(lab, project, selected, checked=checked, progress=progress, timeout=timeout)


def run_spec(
    lab: Lab,
    project: Path,
    milestones: Sequence[Milestone],
    *,
    checked: str,
    progress: Progress | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> LabReport:
    """Run pytest on ``milestones``' test files inside ``project`` and classify the outcomes."""
    results = project / ".ibml-lab-results.jsonl"
    log = project / ".ibml-lab-pytest.log"
    plugins = [arg for module in export_plugins(lab) for arg in ("-p", module)]
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "reference_impl.labs.pytest_plugin",
        "--ibml-lab-results",
        str(results),
        *plugins,
        "-p",
        "no:cacheprovider",
        "--continue-on-collection-errors",
        "-q",
        "--no-header",
        *[m.tests for m in milestones],
    ]
    # only the pytest plugins an export of the lab would have: autoloading everything ibml's environment holds
    # (nbval, schemathesis, ...) costs ~20 s of imports on a loaded machine and would not exist in the export
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    start = time.perf_counter()
    tail = _Tail(results, milestones, progress)
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            while proc.poll() is None:
                if time.perf_counter() - start > timeout:
                    proc.kill()
                    proc.wait()
                    raise LabError(
                        f"the {lab.id} specification ran longer than {timeout:.0f} s and was stopped",
                        kind=ErrorKind.UNAVAILABLE,
                    )
                tail.poll()
                time.sleep(0.1)
        except BaseException:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            raise
    tail.poll()
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1) and not tail.outcomes and not tail.collect_errors:
        last = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
        raise LabError(
            f"pytest could not run the {lab.id} specification (exit {proc.returncode}): "
            f"{last[-1] if last else 'no output'}",
            kind=ErrorKind.UNAVAILABLE,
        )
    outcomes = final_outcomes(tail.outcomes)
    report = [
        classify(m, [o for o in outcomes if o.file == m.tests], collect_error=tail.collect_errors.get(m.tests, ""))
        for m in milestones
    ]
    return LabReport(lab.id, checked, report, seconds)


def export_plugins(lab: Lab) -> list[str]:
    """Modules of the installed pytest plugins whose distributions are in the lab's export dependency closure."""
    closure = dependency_closure(lab.export.dependencies)
    out = []
    for ep in importlib.metadata.entry_points(group="pytest11"):
        dist = getattr(ep, "dist", None)
        if dist is not None and canonicalize_name(dist.name) in closure:
            out.append(ep.value.split(":", 1)[0])
    return sorted(set(out))


class _Tail:
    """Reads the plugin's JSON lines as they arrive; reports each milestone once all its tests have finished."""

    def __init__(self, path: Path, milestones: Sequence[Milestone], progress: Progress | None) -> None:
        self.path, self.milestones, self.progress = path, list(milestones), progress
        self.offset = 0
        self.buffer = ""
        self.expected: dict[str, set[str]] = {}
        self.outcomes: list[TestOutcome] = []
        self.collect_errors: dict[str, str] = {}
        self.announced: set[str] = set()

    def poll(self) -> None:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as fh:
            fh.seek(self.offset)
            chunk = fh.read()
            self.offset = fh.tell()
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split("\n")
        for line in lines:
            if line.strip():
                self._take(json.loads(line))
        self._announce()

    def _take(self, record: dict) -> None:
        event = record.get("event")
        if event == "collected":
            for nodeid in record["nodeids"]:
                self.expected.setdefault(nodeid.split("::", 1)[0], set()).add(nodeid)
        elif event == "collect_error":
            self.collect_errors[record["nodeid"].split("::", 1)[0]] = record["message"]
        elif event == "test":
            self.outcomes.append(
                TestOutcome(
                    record["nodeid"],
                    record["when"],
                    record["outcome"],
                    record["exc_type"],
                    bool(record["not_implemented"]),
                    record["message"],
                )
            )

    def _announce(self) -> None:
        if self.progress is None or (not self.expected and not self.collect_errors):
            return
        seen = {o.nodeid for o in self.outcomes}
        for m in self.milestones:
            if m.id in self.announced:
                continue
            want = self.expected.get(m.tests, set())
            if m.tests in self.collect_errors or (want and want <= seen):
                self.announced.add(m.id)
                self.progress(
                    _progress_line(
                        m,
                        classify(
                            m,
                            [o for o in final_outcomes(self.outcomes) if o.file == m.tests],
                            collect_error=self.collect_errors.get(m.tests, ""),
                        ),
                    )
                )


def _progress_line(m: Milestone, result: MilestoneResult) -> str:
    return f"  {m.id} {result.label}"
