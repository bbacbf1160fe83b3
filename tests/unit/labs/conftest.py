"""A toy lab, written into a temporary ``labs/`` directory, so the framework is tested in a second or two.

It has every part of the layout contract: two milestones (m1 ``double``, m2 ``half``), a starter whose bodies
raise ``NotImplementedError``, a solution, and two mutants (:mod:`toy_lab_files`). Tests change pieces of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from toy_lab_files import write_lab


@pytest.fixture
def labs_dir(tmp_path) -> Path:
    """A ``labs/`` directory holding the toy lab."""
    labs = tmp_path / "labs"
    write_lab(labs)
    return labs
