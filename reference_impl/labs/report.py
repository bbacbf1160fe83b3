"""Turn per-test outcomes into a per-milestone verdict: done (k/k), failing (first failure), not started.

"Not started" is the untouched skeleton's signature: every test of the milestone failed, and each failure is the
starter's ``NotImplementedError``. Anything else that is not all green is "failing", reported with the first
failing test and its one-line message (the assertion text the spec's author wrote) — the line a learner reads.

Examples
--------
>>> from reference_impl.labs.catalogue import Milestone
>>> m = Milestone("m1", "Views", "tests/test_m1_views.py")
>>> ok = TestOutcome("tests/test_m1_views.py::test_a", "call", "passed")
>>> todo = TestOutcome("tests/test_m1_views.py::test_b", "call", "failed", "NotImplementedError",
...                    True, "NotImplementedError: TODO m1")
>>> classify(m, [ok, ok]).label
'done (2/2)'
>>> classify(m, [todo]).status
'not_started'
>>> r = classify(m, [ok, todo])
>>> r.status, r.first_failure, r.message
('failing', 'tests/test_m1_views.py::test_b', 'NotImplementedError: TODO m1')
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from reference_impl.labs.catalogue import Milestone

MilestoneStatus = Literal["done", "failing", "not_started"]


@dataclass(frozen=True)
class TestOutcome:
    """One test's final outcome, as the plugin recorded it (``when`` is setup, call, teardown or collect)."""

    __test__ = False  # not a pytest test class, despite the name

    nodeid: str
    when: str
    outcome: str  # passed | failed | skipped
    exc_type: str | None = None
    not_implemented: bool = False
    message: str = ""

    @property
    def file(self) -> str:
        return self.nodeid.split("::", 1)[0]

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"


@dataclass(frozen=True)
class MilestoneResult:
    """The verdict for one milestone; ``first_failure``/``message`` are set when it is failing."""

    id: str
    title: str
    status: MilestoneStatus
    passed: int
    total: int
    first_failure: str = ""
    failure_phase: str = ""
    message: str = ""

    @property
    def label(self) -> str:
        if self.status == "done":
            return f"done ({self.passed}/{self.total})"
        if self.status == "not_started":
            return "not started"
        return f"failing ({self.passed}/{self.total})"


@dataclass(frozen=True)
class LabReport:
    """A whole check: which lab, what was checked, each milestone; ``ok`` only when every milestone is done."""

    lab: str
    checked: str  # the path checked, or "solution" / "mutant <name>"
    milestones: list[MilestoneResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.milestones) and all(m.status == "done" for m in self.milestones)

    def milestone(self, milestone_id: str) -> MilestoneResult:
        return next(m for m in self.milestones if m.id == milestone_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lab": self.lab,
            "checked": self.checked,
            "ok": self.ok,
            "seconds": round(self.seconds, 2),
            "milestones": [asdict(m) | {"label": m.label} for m in self.milestones],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_text(self) -> str:
        lines = [f"lab {self.lab}: {self.checked}"]
        for m in self.milestones:
            lines.append(f"  {m.id:<4} {m.label:<16} {m.title}")
            if m.status == "failing":
                lines.append(f"{'':7}first failure: {m.first_failure}")
                lines.append(f"{'':7}{m.message}")
        done = sum(m.status == "done" for m in self.milestones)
        lines.append(f"summary: {done}/{len(self.milestones)} milestones done ({self.seconds:.1f} s)")
        return "\n".join(lines)


def classify(milestone: Milestone, outcomes: Sequence[TestOutcome], *, collect_error: str = "") -> MilestoneResult:
    """The verdict for ``milestone`` from its tests' outcomes (a module that failed to import is failing)."""
    if collect_error:
        return MilestoneResult(
            milestone.id,
            milestone.title,
            "failing",
            0,
            0,
            milestone.tests,
            "collect",
            f"the test module failed to import: {collect_error}",
        )
    counted = [o for o in outcomes if o.outcome != "skipped"]
    passed = sum(o.outcome == "passed" for o in counted)
    total = len(counted)
    if total == 0:
        return MilestoneResult(
            milestone.id,
            milestone.title,
            "failing",
            0,
            0,
            milestone.tests,
            "collect",
            f"no tests ran from {milestone.tests}",
        )
    if passed == total:
        return MilestoneResult(milestone.id, milestone.title, "done", passed, total)
    if passed == 0 and all(o.not_implemented for o in counted):
        return MilestoneResult(milestone.id, milestone.title, "not_started", 0, total)
    first = next(o for o in counted if o.outcome != "passed")
    message = first.message or first.exc_type or "failed"
    if first.when in ("setup", "teardown"):
        message = f"error in {first.when} (a fixture): {message}"
    return MilestoneResult(milestone.id, milestone.title, "failing", passed, total, first.nodeid, first.when, message)


def final_outcomes(outcomes: Iterable[TestOutcome]) -> list[TestOutcome]:
    """One outcome per test, in run order: a teardown error after a pass turns the test into a failure."""
    by_id: dict[str, TestOutcome] = {}
    for o in outcomes:
        seen = by_id.get(o.nodeid)
        if seen is None or (o.failed and not seen.failed):
            by_id[o.nodeid] = o
    return list(by_id.values())
