"""The pandas engine: the day's features and scores in one process, on whole frames.

Fastest on one machine up to tens of millions of trades (no serialisation, no task start-up);
it is also the reference the Spark engine is tested against.
"""

from __future__ import annotations

from pathlib import Path

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


def score_day(inputs: DayInputs, model: ResolvedModel, out_dir: Path) -> None:
    """Write the decisions of ``inputs.day`` as ``out_dir/part-00000.parquet``."""
    from reference_impl.data.io import write_table

    pairs = pair_history_rows(read_partitions(inputs.history_paths, PAIR_INPUT_COLUMNS))
    window = read_partitions(inputs.window_paths, FEATURE_INPUT_COLUMNS)
    features = features_for_day(window, pairs, ref=inputs.ref, prices=inputs.prices, day=inputs.day)
    decisions = decisions_frame(features, model.predict(features), model)
    write_table(decisions, Path(out_dir) / "part-00000.parquet")


__all__ = ["score_day"]
