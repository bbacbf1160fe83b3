"""Point-in-time correct joins: for each entity row, the feature values *known* at its timestamp.

The rule (Feast's, plus an explicit availability guard):

    for an entity row with key ``k`` and timestamp ``T``, a feature row of ``k`` qualifies when
        available_at <= T                      (we knew it by then — no leakage)
        T - ttl      <= event_ts               (it is not too old; skipped when ttl is None)
    and the winner is the qualifying row with the latest ``event_ts``; ties go to the latest
    ``available_at`` (a correction re-issued later wins), then to the later row in the input.
    No qualifying row -> nulls (a left join: every entity row comes back, in its order, with its index).

``available_at`` is the created/ingestion timestamp. A row cannot be known before it happened, so an
``available_at`` earlier than ``event_ts`` (a clock error upstream) is read as ``event_ts``.
All timestamps must be tz-aware; they are compared in UTC. Naive timestamps are an error, not a guess.

:func:`point_in_time_join` is the fast vectorised version (sorts plus one ``merge_asof``);
:func:`point_in_time_join_reference` is a deliberately naive loop that states the rule literally.
The property tests prove they agree on random inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from reference_impl.errors import FeatureStoreError
from reference_impl.features.validation import require_columns, utc_ns


def _check_keys(entity_df: pd.DataFrame, feature_df: pd.DataFrame, keys: Sequence[str]) -> None:
    for key in keys:
        for frame, what in ((entity_df, "entity frame"), (feature_df, "feature rows")):
            dtype = frame[key].dtype
            if not (pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)):
                raise FeatureStoreError(f"join key {key!r} in the {what} must be strings, got {dtype}")
            if len(frame) and pd.api.types.is_object_dtype(dtype):
                bad = frame[key].map(lambda v: not isinstance(v, str)).to_numpy()
                if bad.any():
                    value = frame[key].to_numpy()[np.flatnonzero(bad)[0]]
                    raise FeatureStoreError(
                        f"join key {key!r} in the {what} must be strings, got {type(value).__name__} {value!r}"
                    )


def _validate(
    entity_df: pd.DataFrame,
    feature_df: pd.DataFrame,
    keys: Sequence[str],
    entity_timestamp: str,
    features: Sequence[str],
    event_ts: str,
    available_at: str,
) -> None:
    require_columns(entity_df, [*keys, entity_timestamp], "entity frame")
    require_columns(feature_df, [*keys, event_ts, available_at, *features], "feature rows")
    clash = [f for f in features if f in entity_df.columns]
    if clash:
        raise FeatureStoreError(f"feature column(s) {', '.join(clash)} already exist in the entity frame")
    _check_keys(entity_df, feature_df, keys)
    for frame, col, what in (
        (entity_df, entity_timestamp, "entity frame"),
        (feature_df, event_ts, "feature rows"),
        (feature_df, available_at, "feature rows"),
    ):
        series = frame[col]
        if not isinstance(series.dtype, pd.DatetimeTZDtype):
            kind = "naive timestamps" if pd.api.types.is_datetime64_dtype(series.dtype) else f"dtype {series.dtype}"
            raise FeatureStoreError(f"column {col!r} of the {what} must be tz-aware UTC timestamps, got {kind}")
        if series.isna().any():
            raise FeatureStoreError(f"column {col!r} of the {what} has missing timestamps")


def _key_codes(feature_df: pd.DataFrame, entity_df: pd.DataFrame, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """One int64 code per key tuple, shared by both frames (-1: a key the feature rows never saw).

    Joining on small integers instead of strings is what keeps the merge close to a bare merge_asof.
    """
    f_code = np.zeros(len(feature_df), dtype=np.int64)
    e_code = np.zeros(len(entity_df), dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(feature_df[key])  # arrow-backed strings factorize without copies
        e_part = pd.Index(uniques).get_indexer(entity_df[key])
        width = max(len(uniques), 1)
        f_code = f_code * width + codes
        e_code = np.where((e_code < 0) | (e_part < 0), -1, e_code * width + e_part)
        if len(keys) > 1:  # re-compact so the product of widths cannot overflow
            f_code, uniq = pd.factorize(f_code)
            e_code = np.where(e_code < 0, -1, pd.Index(uniq).get_indexer(e_code))
    return f_code.astype(np.int64), e_code.astype(np.int64)


def point_in_time_join(
    entity_df: pd.DataFrame,
    feature_df: pd.DataFrame,
    *,
    keys: Sequence[str],
    features: Sequence[str] | None = None,
    entity_timestamp: str = "event_timestamp",
    ttl: pd.Timedelta | None = None,
    event_ts: str = "event_ts",
    available_at: str = "available_at",
) -> pd.DataFrame:
    """Left-join ``feature_df`` onto ``entity_df`` as of each entity row's timestamp.

    Parameters
    ----------
    entity_df : DataFrame
        Rows to enrich: the join ``keys`` (strings) and ``entity_timestamp`` (tz-aware).
    feature_df : DataFrame
        Feature rows: ``keys``, ``event_ts``, ``available_at`` and the feature columns.
    keys : sequence of str
        Join key columns, present in both frames.
    features : sequence of str, optional
        Feature columns to bring over (default: every column that is not a key or timestamp).
    ttl : Timedelta, optional
        Maximum age of a value (``T - event_ts``); ``None`` never expires.

    Returns
    -------
    DataFrame
        ``entity_df`` (same index, same order) with the feature columns appended.

    Examples
    --------
    >>> ts = lambda *s: pd.to_datetime(list(s), utc=True)
    >>> feats = pd.DataFrame({"trader_id": ["T1", "T1"], "event_ts": ts("2026-01-05 09:00", "2026-01-05 10:00"),
    ...                       "available_at": ts("2026-01-05 09:00", "2026-01-05 10:30"), "count": [1.0, 2.0]})
    >>> ents = pd.DataFrame({"trader_id": ["T1", "T1", "T2"],
    ...                      "event_timestamp": ts("2026-01-05 08:00", "2026-01-05 10:15", "2026-01-05 11:00")})
    >>> point_in_time_join(ents, feats, keys=["trader_id"])["count"].tolist()
    [nan, 1.0, nan]
    """
    keys = list(keys)
    if features is None:
        features = [c for c in feature_df.columns if c not in {*keys, event_ts, available_at}]
    features = list(features)
    _validate(entity_df, feature_df, keys, entity_timestamp, features, event_ts, available_at)

    n_feat = len(feature_df)
    event_ns = utc_ns(feature_df[event_ts], event_ts).astype("int64")
    avail_ns = np.maximum(utc_ns(feature_df[available_at], available_at).astype("int64"), event_ns)
    # 1. feature rows in availability order (stable: equal times keep input order). merge_asof always
    #    lands on the *last* row of a run of equal times, and step 2 has seen the whole run by then.
    order = np.argsort(avail_ns, kind="stable")
    f_event = event_ns[order]
    f_code, e_code = _key_codes(feature_df, entity_df, keys)
    right = pd.DataFrame({"_k": f_code[order], "_t": avail_ns[order], "_pos": np.arange(n_feat, dtype=np.int64)})
    del event_ns, avail_ns, f_code  # large intermediates: free them before the merge
    # 2. per key, the winner so far in availability order is the row with the largest event_ts seen
    #    (ties go to the later position). Usually event order == availability order and this is a no-op.
    winner = np.arange(n_feat, dtype=np.int64)
    if n_feat:
        group = right["_k"].to_numpy()
        running = pd.Series(f_event).groupby(group, sort=False).cummax().to_numpy()
        behind = f_event < running
        del running
        if behind.any():  # a late-arriving older row: keep pointing at the newer one already seen
            pos = pd.Series(np.where(behind, np.nan, winner.astype("float64")))
            winner = pos.groupby(group, sort=False).ffill().to_numpy().astype(np.int64)
            del pos
    # 3. one merge_asof finds, per entity row, the last feature row available at or before T
    e_ns = utc_ns(entity_df[entity_timestamp], entity_timestamp).astype("int64")
    left = pd.DataFrame({"_k": e_code, "_t": e_ns, "_row": np.arange(len(entity_df), dtype=np.int64)})
    left = left.iloc[np.argsort(e_ns, kind="stable")]
    matched = pd.merge_asof(left, right, on="_t", by="_k", direction="backward", allow_exact_matches=True)
    hit = np.full(len(entity_df), -1, dtype=np.int64)
    pos = matched["_pos"].to_numpy(dtype="float64", na_value=np.nan)
    ok = ~np.isnan(pos)
    rows = matched["_row"].to_numpy()
    hit[rows[ok]] = winner[pos[ok].astype(np.int64)]
    # 4. TTL: the winner has the latest event_ts, so if it is too old every qualifying row is too old
    if ttl is not None:
        ttl_ns = pd.Timedelta(ttl).value
        has = hit >= 0
        too_old = np.zeros(len(entity_df), dtype=bool)
        too_old[has] = f_event[hit[has]] < e_ns[has] - ttl_ns
        hit[too_old] = -1
    # 5. gather the winners' feature values; rows without a winner get nulls of the column's type
    out = entity_df.copy()
    found = hit >= 0
    source_rows = order[np.where(found, hit, 0)] if n_feat else np.zeros(len(entity_df), dtype=np.int64)
    for col in features:
        values = feature_df[col]
        if n_feat == 0:
            out[col] = pd.Series(
                pd.array([None] * len(entity_df), dtype=values.dtype) if len(entity_df) else values.iloc[:0].array,
                index=out.index,
            )
            continue
        taken = values.iloc[source_rows]
        taken.index = out.index
        out[col] = taken.where(pd.Series(found, index=out.index))
    return out


def point_in_time_join_reference(
    entity_df: pd.DataFrame,
    feature_df: pd.DataFrame,
    *,
    keys: Sequence[str],
    features: Sequence[str],
    entity_timestamp: str = "event_timestamp",
    ttl: pd.Timedelta | None = None,
    event_ts: str = "event_ts",
    available_at: str = "available_at",
) -> pd.DataFrame:
    """The same rule as :func:`point_in_time_join`, written as a loop over entity rows (slow; for tests)."""
    keys, features = list(keys), list(features)
    _validate(entity_df, feature_df, keys, entity_timestamp, features, event_ts, available_at)
    ev = feature_df[event_ts].dt.tz_convert("UTC")
    av = feature_df[available_at].dt.tz_convert("UTC")
    av = av.where(av >= ev, ev)
    out = entity_df.copy()
    columns: dict[str, list] = {c: [] for c in features}
    for _, row in entity_df.iterrows():
        t = row[entity_timestamp].tz_convert("UTC")
        ok = np.ones(len(feature_df), dtype=bool)
        for k in keys:
            ok &= (feature_df[k] == row[k]).to_numpy()
        ok &= (av <= t).to_numpy()
        if ttl is not None:
            ok &= (ev >= t - pd.Timedelta(ttl)).to_numpy()
        best = None
        for i in np.flatnonzero(ok):  # latest event_ts, then latest available_at, then later input row
            rank = (ev.iloc[i], av.iloc[i], i)
            if best is None or rank > best[0]:
                best = (rank, i)
        for c in features:
            columns[c].append(None if best is None else feature_df[c].iloc[best[1]])
    for c in features:
        out[c] = pd.Series(columns[c], index=out.index, dtype="object")
        out[c] = out[c].astype(feature_df[c].dtype) if len(out) else feature_df[c].iloc[:0].to_numpy()
    return out


__all__ = ["point_in_time_join", "point_in_time_join_reference"]
