"""pytest settings for ``pytest --nbval notebooks/``.

The percent-format ``weekNN_*.py`` files are the notebooks' reviewable sources, not modules: with
``--doctest-modules`` (set in pyproject.toml) pytest would import them, which runs a whole notebook
at collection time. nbval checks the paired ``.ipynb`` files instead.
"""

collect_ignore_glob = ["week*.py"]
