"""Spark-engine helpers that need no session: schemas and the Arrow-safe string conversion."""

from __future__ import annotations

import pandas as pd
import pytest

from reference_impl.batch.decisions import DECISION_COLUMNS, MODEL_OUTPUT_DDL
from reference_impl.batch.spark_engine import ddl, plain_strings
from reference_impl.features.columns import FEATURE_COLUMNS
from reference_impl.features.day import PAIR_COLUMNS


@pytest.mark.parametrize("columns", [FEATURE_COLUMNS, PAIR_COLUMNS])
def test_schemas_name_every_column_once_with_its_type(columns):
    parts = [p.split() for p in ddl(columns).split(", ")]
    assert [name for name, _ in parts] == list(columns)
    types = dict(parts)
    assert types["book"] == "string" and all(types[c] == "timestamp" for c in types if c.endswith("_ts") or c == "available_at")
    assert {t for c, t in types.items() if c not in ("book", "desk", "counterparty_id", "trade_id", "trader_id",
                                                       "instrument_id", "event_type")} <= {"timestamp", "double"}


def test_model_output_schema_matches_the_decision_columns_it_feeds():
    names = [p.split()[0] for p in MODEL_OUTPUT_DDL.split(", ")]
    assert set(names) - {"trade_id"} <= set(DECISION_COLUMNS)


def test_plain_strings_turns_chunked_arrow_strings_into_objects_and_keeps_values():
    chunked = pd.concat([pd.DataFrame({"book": ["B1", "B2"], "x": [1.0, 2.0]})] * 3, ignore_index=True)
    out = plain_strings(chunked)
    assert out["book"].dtype == object and out["x"].dtype == "float64"
    assert out["book"].tolist() == chunked["book"].tolist()
    assert chunked["book"].dtype != object  # the input is left alone
