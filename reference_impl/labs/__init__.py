"""Portfolio labs: discover ``labs/*/lab.toml``, assemble a project, run its specification, record, export.

A lab (``labs/<id>/``, layout in ``labs/README.md``) is a starter package, a pytest specification one file per
milestone, a solution of thin adapters over ``reference_impl`` and planted-bug mutants. This package is the
machinery behind ``ibml lab list|check|export`` and the labs part of ``ibml progress``; it knows no lab by name.
"""

from reference_impl.labs.assembly import assemble, overlay, package_dir
from reference_impl.labs.catalogue import (
    LABS_DIR,
    ExportSpec,
    Lab,
    LabError,
    Milestone,
    Mutant,
    discover,
    get_lab,
    load_lab,
)
from reference_impl.labs.check import check_lab, run_spec
from reference_impl.labs.report import LabReport, MilestoneResult, TestOutcome, classify

__all__ = [
    "LABS_DIR",
    "ExportSpec",
    "Lab",
    "LabError",
    "LabReport",
    "Milestone",
    "MilestoneResult",
    "Mutant",
    "TestOutcome",
    "assemble",
    "check_lab",
    "classify",
    "discover",
    "get_lab",
    "load_lab",
    "overlay",
    "package_dir",
    "run_spec",
]
