"""``ibml features materialize|get|views``: build the feature stores and read them from the command line."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pandas as pd

from reference_impl.errors import ConfigError

_TABLES = ["trades", "prices", "desks", "calendar", "counterparties", "instruments"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("features", help="build, materialise and read the feature store")
    sub = parser.add_subparsers(dest="features_command", metavar="ACTION")
    sub.required = True

    mat = sub.add_parser(
        "materialize",
        help="build every feature view from the workspace dataset, write the "
        "offline store and materialise the online store incrementally",
    )
    mat.add_argument("--data-dir", type=Path, default=None, help="dataset directory (default: workspace data dir)")
    mat.add_argument("--view", action="append", dest="views", metavar="VIEW", help="only this view (repeatable)")
    mat.add_argument(
        "--end",
        default=None,
        help="treat the data as known at this UTC time (ISO 8601): the offline store is rebuilt "
        "from rows available by then and the online store catches up to it (default: all)",
    )
    mat.add_argument(
        "--credit",
        action="store_true",
        help="also build the credit-risk views (credit data generated from the dataset's reference data, "
        "prices and seed; see docs/credit_risk.md)",
    )
    mat.add_argument("--check", action="store_true", help="then check online values equal offline point-in-time")
    mat.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    mat.set_defaults(func=_materialize)

    get = sub.add_parser("get", help="print the online values of VIEW for each KEY as JSON")
    get.add_argument("view", metavar="VIEW")
    get.add_argument("keys", nargs="+", metavar="KEY", help="entity key; composite keys as BOOK|COUNTERPARTY")
    get.add_argument(
        "--now",
        default="latest",
        help="read as of this UTC time (ISO 8601), 'wallclock', or 'latest' = the view's "
        "high-water mark (default); the view's TTL is enforced relative to it",
    )
    get.add_argument("--features", default=None, help="comma-separated feature names (default: all)")
    get.set_defaults(func=_get)

    views = sub.add_parser("views", help="list the declared feature views")
    views.set_defaults(func=_views)


def _utc(text: str, option: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(text)
    except ValueError:
        raise ConfigError(f"{option} must be an ISO 8601 timestamp, got {text!r}") from None
    if ts.tzinfo is None:
        raise ConfigError(f"{option} must carry a time zone (e.g. {text}Z), got naive {text!r}")
    return ts.tz_convert("UTC")


def _materialize(args: argparse.Namespace) -> int:
    from reference_impl.data import load_dataset
    from reference_impl.features import (
        CREDIT_FEATURE_VIEWS,
        FEATURE_VIEWS,
        OfflineStore,
        OnlineStore,
        check_online_offline,
        get_view,
    )
    from reference_impl.features.pipeline import materialize_features
    from reference_impl.workspace import Workspace

    views = [get_view(v).name for v in args.views] if args.views else None
    if args.credit:
        views = [*(views or FEATURE_VIEWS), *(v for v in CREDIT_FEATURE_VIEWS if v not in (views or ()))]
    end = _utc(args.end, "--end") if args.end else None
    say = (lambda _m: None) if args.quiet else (lambda m: print(f"features: {m}", file=sys.stderr, flush=True))
    say(f"loading dataset from {args.data_dir or 'the workspace data dir'}")
    data = load_dataset(args.data_dir, tables=_TABLES)
    if views and any(v in CREDIT_FEATURE_VIEWS for v in views):
        data.update(_credit_tables(data, args.data_dir))
        say(f"credit data: {len(data['exposures']):,} exposure rows, {len(data['credit_limits']):,} limits")
    ws = Workspace.from_env()
    offline, online = OfflineStore.from_workspace(ws), OnlineStore.from_workspace(ws)
    results = materialize_features(data, offline, online, views=views, end=end, progress=say)
    for r in results:
        mark = r.high_water_mark.isoformat() if r.high_water_mark is not None else None
        print(json.dumps({"view": r.view, "rows": r.rows, "keys": r.keys, "high_water_mark": mark}))
    if args.check:
        bad = 0
        for r in results:
            report = check_online_offline(r.view, offline, online)
            say(report.summary())
            bad += 0 if report.ok else 1
        return 1 if bad else 0
    return 0


def _credit_tables(data: dict, data_dir: Path | None) -> dict:
    """Credit limits and exposures for the dataset: generated from its reference data, prices and seed."""
    from reference_impl.data import Manifest, make_credit_data
    from reference_impl.workspace import Workspace

    manifest = Manifest.read(data_dir if data_dir is not None else Workspace.from_env().data_dir)
    return make_credit_data(data, data["prices"], seed=manifest.seed)


def _json_safe(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _get(args: argparse.Namespace) -> int:
    from reference_impl.features import OnlineStore, get_view

    view = get_view(args.view)
    store = OnlineStore.from_workspace()
    if args.now == "latest":
        now = store.high_water_mark(view)
        if now is None:
            raise ConfigError(f"view {view.name!r} has not been materialised; run `ibml features materialize`")
    elif args.now == "wallclock":
        now = pd.Timestamp.now(tz="UTC")
    else:
        now = _utc(args.now, "--now")
    features = [f.strip() for f in args.features.split(",") if f.strip()] if args.features else None
    rows = store.read(view, list(args.keys), now=now, features=features)
    out = {
        "view": view.name,
        "now": now.isoformat(),
        "ttl_seconds": None if view.ttl is None else view.ttl.total_seconds(),
        "rows": {},
    }
    for key, row in zip(args.keys, rows):
        out["rows"][key] = None if row is None else {k: _json_safe(v) for k, v in row.items()}
    print(json.dumps(out, indent=2, sort_keys=False))
    return 0


def _views(args: argparse.Namespace) -> int:
    from reference_impl.features import ALL_FEATURE_VIEWS

    for view in ALL_FEATURE_VIEWS.values():
        ttl = "none" if view.ttl is None else str(view.ttl)
        kind = " (snapshot)" if view.snapshot else ""
        print(
            f"{view.name}{kind}: key {'+'.join(view.join_keys)}, {len(view.schema)} features, ttl {ttl}, "
            f"owner {view.owner} - {view.description}"
        )
    return 0
