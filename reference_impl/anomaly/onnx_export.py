"""The anomaly forest as an ONNX graph, scored with onnxruntime: a model a JVM or .NET service can embed.

A bank whose core platform is Java can either call the Python service over HTTP or load the model into its own
process. ONNX is the portable format for the second: :func:`to_onnx_bytes` converts the fitted forest with
skl2onnx, :class:`OnnxForestScorer` scores it with onnxruntime (whose Java API, ``ai.onnxruntime``, runs the same
file), and :func:`export_onnx` / :func:`load_onnx` write and read a *sealed* directory, because the ONNX file is a
model artifact that must be approved like the pickle (it is not code, but a swapped graph is a swapped model).

Two graphs, one contract. ``graph="skl2onnx"`` (the default) is the standard converter's output: per tree a
``TreeEnsembleRegressor`` that finds the leaf, ``LabelEncoder``s for its depth and sample count and the ``c(n)``
arithmetic, about 27 nodes a tree (2,710 for 100 trees). ``graph="folded"`` is the same forest as *one*
``TreeEnsembleRegressor`` whose leaf weights are already ``(depth + c(n_leaf)) / (n_trees * c(max_samples))``, then
``-2 ** -sum`` (6 nodes). Both score the same (the parity tests hold each to the fast scorer), but onnxruntime pays a
few microseconds per node per call, so on one row the folded graph is two orders of magnitude faster
(``benchmarks/bench_onnx.py``): it is the one to embed in a latency-bound JVM service. Both are plain ONNX
(``ai.onnx.ml`` opset 3), so ONNX Runtime's Java API runs either.

Mapping the outputs. Each graph has an output ``scores``, scikit-learn's ``decision_function = score_samples -
offset_`` (skl2onnx's also has ``label``, -1/+1). The anomaly score the detector thresholds is
``-(scores + offset_)``; the offset is stored in the model's metadata (``metadata_props``) with the feature names,
the training medians (impute NaN with them first, as the detector does) and the threshold, so an embedding
service needs the ``.onnx`` file only.

Precision. Inputs are float32 in all three (scikit-learn casts them too), so every split goes the same way; the
path lengths and their sum are float32 inside onnxruntime, so scores differ from the fast scorer's float64 ones by a
few 1e-7 (the parity test measures it on 10,000 rows and requires <= 1e-6).

Needs the ``onnx`` extra (``pip install 'ibml[onnx]'``); without it, every function here raises one
:class:`~reference_impl.errors.ConfigError` line naming the extra, and the module itself still imports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import IsolationForest

from reference_impl.anomaly.detector import TradeAnomalyDetector
from reference_impl.anomaly.forest import IsolationForestDetector, average_path_length
from reference_impl.anomaly.persistence import detector_metadata
from reference_impl.errors import ConfigError, ErrorKind, ModelError, ModelInputError
from reference_impl.governance.lineage import file_digest
from reference_impl.governance.seal import seal_digest, seal_key, verify_seal
from reference_impl.workspace import atomic_dir

ONNX_FILE = "detector.onnx"
ONNX_DIGEST_FILE = ONNX_FILE + ".sha256"
ONNX_SEAL_FILE = ONNX_FILE + ".seal"
ONNX_METADATA_FILE = "metadata.json"
#: a seal for the pickle does not open the ONNX file, and the other way round
ONNX_SEAL_PURPOSE = "trade-detector-onnx"
EXTRA_HINT = "the ONNX export needs the 'onnx' extra: pip install 'ibml[onnx]'"
#: ONNX operator sets: ai.onnx.ml 3 is the TreeEnsembleRegressor every onnxruntime >= 1.10 (Python and Java) runs
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
INPUT_NAME = "X"
SCORE_FORMULA = "anomaly_score = -(scores + offset); flagged by the model when anomaly_score >= threshold"


GRAPHS = ("skl2onnx", "folded")


def _require_onnx() -> tuple[Any, Any]:
    """``(skl2onnx, onnxruntime)``, or one ConfigError line naming the extra."""
    try:
        import onnx  # noqa: F401 — the folded graph is built with it; part of the same extra
        import onnxruntime
        import skl2onnx
    except ImportError:
        raise ConfigError(EXTRA_HINT) from None
    return skl2onnx, onnxruntime


def _forest_and_meta(model: Any) -> tuple[IsolationForest, dict[str, str]]:
    """The scikit-learn forest inside ``model`` and the metadata an embedding service needs to use it."""
    if isinstance(model, TradeAnomalyDetector):
        model._check_is_fitted()
        forest = model.estimator_.forest_
        meta = {
            "features": json.dumps(list(model.features_)),
            "medians": json.dumps([float(m) for m in model.medians_]),
            "threshold": repr(float(model.threshold_)),
            "model_version": model.model_version_,
        }
    elif isinstance(model, IsolationForestDetector):
        if not hasattr(model, "forest_"):
            raise ModelError("cannot export an unfitted IsolationForestDetector: call fit first")
        forest, meta = model.forest_, {}
        if hasattr(model, "feature_names_in_"):
            meta["features"] = json.dumps([str(n) for n in model.feature_names_in_])
    elif isinstance(model, IsolationForest):
        if not hasattr(model, "estimators_"):
            raise ModelError("cannot export an unfitted IsolationForest: call fit first")
        forest, meta = model, {}
    else:
        raise ModelError(
            f"expected a TradeAnomalyDetector, IsolationForestDetector or IsolationForest, got {type(model).__name__}"
        )
    meta["offset"] = repr(float(forest.offset_))
    meta["n_features"] = str(int(forest.n_features_in_))
    meta["score_formula"] = SCORE_FORMULA
    return forest, meta


def _skl2onnx_graph(forest: IsolationForest) -> Any:
    """skl2onnx's conversion: outputs ``label`` and ``scores`` (float32, shape (n, 1))."""
    skl2onnx, _ = _require_onnx()
    from skl2onnx.common.data_types import FloatTensorType

    n_features, per_tree = int(forest.n_features_in_), len(forest.estimators_features_[0])
    if per_tree != n_features:  # skl2onnx raises a RuntimeError deep inside its converter for these
        raise ModelError(
            f"skl2onnx cannot convert a forest whose trees see {per_tree} of {n_features} features "
            "(max_features < 1): export it with graph='folded'",
            kind=ErrorKind.INVALID,
        )
    # zipmap/options do not apply to IsolationForest; the input is unnamed columns, so names live in metadata
    return skl2onnx.convert_sklearn(
        forest,
        initial_types=[(INPUT_NAME, FloatTensorType([None, int(forest.n_features_in_)]))],
        target_opset=TARGET_OPSET,
    )


