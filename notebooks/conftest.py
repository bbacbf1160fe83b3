"""pytest settings for ``pytest --nbval notebooks/``.

The percent-format ``weekNN_*.py`` files are the notebooks' reviewable sources, not modules: with
``--doctest-modules`` (set in pyproject.toml) pytest would import them, which runs a whole notebook
at collection time. nbval checks the paired ``.ipynb`` files instead.

The output sanitizers (``sanitize.cfg``: durations, speed-ups, run ids, temporary paths) apply to
every nbval run that collects these notebooks, so the mentor's plain ``pytest --nbval notebooks/``
and ``make test-notebooks`` (which passes ``--nbval-sanitize-with`` explicitly) compare the same way.
"""

from __future__ import annotations

from pathlib import Path

import pytest

collect_ignore_glob = ["week*.py"]

SANITIZE_CFG = Path(__file__).with_name("sanitize.cfg")


def pytest_configure(config: pytest.Config) -> None:
    option = config.option
    if getattr(option, "nbval_sanitize_with", "absent") is None:  # nbval installed, no file given
        option.nbval_sanitize_with = str(SANITIZE_CFG)
