"""The toy lab's files (see conftest.py): a complete lab small enough to check in a second."""

from __future__ import annotations

import textwrap
from pathlib import Path

LAB_TOML = """\
[lab]
id = "toy"
title = "A toy lab"
project = "A"
package = "toy_lab"
summary = "Double and halve numbers."

[[milestones]]
id = "m1"
title = "Doubling"
tests = "tests/test_m1_double.py"

[[milestones]]
id = "m2"
title = "Halving"
tests = "tests/test_m2_half.py"

[export]
dependencies = ["pytest"]
uses_ibml = false
"""

FILES = {
    "lab.toml": LAB_TOML,
    "README.md": "# A toy lab\n\nSee [the data card](../../docs/credit_risk.md), [the tests](starter/tests/),"
    " [the solution](solution/) and [a site](https://example.org).\n",
    "starter/pyproject.toml": """\
        [project]
        name = "toy"
        version = "0.1.0"
        dependencies = [
            "pytest>=8",
        ]

        [tool.setuptools]
        packages = ["toy_lab"]

        [tool.pytest.ini_options]
        testpaths = ["tests"]
        pythonpath = ["."]
        filterwarnings = ["error"]
        """,
    "starter/toy_lab/__init__.py": "from toy_lab.ops import double, half\n",
    "starter/toy_lab/ops.py": """\
        def double(x):
            raise NotImplementedError("TODO m1: double")


        def half(x):
            raise NotImplementedError("TODO m2: half")
        """,
    "starter/tests/conftest.py": "",
    "starter/tests/test_m1_double.py": """\
        from toy_lab import double


        def test_double_two():
            assert double(2) == 4, f"double(2) should be 4, got {double(2)}"


        def test_double_zero():
            assert double(0) == 0, f"double(0) should be 0, got {double(0)}"
        """,
    "starter/tests/test_m2_half.py": """\
        from toy_lab import half


        def test_half():
            assert half(4) == 2, f"half(4) should be 2, got {half(4)}"
        """,
    "solution/toy_lab/ops.py": """\
        def double(x):
            return 2 * x


        def half(x):
            return x / 2
        """,
    "mutants/MUTANTS.toml": """\
        [[mutant]]
        name = "adds"
        milestone = "m1"
        bug = "adds two instead of doubling"

        [[mutant]]
        name = "floor"
        milestone = "m2"
        bug = "halves with floor division"
        """,
    "mutants/adds/toy_lab/ops.py": """\
        def double(x):
            return x + 2


        def half(x):
            return x / 2
        """,
    "mutants/floor/toy_lab/ops.py": """\
        def double(x):
            return 2 * x


        def half(x):
            return x // 2 + 1
        """,
}


def write_lab(labs_dir: Path, files: dict[str, str] = FILES, lab_id: str = "toy") -> Path:
    root = labs_dir / lab_id
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root