def _folded_graph(forest: IsolationForest) -> Any:
    """The forest as one ``TreeEnsembleRegressor`` summing pre-normalised path lengths; output ``scores`` (float64).

    scikit-learn: ``score_samples = -2 ** (-sum_t (depth_t + c(n_leaf_t)) / (n_trees * c(max_samples)))``, where
    tree ``t`` sees the columns ``estimators_features_[t]`` (so its feature ids are mapped back to ``X``'s). The
    division is folded into the leaf weights, so the float32 sum stays near 1 (its rounding is ~1e-7 there).
    """
    from onnx import TensorProto, checker, helper

    n_trees = len(forest.estimators_)
    denominator = n_trees * float(average_path_length(np.array([forest.max_samples_], dtype=np.float64))[0])
    nodes: dict[str, list[Any]] = {k: [] for k in ("tree", "node", "feature", "value", "mode", "true", "false")}
    leaves: dict[str, list[Any]] = {"tree": [], "node": [], "weight": []}
    for t, (estimator, columns) in enumerate(zip(forest.estimators_, forest.estimators_features_, strict=True)):
        tree = estimator.tree_
        left, right = tree.children_left, tree.children_right
        depth = np.zeros(tree.node_count, dtype=np.int64)
        for i in range(tree.node_count):  # parents come before their children in scikit-learn's node order
            if left[i] != -1:
                depth[left[i]] = depth[right[i]] = depth[i] + 1
        path = depth + average_path_length(tree.n_node_samples.astype(np.float64))
        for i in range(tree.node_count):
            is_leaf = left[i] == -1
            nodes["tree"].append(t)
            nodes["node"].append(i)
            nodes["feature"].append(0 if is_leaf else int(columns[tree.feature[i]]))
            nodes["value"].append(0.0 if is_leaf else float(tree.threshold[i]))
            nodes["mode"].append("LEAF" if is_leaf else "BRANCH_LEQ")  # scikit-learn goes left when x <= threshold
            nodes["true"].append(0 if is_leaf else int(left[i]))
            nodes["false"].append(0 if is_leaf else int(right[i]))
            if is_leaf:
                leaves["tree"].append(t)
                leaves["node"].append(i)
                leaves["weight"].append(float(path[i] / denominator))
    ensemble = helper.make_node(
        "TreeEnsembleRegressor",
        [INPUT_NAME],
        ["mean_path"],
        domain="ai.onnx.ml",
        nodes_treeids=nodes["tree"],
        nodes_nodeids=nodes["node"],
        nodes_featureids=nodes["feature"],
        nodes_values=nodes["value"],
        nodes_modes=nodes["mode"],
        nodes_truenodeids=nodes["true"],
        nodes_falsenodeids=nodes["false"],
        target_treeids=leaves["tree"],
        target_nodeids=leaves["node"],
        target_ids=[0] * len(leaves["weight"]),
        target_weights=leaves["weight"],
        n_targets=1,
        aggregate_function="SUM",
        post_transform="NONE",
    )
    graph = helper.make_graph(
        [
            ensemble,
            helper.make_node("Cast", ["mean_path"], ["mean_path64"], to=TensorProto.DOUBLE),
            helper.make_node("Neg", ["mean_path64"], ["exponent"]),
            helper.make_node("Pow", ["two", "exponent"], ["minus_score_samples"]),
            helper.make_node("Neg", ["minus_score_samples"], ["score_samples"]),
            helper.make_node("Sub", ["score_samples", "offset"], ["scores"]),
        ],
        "ibml_iforest_folded",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, [None, int(forest.n_features_in_)])],
        [helper.make_tensor_value_info("scores", TensorProto.DOUBLE, [None, 1])],
        initializer=[
            helper.make_tensor("two", TensorProto.DOUBLE, [], [2.0]),
            helper.make_tensor("offset", TensorProto.DOUBLE, [], [float(forest.offset_)]),
        ],
    )
    opsets = [helper.make_opsetid(domain, version) for domain, version in TARGET_OPSET.items()]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="ibml")
    model.ir_version = 8  # what opset 17 needs; older onnxruntime (and its Java API) reject newer IR versions
    checker.check_model(model)
    return model


