"""Training recipes: from parameters to a fitted model, its backtest metrics and plots — no MLflow here.

A recipe is a pure function of its parameters (seed, sizes, hyper-parameters): the same parameters
give the same data digest, the same model bytes and the same metrics. That is what makes
``ibml train --reproduce RUN_ID`` possible and what :mod:`~reference_impl.lifecycle.train` logs.

Each recipe also defines its **backtest** — a fixed, time-based (anomaly) or held-out (KYC) slice
rebuilt from the parameters — and an evaluator that scores *any* native model of that kind on it, so
a challenger and the champion are compared on exactly the same rows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reference_impl.errors import ConfigError
from reference_impl.governance.lineage import frame_digest, text_digest

RECIPES = ("anomaly", "kyc")
MODEL_NAMES = {"anomaly": "trade-anomaly", "kyc": "kyc-classifier"}

#: Defaults per recipe; every key is logged as an MLflow param and may be overridden.
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "anomaly": {
        "n_trades": 6000,
        "n_days": 20,
        "holdout_fraction": 0.3,
        "n_estimators": 100,
        "contamination": 0.02,
        "anomaly_rate": 0.02,
    },
    "kyc": {"n_clients": 300, "n_docs": 1200, "target_precision": 0.95, "test_size": 0.25, "val_size": 0.25},
}


@dataclass
class RecipeResult:
    """What a recipe produced; the tracking layer logs it, the registry registers it."""

    recipe: str
    kind: str
    model: Any
    params: dict[str, Any]
    metrics: dict[str, float]
    datasets: dict[str, tuple[pd.DataFrame, dict[str, Any]]]
    data_digest: str
    feature_views: dict[str, str]
    input_example: pd.DataFrame
    figures: dict[str, Any] = field(default_factory=dict)
    #: the global SHAP explanation of the trained model (anomaly recipe), logged under ``explainability/``
    explanation: Any = None


def resolve_params(recipe: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults of ``recipe`` updated with ``overrides`` (unknown keys are refused), types kept."""
    if recipe not in DEFAULT_PARAMS:
        raise ConfigError(f"unknown recipe {recipe!r}; expected one of {', '.join(RECIPES)}")
    params = dict(DEFAULT_PARAMS[recipe])
    for key, value in (overrides or {}).items():
        if key not in params:
            raise ConfigError(f"unknown parameter {key!r} for recipe {recipe!r}; known: {', '.join(sorted(params))}")
        try:
            params[key] = type(params[key])(value)
        except (TypeError, ValueError):
            raise ConfigError(
                f"parameter {key!r} of recipe {recipe!r} must be a {type(params[key]).__name__}, got {value!r}"
            ) from None
    return params


# -- anomaly -------------------------------------------------------------------------------
def anomaly_data(seed: int, params: Mapping[str, Any]) -> dict[str, Any]:
    """Trades and their features, split by booking time into training and backtest rows.

    Memoised on the data parameters (the recipe is pure), so training a challenger with other
    hyper-parameters, and validating it, reuse the same frames; callers must not mutate them.
    :func:`clear_data_cache` forces regeneration (``--reproduce`` does).
    """
    return _anomaly_data(
        int(seed),
        int(params["n_trades"]),
        int(params["n_days"]),
        float(params["anomaly_rate"]),
        float(params["holdout_fraction"]),
    )


@functools.lru_cache(maxsize=4)
def _anomaly_data(
    seed: int, n_trades: int, n_days: int, anomaly_rate: float, holdout_fraction: float
) -> dict[str, Any]:
    from reference_impl import data
    from reference_impl.features import build_trade_features

    ref = data.make_reference_data(seed=seed)
    prices = data.make_prices(ref, n_days=n_days, seed=seed)
    trades = data.make_trades(ref, prices, n_trades=n_trades, seed=seed, anomaly_rate=anomaly_rate)
    features = build_trade_features(trades, ref, prices)
    cut = trades["booking_ts"].quantile(1.0 - holdout_fraction)
    train = (trades["booking_ts"] < cut).to_numpy()
    return {"trades": trades, "features": features, "train": train, "cut": cut}


def clear_data_cache() -> None:
    """Forget memoised recipe data so the next call regenerates it from the seed."""
    _anomaly_data.cache_clear()
    _kyc_data.cache_clear()


