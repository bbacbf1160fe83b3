"""The decision columns are declared once: the Spark DDL and the pandas frame both match the declaration."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from reference_impl.batch.decisions import (
    DECISION_COLUMNS,
    DECISION_DDL,
    DECISION_SCHEMA,
    MODEL_OUTPUT_COLUMNS,
    MODEL_OUTPUT_DDL,
    PANDAS_DTYPES,
    decisions_frame,
    read_decisions,
    spark_ddl,
)
from reference_impl.errors import RegistryError


def _parse(ddl: str) -> list[tuple[str, str]]:
    return [tuple(part.split()) for part in ddl.split(", ")]


def _decided(n: int = 3):
    features = pd.DataFrame({
        "trade_id": [f"T{i}" for i in range(n)], "desk": ["EQ_LDN", "EQ_NYC", "EQ_LDN"][:n],
        "booking_ts": pd.date_range("2026-01-05 09:00", periods=n, freq="min", tz="UTC").as_unit("ns"),
    })
    output = pd.DataFrame({  # what a pyfunc may hand back: ints, objects, a None reason list
        "trade_id": features["trade_id"], "score": np.arange(n, dtype="float32"), "threshold": [1] * n,
        "flagged": np.array([1, 0, 1][:n]), "reason_codes": ["R_SIZE;R_HOURS", "", None][:n],
        "fallback_used": [False] * n,
    })
    model = SimpleNamespace(name="trade-anomaly", version="7", ruleset_version="rules-2026.1")
    return features, output, model


def test_the_ddl_strings_are_the_declaration():
    assert _parse(DECISION_DDL) == list(DECISION_SCHEMA)
    assert [name for name, _ in _parse(DECISION_DDL)] == list(DECISION_COLUMNS)
    assert _parse(MODEL_OUTPUT_DDL) == [(c, dict(DECISION_SCHEMA)[c]) for c in MODEL_OUTPUT_COLUMNS]
    assert set(dict(DECISION_SCHEMA).values()) <= set(PANDAS_DTYPES)
    with pytest.raises(KeyError):
        spark_ddl(["not_a_decision_column"])


def test_the_pandas_frame_has_the_declared_columns_and_dtypes(tmp_path):
    features, output, model = _decided()
    out = decisions_frame(features, output, model)
    assert list(out.columns) == list(DECISION_COLUMNS)
    assert {c: str(out[c].dtype) for c in out} == {c: str(pd.Series(dtype=PANDAS_DTYPES[t]).dtype)
                                                    for c, t in DECISION_SCHEMA}
    assert out["flagged"].tolist() == [True, False, True] and out["score"].tolist() == [0.0, 1.0, 2.0]
    assert out["model_version"].tolist() == ["7"] * 3
    # what the engine writes reads back with the same columns and dtypes
    from reference_impl.data.io import write_table

    write_table(out, tmp_path / "part-00000.parquet")
    back = read_decisions(tmp_path)
    pd.testing.assert_frame_equal(back, out, check_exact=True)


def test_a_model_that_drops_rows_is_refused():
    features, output, model = _decided()
    with pytest.raises(RegistryError, match="returned 2 rows for 3"):
        decisions_frame(features, output.iloc[:2], model)