def to_onnx_bytes(
    model: TradeAnomalyDetector | IsolationForestDetector | IsolationForest, *, graph: str = "skl2onnx"
) -> bytes:
    """The fitted forest of ``model`` as a serialised ONNX model (input ``X``: float32, shape (n, n_features)).

    ``graph`` is ``"skl2onnx"`` (the converter's graph) or ``"folded"`` (one tree-ensemble node: the one to embed
    when latency matters; see the module docstring). The model's ``metadata_props`` carry ``offset``,
    ``n_features``, ``score_formula``, ``graph`` and, for a trade detector, ``features``, ``medians``,
    ``threshold`` and ``model_version``.

    Raises
    ------
    ConfigError
        Without the ``onnx`` extra.
    ModelError
        If ``model`` is not a fitted forest, or ``graph`` is not one of :data:`GRAPHS`.
    """
    _require_onnx()
    if graph not in GRAPHS:
        raise ModelError(f"unknown ONNX graph {graph!r}: expected one of {', '.join(GRAPHS)}", kind=ErrorKind.INVALID)
    forest, meta = _forest_and_meta(model)
    meta["graph"] = graph
    onx = _skl2onnx_graph(forest) if graph == "skl2onnx" else _folded_graph(forest)
    for key, value in sorted(meta.items()):
        prop = onx.metadata_props.add()
        prop.key, prop.value = key, value
    onx.doc_string = "ibml trade anomaly forest; " + SCORE_FORMULA
    return bytes(onx.SerializeToString())


