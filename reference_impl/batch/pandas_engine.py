"""The pandas engine: the day's features and scores in one process.

Features are computed on whole frames (they are cheap: ~0.4 s per million trades). The model is
called in chunks of :data:`PREDICT_CHUNK_ROWS` rows — the size of Spark's Arrow batches — because a
decision per row (reasons, features used) costs memory: one call on a million rows peaked at ~7 GB.
Decisions are row-wise, so chunking changes nothing in them. This engine is the reference the Spark
engine is tested against; it uses one core.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reference_impl.batch.job import (
    FEATURE_INPUT_COLUMNS,
    PAIR_INPUT_COLUMNS,
    DayInputs,
    ResolvedModel,
    decisions_frame,
    features_for_day,
    pair_history_rows,
    read_partitions,
)


#: Rows per model call (Spark's default ``spark.sql.execution.arrow.maxRecordsPerBatch``).
PREDICT_CHUNK_ROWS = 10_000


def predict_in_chunks(model: ResolvedModel, features: pd.DataFrame, chunk_rows: int = PREDICT_CHUNK_ROWS) -> pd.DataFrame:
    """``model.predict`` over consecutive slices of ``features``, concatenated in order."""
    if len(features) <= chunk_rows:
        return model.predict(features).reset_index(drop=True)
    parts = [model.predict(features.iloc[i:i + chunk_rows]) for i in range(0, len(features), chunk_rows)]
    return pd.concat(parts, ignore_index=True)


def score_day(inputs: DayInputs, model: ResolvedModel, out_dir: Path) -> None:
    """Write the decisions of ``inputs.day`` as ``out_dir/part-00000.parquet``."""
    from reference_impl.data.io import write_table

    pairs = pair_history_rows(read_partitions(inputs.history_paths, PAIR_INPUT_COLUMNS))
    window = read_partitions(inputs.window_paths, FEATURE_INPUT_COLUMNS)
    features = features_for_day(window, pairs, ref=inputs.ref, prices=inputs.prices, day=inputs.day)
    decisions = decisions_frame(features, predict_in_chunks(model, features), model)
    write_table(decisions, Path(out_dir) / "part-00000.parquet")


__all__ = ["PREDICT_CHUNK_ROWS", "predict_in_chunks", "score_day"]
