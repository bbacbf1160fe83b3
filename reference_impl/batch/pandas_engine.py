"""The pandas engine: the day's features and scores in one process.

Features are computed on whole frames (they are cheap: ~0.4 s per million trades). The model is
called once per desk, because not every decision is row-wise: the duplicate rule compares a trade
with the trades booked before it *in the same call*. Calls that hold whole desks (a trader books
for one desk) see every earlier copy of a trade, whatever else they hold; the Spark engine's calls
hold whole desks too (one Arrow batch per partition of the desk grouping), so the two engines
decide alike. Fixed-size chunks did not: a copy in the next chunk went unseen. Per desk also keeps a
call to a fraction of the day's memory. This engine is the reference the Spark engine is tested
against; it uses one core.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reference_impl.batch.decisions import decisions_frame
from reference_impl.batch.inputs import DayInputs, read_partitions
from reference_impl.batch.model import ResolvedModel
from reference_impl.features.day import FEATURE_INPUT_COLUMNS, PAIR_INPUT_COLUMNS, features_for_day, pair_history_rows


def predict_by_desk(model: ResolvedModel, features: pd.DataFrame) -> pd.DataFrame:
    """``model.predict`` on each desk's rows (desks in sorted order), reassembled in the order of ``features``."""
    if len(features) == 0 or features["desk"].nunique() <= 1:
        return model.predict(features).reset_index(drop=True)
    parts = []
    for _, rows in sorted(features.groupby("desk", sort=False).indices.items()):
        part = model.predict(features.iloc[rows]).reset_index(drop=True)
        part.index = rows
        parts.append(part)
    return pd.concat(parts).sort_index().reset_index(drop=True)


def score_day(inputs: DayInputs, model: ResolvedModel, out_dir: Path) -> None:
    """Write the decisions of ``inputs.day`` as ``out_dir/part-00000.parquet``."""
    from reference_impl.data.io import write_table

    pairs = pair_history_rows(read_partitions(inputs.history_paths, PAIR_INPUT_COLUMNS))
    window = read_partitions(inputs.window_paths, FEATURE_INPUT_COLUMNS)
    features = features_for_day(window, pairs, ref=inputs.ref, prices=inputs.prices, day=inputs.day)
    decisions = decisions_frame(features, predict_by_desk(model, features), model)
    write_table(decisions, Path(out_dir) / "part-00000.parquet")


__all__ = ["predict_by_desk", "score_day"]