def fit_anomaly(train_features: pd.DataFrame, seed: int, params: Mapping[str, Any]) -> tuple[Any, str]:
    """Fit the anomaly model on training features; returns ``(model, pyfunc kind)`` (always ``"detector"``)."""
    from reference_impl.anomaly import TradeAnomalyDetector

    model = TradeAnomalyDetector(
        n_estimators=int(params["n_estimators"]), contamination=float(params["contamination"]), random_state=seed
    ).fit(train_features)
    return model, "detector"


#: The KYC model's input example: a synthetic document naming no real (generated) person or number.
KYC_INPUT_EXAMPLE = (
    "Certificate of incorporation of Example Holdings Ltd, company number [redacted], "
    "registered office [redacted address]"
)


def synthetic_input_example(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every identifier column (``*_id``, text) replaced by synthetic values.

    MLflow stores the input example in plain JSON next to the model (``input_example.json``,
    ``serving_input_example.json``), outside the pseudonymised stores; it must hold no trader,
    counterparty or client id. Numbers, timestamps and categories stay (they carry no identity).

    >>> synthetic_input_example(pd.DataFrame({"trader_id": ["T-042"], "qty": [5]})).loc[0, "trader_id"]
    'trader-example-0'
    """
    out = frame.reset_index(drop=True).copy()
    for col in out.columns:
        name = str(col)
        if name.endswith("_id") or name in ("text", "account", "client_name"):
            prefix = name.removesuffix("_id")
            out[col] = pd.Series([f"{prefix}-example-{i}" for i in range(len(out))], dtype=out[col].dtype)
    return out


def anomaly_model_input(kind: str, features: pd.DataFrame) -> pd.DataFrame:
    """The columns the pyfunc model takes: full feature rows for the detector, model features otherwise."""
    from reference_impl.features import MODEL_FEATURES

    return features.reset_index(drop=True) if kind == "detector" else features[MODEL_FEATURES].reset_index(drop=True)


def anomaly_metrics(kind: str, model: Any, features: pd.DataFrame, trades: pd.DataFrame) -> dict[str, float]:
    """Backtest metrics: precision/recall/F1 of the flags, ROC/PR-AUC of the scores, recall per type."""
    from reference_impl.evaluation import metrics as M
    from reference_impl.lifecycle.pyfunc import predict_frame

    out = predict_frame(kind, model, anomaly_model_input(kind, features))
    y = trades["is_anomaly"].to_numpy(dtype=bool)
    flagged = out["flagged"].to_numpy(dtype=bool)
    scores = out["score"].to_numpy(dtype=float)
    tp = int((flagged & y).sum())
    metrics = {
        "precision": tp / int(flagged.sum()) if flagged.any() else 0.0,
        "recall": tp / int(y.sum()) if y.any() else float("nan"),
        "flag_rate": float(flagged.mean()),
        "roc_auc": M.roc_auc(y, scores) if 0 < y.sum() < len(y) else float("nan"),
        "average_precision": M.pr_auc(y, scores) if 0 < y.sum() < len(y) else float("nan"),
        "n_backtest": float(len(y)),
    }
    p, r = metrics["precision"], metrics["recall"]
    metrics["f1"] = 2 * p * r / (p + r) if p + r > 0 else 0.0
    if y.any():
        by_type = M.recall_by_type(y, flagged, trades["anomaly_type"].to_numpy(dtype=object))
        metrics.update({f"recall.{row.anomaly_type}": float(row.recall) for row in by_type.itertuples()})
    return {k: float(v) for k, v in metrics.items()}


def train_anomaly(seed: int, params: Mapping[str, Any]) -> RecipeResult:
    """Generate trades, build features, fit on the early weeks, backtest on the latest ones."""
    from reference_impl.features import FEATURE_VIEWS

    d = anomaly_data(seed, params)
    features, trades, train = d["features"], d["trades"], d["train"]
    model, kind = fit_anomaly(features.loc[train].reset_index(drop=True), seed, params)
    test_features = features.loc[~train].reset_index(drop=True)
    test_trades = trades.loc[~train].reset_index(drop=True)
    metrics = anomaly_metrics(kind, model, test_features, test_trades)
    train_frame = anomaly_model_input(kind, features.loc[train])
    source = {
        "generator": "reference_impl.data.make_trades",
        "seed": seed,
        "n_trades": params["n_trades"],
        "n_days": params["n_days"],
        "anomaly_rate": params["anomaly_rate"],
    }
    datasets = {
        "trade_features_train": (train_frame, {**source, "split": f"booking_ts < {d['cut'].isoformat()}"}),
        "trade_features_backtest": (
            anomaly_model_input(kind, test_features),
            {**source, "split": f"booking_ts >= {d['cut'].isoformat()}"},
        ),
    }
    return RecipeResult(
        recipe="anomaly",
        kind=kind,
        model=model,
        params=dict(params),
        metrics=metrics,
        datasets=datasets,
        data_digest=frame_digest(train_frame),
        feature_views=_view_versions(FEATURE_VIEWS),
        input_example=synthetic_input_example(anomaly_model_input(kind, test_features.head(3))),
        figures={"plots/score_distribution.png": _score_plot(kind, model, test_features, test_trades)},
        explanation=anomaly_explanation(model, features.loc[train], seed),
    )


def anomaly_explanation(model: Any, train_features: pd.DataFrame, seed: int) -> Any:
    """The global SHAP picture of a trained detector over a seeded sample of its training rows.

    Training rows, because the card describes what the model learned; the sample is fixed by the
    recipe's seed, so retraining with the same parameters reproduces the report.
    """
    from reference_impl.anomaly.global_explain import global_explanation

    return global_explanation(model, train_features, seed=seed)


# -- KYC -----------------------------------------------------------------------------------
def kyc_data(seed: int, params: Mapping[str, Any]) -> pd.DataFrame:
    """Synthetic KYC documents (memoised like :func:`anomaly_data`)."""
    return _kyc_data(int(seed), int(params["n_clients"]), int(params["n_docs"]))


@functools.lru_cache(maxsize=2)
def _kyc_data(seed: int, n_clients: int, n_docs: int) -> pd.DataFrame:
    from reference_impl import data

    clients = data.make_clients(n_clients, seed=seed)
    return data.make_kyc_documents(clients, n_docs, seed=seed)


def kyc_metrics(model: Any, test: pd.DataFrame) -> dict[str, float]:
    """Accuracy, macro-F1, calibration and routing on the held-out test split, plus F1 per class."""
    from reference_impl.kyc import evaluate_kyc

    ev = evaluate_kyc(model, test)
    per_class = ev.per_class
    overall = ev.by_subset[ev.by_subset["group"] == "all"].iloc[0]
    metrics = {
        "accuracy": float(overall["accuracy"]),
        "macro_f1": float(per_class["f1"].mean()),
        "auto_accept_rate": float(overall["auto_accept"]),
        "manual_review_rate": float(overall["manual_review"]),
        "brier": float(ev.brier),
        "ece": float(ev.ece),
    }
    aap = float(overall["auto_accept_precision"])
    if np.isfinite(aap):
        metrics["auto_accept_precision"] = aap
    for cls, f1 in zip(per_class["class"], per_class["f1"]):
        metrics[f"f1.{cls}"] = float(f1)
    return metrics


def train_kyc(seed: int, params: Mapping[str, Any]) -> RecipeResult:
    """Generate documents, train and calibrate the routed classifier, evaluate on the test split."""
    from reference_impl.kyc.training import train_kyc_model

    docs = kyc_data(seed, params)
    result = train_kyc_model(
        docs,
        seed=seed,
        target_precision=float(params["target_precision"]),
        val_size=float(params["val_size"]),
        test_size=float(params["test_size"]),
    )
    source = {
        "generator": "reference_impl.data.make_kyc_documents",
        "seed": seed,
        "n_clients": params["n_clients"],
        "n_docs": params["n_docs"],
    }
    cols = ["doc_id", "text", "label", "subset"]
    datasets = {
        "kyc_documents_train": (result.train[cols], {**source, "split": "train"}),
        "kyc_documents_test": (result.test[cols], {**source, "split": "test"}),
    }
    return RecipeResult(
        recipe="kyc",
        kind="classifier",
        model=result.model,
        params=dict(params),
        metrics=kyc_metrics(result.model, result.test),
        datasets=datasets,
        data_digest=frame_digest(result.train[cols]),
        feature_views={},
        input_example=pd.DataFrame({"text": [KYC_INPUT_EXAMPLE]}),  # synthetic: no generated person in MLflow
        figures={"plots/reliability.png": _reliability_plot(result.evaluation)},
    )


def kyc_backtest(seed: int, params: Mapping[str, Any]) -> pd.DataFrame:
    """The held-out test split the recipe evaluates on (rebuilt from the parameters)."""
    from reference_impl.kyc.training import split_documents

    docs = kyc_data(seed, params)
    return split_documents(docs, val_size=float(params["val_size"]), test_size=float(params["test_size"]), seed=seed)[2]


# -- dispatch ------------------------------------------------------------------------------
def train_recipe(recipe: str, seed: int, overrides: Mapping[str, Any] | None = None) -> RecipeResult:
    """Run ``recipe`` with its defaults updated by ``overrides``."""
    params = resolve_params(recipe, overrides)
    if seed < 0:
        raise ConfigError(f"seed must be non-negative, got {seed}")
    return train_anomaly(seed, params) if recipe == "anomaly" else train_kyc(seed, params)


def backtest_evaluator(
    recipe: str, seed: int, params: Mapping[str, Any], kind: str | None = None
) -> Callable[[Any], dict[str, float]]:
    """A function scoring any native model of ``recipe`` on the recipe's backtest rows."""
    params = resolve_params(recipe, params)
    if recipe == "anomaly":
        d = anomaly_data(seed, params)
        feats = d["features"].loc[~d["train"]].reset_index(drop=True)
        trades = d["trades"].loc[~d["train"]].reset_index(drop=True)

        def evaluate_anomaly(model: Any) -> dict[str, float]:
            model_kind = kind or ("detector" if hasattr(model, "decide") else "estimator")
            return anomaly_metrics(model_kind, model, feats, trades)

        return evaluate_anomaly
    test = kyc_backtest(seed, params)
    return lambda model: kyc_metrics(model, test)


def backtest_name(recipe: str, seed: int, params: Mapping[str, Any]) -> str:
    """Human-readable name of the backtest (goes into the validation report)."""
    params = resolve_params(recipe, params)
    if recipe == "anomaly":
        return (
            f"time-based holdout: last {params['holdout_fraction']:.0%} of booking time, "
            f"{params['n_trades']} trades, seed {seed}"
        )
    return f"held-out test split ({params['test_size']:.0%}) of {params['n_docs']} documents, seed {seed}"


def _view_versions(views: Mapping[str, Any]) -> dict[str, str]:
    """Version of each feature view: its ``version`` tag, else a digest of its definition.

    The digest covers the schema, TTL and transformation name, so any change to what a view
    computes gives it a new version in the lineage of every model trained after the change.
    """
    out = {}
    for name, view in views.items():
        tags = dict(getattr(view, "tags", {}) or {})
        if "version" in tags:
            out[name] = str(tags["version"])
            continue
        transform = getattr(view, "transformation", None)
        definition = repr(
            (
                name,
                [(f.name, str(getattr(f, "dtype", ""))) for f in getattr(view, "schema", ())],
                str(getattr(view, "ttl", "")),
                getattr(transform, "__qualname__", repr(transform)),
            )
        )
        out[name] = "def-" + text_digest(definition)[:12]
    return dict(sorted(out.items()))


def _score_plot(kind: str, model: Any, features: pd.DataFrame, trades: pd.DataFrame) -> Any:
    from matplotlib.figure import Figure

    from reference_impl.lifecycle.pyfunc import predict_frame

    scores = predict_frame(kind, model, anomaly_model_input(kind, features))["score"].to_numpy()
    y = trades["is_anomaly"].to_numpy(dtype=bool)
    fig = Figure(figsize=(5, 3.5))
    ax = fig.subplots()
    bins = np.linspace(scores.min(), scores.max(), 40).tolist()
    ax.hist(scores[~y], bins=bins, alpha=0.6, label="normal", density=True)
    ax.hist(scores[y], bins=bins, alpha=0.6, label="anomaly", density=True)
    ax.set(xlabel="anomaly score (higher = more unusual)", ylabel="density", title="Backtest score distribution")
    ax.legend()
    return fig


def _reliability_plot(evaluation: Any) -> Any:
    from matplotlib.figure import Figure

    curve = evaluation.reliability
    fig = Figure(figsize=(4, 4))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey")
    if len(curve):
        xcol = next(c for c in curve.columns if "conf" in c or "predicted" in c)
        ycol = next(c for c in curve.columns if "acc" in c or "observed" in c)
        ax.plot(curve[xcol], curve[ycol], marker="o")
    ax.set(xlabel="confidence", ylabel="accuracy", title="Reliability (test split)")
    return fig


__all__ = [
    "DEFAULT_PARAMS",
    "MODEL_NAMES",
    "RECIPES",
    "RecipeResult",
    "backtest_evaluator",
    "backtest_name",
    "clear_data_cache",
    "resolve_params",
    "train_recipe",
]