class OnnxForestScorer:
    """Score an exported forest with onnxruntime, on the same scale as :class:`FastForestScorer`.

    Parameters
    ----------
    model_bytes : bytes
        A model from :func:`to_onnx_bytes` (its metadata must hold ``offset`` and ``n_features``).
    intra_op_threads : int, default=1
        onnxruntime's threads per call. One is what a service scoring one trade per request wants (and what the
        fast scorer uses); raise it for large offline batches.

    Attributes
    ----------
    offset, threshold : float (threshold None for a bare forest)
    feature_names, medians : list or None
    model_version : str or None
    graph : str
        ``"skl2onnx"`` or ``"folded"`` (see :func:`to_onnx_bytes`).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(1).normal(size=(300, 3))
    >>> det = IsolationForestDetector(n_estimators=20, random_state=0).fit(X)
    >>> onnx_scorer = OnnxForestScorer(to_onnx_bytes(det))
    >>> bool(np.max(np.abs(onnx_scorer.score_samples(X) - det.score_samples(X))) <= 1e-6)
    True
    """

    def __init__(self, model_bytes: bytes, *, intra_op_threads: int = 1) -> None:
        _, ort = _require_onnx()
        options = ort.SessionOptions()
        options.intra_op_num_threads = intra_op_threads
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(model_bytes, sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 — onnxruntime raises its own untyped errors for a bad file
            raise ModelError(f"not a loadable ONNX model: {' '.join(str(exc).split())[:200]}") from None
        meta = self._session.get_modelmeta().custom_metadata_map
        missing = [k for k in ("offset", "n_features") if k not in meta]
        if missing:
            raise ModelError(f"ONNX model has no {missing} in its metadata: export it with to_onnx_bytes")
        self.offset = float(meta["offset"])
        self.n_features = int(meta["n_features"])
        self.threshold = float(meta["threshold"]) if "threshold" in meta else None
        self.feature_names = json.loads(meta["features"]) if "features" in meta else None
        self.medians = json.loads(meta["medians"]) if "medians" in meta else None
        self.model_version = meta.get("model_version")
        self.graph = meta.get("graph", "skl2onnx")
        self._outputs = ["scores"]

    def _as_matrix(self, X: Any) -> np.ndarray:
        names = getattr(X, "columns", None)
        if names is not None and self.feature_names is not None and [str(c) for c in names] != self.feature_names:
            raise ModelInputError(
                f"feature names/order differ from fit: expected {self.feature_names}, got {[str(c) for c in names]}"
            )
        try:
            X = np.ascontiguousarray(X, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise ModelInputError(f"features must be numeric: {exc}") from None
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.ndim != 2 or X.shape[0] == 0:
            raise ModelInputError(f"expected a non-empty 2-D feature matrix, got shape {X.shape}")
        if X.shape[1] != self.n_features:
            raise ModelInputError(f"X has {X.shape[1]} features, but the ONNX forest expects {self.n_features}")
        if not np.isfinite(X).all():
            row, col = np.argwhere(~np.isfinite(X))[0]
            name = self.feature_names[col] if self.feature_names else f"column {col}"
            raise ModelInputError(f"non-finite feature value {X[row, col]!r} in {name} (row {row}): impute first")
        return X

    def decision_function(self, X: Any) -> np.ndarray:
        """The graph's ``scores`` output (``score_samples - offset``), as float64."""
        (scores,) = self._session.run(self._outputs, {INPUT_NAME: self._as_matrix(X)})
        return np.asarray(scores, dtype=np.float64).ravel()

    def score_samples(self, X: Any) -> np.ndarray:
        """scikit-learn's score (lower = more anomalous), like ``FastForestScorer.score_samples``."""
        return self.decision_function(X) + self.offset

    def anomaly_score(self, X: Any) -> np.ndarray:
        """The paper's anomaly score (higher = more anomalous): what the trade detector thresholds."""
        return -self.score_samples(X)

    def model_flags(self, X: Any) -> np.ndarray:
        """``anomaly_score >= threshold``: the model's half of a decision (rules and overrides are not in the graph)."""
        if self.threshold is None:
            raise ModelError("this ONNX model carries no threshold: export it from a TradeAnomalyDetector")
        return self.anomaly_score(X) >= self.threshold


def export_onnx(detector: TradeAnomalyDetector, path: Path | str, *, graph: str = "skl2onnx") -> Path:
    """Write ``detector``'s forest as a sealed ONNX directory at ``path`` (replaced as a whole); returns it.

    Layout: ``detector.onnx``, its ``.sha256``, its ``.seal`` (HMAC under the model-seal key, purpose
    ``trade-detector-onnx``) and ``metadata.json`` (the detector's metadata, the sha256, the graph and the score
    formula). ``graph``: see :func:`to_onnx_bytes`.
    """
    if not isinstance(detector, TradeAnomalyDetector):
        raise ModelError(
            f"export_onnx expects a TradeAnomalyDetector, got {type(detector).__name__}", kind=ErrorKind.INVALID
        )
    meta = detector_metadata(detector)  # raises ModelNotFittedError when unfitted
    model_bytes = to_onnx_bytes(detector, graph=graph)
    path = Path(path)
    key = seal_key(create=True)
    with atomic_dir(path) as tmp:
        (tmp / ONNX_FILE).write_bytes(model_bytes)
        digest = file_digest(tmp / ONNX_FILE)
        (tmp / ONNX_DIGEST_FILE).write_text(f"{digest}  {ONNX_FILE}\n")
        (tmp / ONNX_SEAL_FILE).write_text(seal_digest(key, ONNX_SEAL_PURPOSE, digest) + "\n")
        extra = {
            "sha256": digest,
            "format": "onnx",
            "graph": graph,
            "opset": TARGET_OPSET,
            "score_formula": SCORE_FORMULA,
        }
        (tmp / ONNX_METADATA_FILE).write_text(json.dumps({**meta, **extra}, indent=2, sort_keys=True))
    return path


def load_onnx(path: Path | str, *, intra_op_threads: int = 1) -> OnnxForestScorer:
    """Load a directory written by :func:`export_onnx`, after checking its digest and its seal.

    Raises
    ------
    ModelError
        If the file, its digest or its seal is missing or does not match.
    """
    path = Path(path)
    model = path / ONNX_FILE
    if not model.is_file():
        raise ModelError(f"no exported ONNX detector at {path} (expected {ONNX_FILE})", kind=ErrorKind.NOT_FOUND)
    for name in (ONNX_DIGEST_FILE, ONNX_SEAL_FILE):
        if not (path / name).is_file():
            raise ModelError(f"ONNX detector at {path} has no {name}: refusing an unverified model")
    recorded = (path / ONNX_DIGEST_FILE).read_text().split()
    actual = file_digest(model)
    if not recorded or recorded[0] != actual:
        raise ModelError(f"ONNX detector at {path} failed its integrity check (sha256 {actual[:12]}…)")
    try:
        key = seal_key(create=False)
    except ConfigError as exc:
        raise ModelError(f"ONNX detector at {path} cannot be verified: {exc}") from None
    if not verify_seal(key, ONNX_SEAL_PURPOSE, actual, (path / ONNX_SEAL_FILE).read_text()):
        raise ModelError(f"ONNX detector at {path} failed its seal check: it was not exported with this host's key")
    return OnnxForestScorer(model.read_bytes(), intra_op_threads=intra_op_threads)


__all__ = [
    "EXTRA_HINT",
    "GRAPHS",
    "ONNX_FILE",
    "OnnxForestScorer",
    "export_onnx",
    "load_onnx",
    "to_onnx_bytes",
]
