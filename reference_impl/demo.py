"""The end-to-end demo pipeline behind ``make demo`` / ``ibml demo``.

Stages run in order on the workspace (``IBML_HOME``); each prints a progress line on stderr.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterator

from reference_impl.workspace import Workspace


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Print ``[demo] name ...`` then ``[demo] name done in N.N s`` on stderr."""
    print(f"[demo] {name} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    yield
    print(f"[demo] {name} done in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)


def run_demo(scale: str = "small", seed: int = 42, keep_serving: bool = False) -> None:
    """Generate data and print a summary of it (later stages are added as the project grows)."""
    from reference_impl.data.io import generate_dataset, summarize_dataset

    ws = Workspace.from_env()
    with stage(f"generate {scale} dataset (seed {seed}) into {ws.data_dir}"):
        manifest = generate_dataset(ws.data_dir, scale=scale, seed=seed, progress=True)
    print(summarize_dataset(manifest))
