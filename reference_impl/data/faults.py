"""Data-quality faults injected on demand, for teaching validation.

Real trade feeds arrive with gaps, replays, late or reordered messages and upstream schema
changes. :func:`inject_faults` reproduces each of these on a clean frame and says exactly which
rows (or columns) it touched, so a validator can be tested against ground truth.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reference_impl.data.reference import check_seed
from reference_impl.errors import ConfigError

#: Fault kinds, applied in this order whatever order they are requested in.
FAULT_KINDS: tuple[str, ...] = (
    "missing_values",  # nulls in required columns
    "invalid_values",  # non-positive quantity/price, unknown side
    "unknown_reference",  # instrument ids that reference data does not know
    "duplicate_events",  # the same event (same trade_id) delivered twice
    "out_of_order",  # events delivered later than events booked after them
    "renamed_column",  # upstream renamed a column (counterparty_id -> cpty_id)
    "retyped_column",  # upstream sends quantity as text ("1,250.00")
)
MISSING_COLUMNS: tuple[str, ...] = ("trader_id", "price", "counterparty_id", "booking_ts")
RENAMES: dict[str, str] = {"counterparty_id": "cpty_id"}
RETYPED_COLUMN = "quantity"


@dataclass
class FaultResult:
    """The faulted frame plus ground truth: which row positions / columns each fault hit."""

    frame: pd.DataFrame
    rows: dict[str, np.ndarray] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Any]:  # allows ``frame, rows = inject_faults(...)``
        return iter((self.frame, self.rows))


def _check_kinds(kinds: Iterable[str] | str) -> list[str]:
    requested = [kinds] if isinstance(kinds, str) else list(kinds)
    unknown = sorted(set(requested) - set(FAULT_KINDS))
    if unknown:
        raise ConfigError(f"unknown fault kind(s) {unknown}; known: {list(FAULT_KINDS)}")
    if not requested:
        raise ConfigError(f"no fault kinds given; choose from {list(FAULT_KINDS)}")
    return [k for k in FAULT_KINDS if k in requested]


def inject_faults(df: pd.DataFrame, kinds: Iterable[str] | str, seed: int = 0, rate: float = 0.01) -> FaultResult:
    """Return a copy of ``df`` with the requested faults, and where they are.

    Parameters
    ----------
    df : DataFrame
        A clean trades frame (see :data:`~reference_impl.data.TRADE_COLUMNS`).
    kinds : str or iterable of str
        Any of :data:`FAULT_KINDS`.
    seed : int
        Non-negative seed.
    rate : float
        Share of rows hit by each row-level fault (at least one row each).

    Returns
    -------
    FaultResult
        ``.frame`` (index reset) and ``.rows[kind]``: positions in ``.frame`` of the rows hit;
        ``.columns[kind]``: columns changed (for the schema-drift kinds).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"trade_id": ["T1", "T2", "T3"], "price": [1.0, 2.0, 3.0]})
    >>> faulted, rows = inject_faults(df, ["duplicate_events"], seed=0, rate=0.3)
    >>> len(faulted), rows["duplicate_events"].tolist()
    (4, [2])
    """
    seed = check_seed(seed)
    todo = _check_kinds(kinds)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 < rate <= 0.5:
        raise ConfigError(f"rate must be within (0, 0.5], got {rate!r}")
    rng = np.random.default_rng([seed, 6])
    frame = df.reset_index(drop=True).copy()
    n = len(frame)
    if n < 2:
        raise ConfigError("inject_faults needs a frame with at least two rows")
    k = max(1, int(round(rate * n)))
    row_id = np.arange(n)  # stable identity of each row while rows move around
    hit_ids: dict[str, np.ndarray] = {}
    columns: dict[str, list[str]] = {}

    if "missing_values" in todo:
        cols = [c for c in MISSING_COLUMNS if c in frame.columns]
        ids = np.sort(rng.choice(n, k, replace=False))
        which = rng.integers(0, len(cols), k)
        for j, col in enumerate(cols):
            frame.loc[ids[which == j], col] = None
        hit_ids["missing_values"] = ids
        columns["missing_values"] = cols
    if "invalid_values" in todo:
        ids = np.sort(rng.choice(n, k, replace=False))
        what = rng.integers(0, 3, k)
        if "quantity" in frame:
            frame.loc[ids[what == 0], "quantity"] = -frame.loc[ids[what == 0], "quantity"].abs()
        if "price" in frame:
            frame.loc[ids[what == 1], "price"] = 0.0
        if "side" in frame:
            frame.loc[ids[what == 2], "side"] = "B"
        hit_ids["invalid_values"] = ids
    if "unknown_reference" in todo and "instrument_id" in frame:
        ids = np.sort(rng.choice(n, k, replace=False))
        frame.loc[ids, "instrument_id"] = "EQ.XXX.999"
        hit_ids["unknown_reference"] = ids
    if "duplicate_events" in todo:
        ids = np.sort(rng.choice(n, k, replace=False))
        # a replayed message arrives right after the original: insert each copy after its source
        position = np.concatenate([np.arange(n, dtype=float), ids + 0.5])
        order = np.argsort(position, kind="stable")
        frame = pd.concat([frame, frame.iloc[ids]], ignore_index=True).iloc[order].reset_index(drop=True)
        row_id = np.concatenate([row_id, n + np.arange(k)])[order]
        hit_ids["duplicate_events"] = n + np.arange(k)
        n = len(frame)
    if "out_of_order" in todo:
        picked = np.sort(rng.choice(n - 1, k, replace=False))
        # each picked event is delivered later: moved 5-200 rows down the file
        target = np.minimum(picked + rng.integers(5, 200, k), n - 1) + 0.5
        position = np.arange(n, dtype=float)
        position[picked] = target
        order = np.argsort(position, kind="stable")
        frame = frame.iloc[order].reset_index(drop=True)
        hit_ids["out_of_order"] = row_id[picked]
        row_id = row_id[order]
    if "renamed_column" in todo:
        present = {old: new for old, new in RENAMES.items() if old in frame}
        frame = frame.rename(columns=present)
        columns["renamed_column"] = list(present.values())
    if "retyped_column" in todo and RETYPED_COLUMN in frame:
        frame[RETYPED_COLUMN] = frame[RETYPED_COLUMN].map(lambda q: f"{q:,.2f}" if pd.notna(q) else None)
        columns["retyped_column"] = [RETYPED_COLUMN]

    position_of = np.empty(row_id.max() + 1, dtype=np.int64)
    position_of[row_id] = np.arange(len(row_id))
    rows = {kind: np.sort(position_of[ids]) for kind, ids in hit_ids.items()}
    for kind in ("renamed_column", "retyped_column"):
        if kind in todo:
            rows[kind] = np.arange(len(frame)) if columns.get(kind) else np.array([], dtype=np.int64)
    return FaultResult(frame, rows, columns)


__all__ = ["FAULT_KINDS", "FaultResult", "inject_faults"]
