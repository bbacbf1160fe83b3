"""Isolation Forest as a scikit-learn estimator, and a fast flat-array scorer for it.

:class:`IsolationForestDetector` wraps :class:`sklearn.ensemble.IsolationForest` with the stricter input
rules a bank needs (no NaN or infinity, same feature names in the same order as in ``fit``) and the
paper's anomaly score (higher = more anomalous) next to scikit-learn's ``score_samples`` (lower = more
anomalous).

:class:`FastForestScorer` exports the fitted trees to a few flat numpy arrays and scores a batch level by
level. scikit-learn's ``score_samples`` walks each tree in a Python loop (milliseconds for one row); the
flat arrays need tens of microseconds, with the same scores to within 1e-9.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.ensemble import IsolationForest
from sklearn.utils.validation import check_is_fitted, validate_data

from reference_impl.errors import ModelError, ModelInputError

#: the largest padded tree the flat scorer builds: ``n_trees * 2**depth`` leaf slots
MAX_FLAT_LEAVES = 2**24


def average_path_length(n: np.ndarray | float) -> np.ndarray:
    """Expected path length ``c(n)`` of an unsuccessful search in a binary search tree of ``n`` points.

    It normalises isolation depths (Liu, Ting & Zhou 2008, eq. 1): ``c(1) = 0``, ``c(2) = 1``,
    ``c(n) = 2 H(n-1) - 2 (n-1)/n`` with ``H(i) ≈ ln i + γ``.

    Examples
    --------
    >>> average_path_length(np.array([1, 2, 256])).round(4).tolist()
    [0.0, 1.0, 10.2448]
    """
    n = np.asarray(n, dtype=np.float64)
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


def _round_down_float32(threshold: np.ndarray) -> np.ndarray:
    """The largest float32 <= each float64 threshold.

    For a float32 ``x``, ``x > t`` holds exactly when ``x > round_down(t)``, so comparing in float32 gives
    scikit-learn's float64 comparison of float32 inputs bit for bit, at half the memory traffic.
    """
    t32 = threshold.astype(np.float32)
    above = t32.astype(np.float64) > threshold
    t32[above] = np.nextafter(t32[above], np.float32(-np.inf))
    return t32


def _as_input_error(exc: ValueError) -> ModelInputError:
    """Re-raise scikit-learn's validation ``ValueError`` as ours, keeping its (already precise) message."""
    return ModelInputError(" ".join(str(exc).split()))


class IsolationForestDetector(OutlierMixin, BaseEstimator):
    """Unsupervised anomaly detector built on :class:`sklearn.ensemble.IsolationForest`.

    Anomalies are few and different, so random axis-aligned splits isolate them in fewer steps than normal
    points; the average isolation depth over many random trees is the anomaly score.

    Parameters
    ----------
    n_estimators : int, default=100
        Number of isolation trees.
    max_samples : "auto", int or float, default="auto"
        Rows drawn to grow each tree (``"auto"`` = ``min(256, n_samples)``).
    contamination : "auto" or float in (0, 0.5], default="auto"
        Expected share of anomalies; sets ``offset_`` and therefore ``predict``. Alert thresholds in
        production come from :mod:`reference_impl.anomaly.thresholds`, not from this guess.
    max_features : int or float, default=1.0
        Features drawn for each tree.
    bootstrap : bool, default=False
        Draw tree samples with replacement.
    random_state : int or None, default=None
        Seed; fix it for reproducible models.

    Attributes
    ----------
    forest_ : IsolationForest
        The fitted scikit-learn forest (SHAP's TreeExplainer and the fast scorer read it).
    offset_ : float
        ``decision_function = score_samples - offset_``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (only when ``X`` was a DataFrame with string columns).

    See Also
    --------
    FastForestScorer : the same scores from flat arrays, much faster on small batches.

    Notes
    -----
    Unlike scikit-learn's forest, NaN and infinite values are rejected with :class:`ModelInputError`: a
    missing value silently routed down one branch would be a silent wrong score. Impute first (the trade
    detector does, and records it).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> det = IsolationForestDetector(n_estimators=50, random_state=0).fit(X)
    >>> bool(det.anomaly_score([[6.0, 6.0]])[0] > det.anomaly_score([[0.0, 0.0]])[0])
    True
    >>> det.predict([[6.0, 6.0], [0.0, 0.0]]).tolist()
    [-1, 1]
    """

    def __init__(
        self,
        *,
        n_estimators: int = 100,
        max_samples: str | int | float = "auto",
        contamination: str | float = "auto",
        max_features: int | float = 1.0,
        bootstrap: bool = False,
        random_state: int | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.contamination = contamination
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.random_state = random_state

    def _check_params(self) -> None:
        if not isinstance(self.n_estimators, numbers.Integral) or self.n_estimators < 1:
            raise ModelInputError(f"n_estimators must be a positive integer, got {self.n_estimators!r}")
        c = self.contamination
        if not (c == "auto" or (isinstance(c, numbers.Real) and 0.0 < c <= 0.5)):
            raise ModelInputError(f"contamination must be 'auto' or a float in (0, 0.5], got {c!r}")

    def _validate(self, X: Any, *, reset: bool) -> np.ndarray:
        try:
            return validate_data(self, X, dtype=np.float32, reset=reset, ensure_all_finite=True)
        except ModelInputError:
            raise
        except ValueError as exc:
            raise _as_input_error(exc) from None

    def fit(self, X: Any, y: Any = None) -> IsolationForestDetector:
        """Grow the forest on ``X`` (numeric matrix or DataFrame); ``y`` is ignored.

        Returns
        -------
        self : IsolationForestDetector
        """
        self._check_params()
        X = self._validate(X, reset=True)
        self.forest_ = IsolationForest(
            n_estimators=self.n_estimators,
            max_samples=self.max_samples,
            contamination=self.contamination,
            max_features=self.max_features,
            bootstrap=self.bootstrap,
            random_state=self.random_state,
        ).fit(X)
        self.offset_ = float(self.forest_.offset_)
        return self

    def score_samples(self, X: Any) -> np.ndarray:
        """scikit-learn's score: the opposite of the paper's anomaly score (lower = more anomalous).

        Returns
        -------
        ndarray of shape (n_samples,), values in [-1, 0)
        """
        check_is_fitted(self)
        return self.forest_.score_samples(self._validate(X, reset=False))

    def anomaly_score(self, X: Any) -> np.ndarray:
        """The paper's anomaly score ``s(x, n)`` in (0, 1]: higher = more anomalous, about 0.5 = ordinary."""
        return -self.score_samples(X)

    def decision_function(self, X: Any) -> np.ndarray:
        """``score_samples - offset_``: negative for outliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X: Any) -> np.ndarray:
        """-1 for outliers, +1 for inliers (scikit-learn's outlier convention)."""
        decision = self.decision_function(X)
        return np.where(decision < 0, -1, 1)


@dataclass(frozen=True)
class _Level:
    """One depth level of every tree, padded to a perfect binary tree and laid out tree by tree."""

    feature: np.ndarray  # int, global column index
    threshold: np.ndarray  # float32, rounded down (see _round_down_float32); +inf for padding
    nan_right: np.ndarray  # bool, NaN goes right (sklearn's missing_go_to_left == 0)


class FastForestScorer:
    """A fitted isolation forest as flat numpy arrays, scored level by level for a whole batch.

    Every tree is padded to a perfect binary tree of the forest's maximum depth ``D`` (a leaf above depth
    ``D`` is copied into all of its padded descendants), and level ``L`` of all trees is stored
    contiguously. Node ``i`` of level ``L`` then has its children at ``2i`` and ``2i + 1`` of level
    ``L + 1``, so one batch moves down a level with a gather, a comparison and ``i = 2 i + go_right`` —
    no per-tree Python loop. The leaf value is ``depth + c(n_node_samples)``, as in scikit-learn.

    Build it with :meth:`from_estimator`. Inputs are cast to float32 first, as scikit-learn does, so
    split comparisons (and therefore scores) are identical.

    Parameters
    ----------
    levels : list of _Level
        Internal nodes, level 0 (roots) to ``D - 1``.
    leaf_value : ndarray of shape (n_trees * 2**D,)
        Path length credited for ending in each padded leaf slot.
    n_trees, n_features, max_samples : int
        Forest shape; ``max_samples`` sets the normaliser ``c(max_samples)``.
    offset : float
        ``decision_function = score_samples - offset``.
    feature_names : list of str or None
        Column names in fit order (checked when a DataFrame is scored).
    allow_nan : bool
        Route NaN as scikit-learn does (``missing_go_to_left``) instead of raising.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(1).normal(size=(300, 3))
    >>> det = IsolationForestDetector(n_estimators=20, random_state=0).fit(X)
    >>> fast = FastForestScorer.from_estimator(det)
    >>> bool(np.max(np.abs(fast.score_samples(X) - det.score_samples(X))) <= 1e-9)
    True
    """

    def __init__(
        self,
        *,
        levels: list[_Level],
        leaf_value: np.ndarray,
        n_trees: int,
        n_features: int,
        max_samples: int,
        offset: float,
        feature_names: list[str] | None = None,
        allow_nan: bool = False,
    ) -> None:
        self.levels = levels
        self.leaf_value = leaf_value
        self.n_trees = n_trees
        self.n_features = n_features
        self.max_samples = max_samples
        self.offset = offset
        self.feature_names = feature_names
        self.allow_nan = allow_nan
        self._denominator = n_trees * float(average_path_length(np.array([max_samples]))[0])
        self._roots = np.arange(n_trees, dtype=np.intp)

    @classmethod
    def from_estimator(cls, estimator: IsolationForestDetector | IsolationForest) -> FastForestScorer:
        """Export a fitted :class:`IsolationForestDetector` (or a raw scikit-learn ``IsolationForest``).

        A raw scikit-learn forest accepts NaN (routed like scikit-learn); ours rejects it, like the estimator.

        Raises
        ------
        ModelError
            If the estimator is not fitted, or its trees are too deep to pad (``max_samples`` too large).
        """
        if isinstance(estimator, IsolationForestDetector):
            if not hasattr(estimator, "forest_"):
                raise ModelError("cannot export an unfitted IsolationForestDetector: call fit first")
            forest, allow_nan = estimator.forest_, False
            names = getattr(estimator, "feature_names_in_", None)
        elif isinstance(estimator, IsolationForest):
            if not hasattr(estimator, "estimators_"):
                raise ModelError("cannot export an unfitted IsolationForest: call fit first")
            forest, allow_nan = estimator, True
            names = getattr(estimator, "feature_names_in_", None)
        else:
            raise ModelError(f"expected an IsolationForestDetector or IsolationForest, got {type(estimator).__name__}")
        trees = [e.tree_ for e in forest.estimators_]
        depth = max(t.max_depth for t in trees)
        if len(trees) * 2**depth > MAX_FLAT_LEAVES:
            raise ModelError(
                f"forest too deep for the flat scorer (depth {depth}, {len(trees)} trees); use max_samples <= 65536"
            )
        n_trees = len(trees)
        feat = [np.zeros(n_trees * 2**lv, dtype=np.intp) for lv in range(depth)]
        thr = [np.full(n_trees * 2**lv, np.inf) for lv in range(depth)]
        nan_right = [np.zeros(n_trees * 2**lv, dtype=bool) for lv in range(depth)]
        leaf_value = np.zeros(n_trees * 2**depth)
        for t, (tree, cols) in enumerate(zip(trees, forest.estimators_features_)):
            cols = np.asarray(cols)
            left, right = tree.children_left, tree.children_right
            value = average_path_length(tree.n_node_samples)  # c(n) of each node
            stack = [(0, 0, 0)]  # (node, level, position within the tree's level)
            while stack:
                node, lv, pos = stack.pop()
                if left[node] == -1:  # leaf: fill every padded slot below it at the last level
                    span = 2 ** (depth - lv)
                    start = t * 2**depth + pos * span
                    leaf_value[start : start + span] = lv + value[node]
                    continue
                i = t * 2**lv + pos
                feat[lv][i] = cols[tree.feature[node]]
                thr[lv][i] = tree.threshold[node]
                nan_right[lv][i] = not bool(tree.missing_go_to_left[node])
                stack.append((left[node], lv + 1, 2 * pos))
                stack.append((right[node], lv + 1, 2 * pos + 1))
        # a padded slot below a leaf keeps threshold +inf, so finite values go left; the copied leaf value
        # makes the side irrelevant anyway.
        levels = [_Level(feat[lv], _round_down_float32(thr[lv]), nan_right[lv]) for lv in range(depth)]
        return cls(
            levels=levels,
            leaf_value=leaf_value,
            n_trees=n_trees,
            n_features=int(forest.n_features_in_),
            max_samples=int(forest.max_samples_),
            offset=float(forest.offset_),
            feature_names=None if names is None else [str(n) for n in names],
            allow_nan=allow_nan,
        )

    def _as_matrix(self, X: Any) -> np.ndarray:
        names = getattr(X, "columns", None)
        if names is not None and self.feature_names is not None:
            got = [str(c) for c in names]
            if got != self.feature_names:
                raise ModelInputError(f"feature names/order differ from fit: expected {self.feature_names}, got {got}")
        try:
            X = np.ascontiguousarray(X, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise ModelInputError(f"features must be numeric: {exc}") from None
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.ndim != 2:
            raise ModelInputError(f"expected a 2-D feature matrix, got {X.ndim} dimensions")
        if X.shape[0] == 0:
            raise ModelInputError("empty batch: nothing to score")
        if X.shape[1] != self.n_features:
            raise ModelInputError(f"X has {X.shape[1]} features, but the forest expects {self.n_features}")
        if not self.allow_nan and not np.isfinite(X).all():
            row, col = np.argwhere(~np.isfinite(X))[0]
            name = self.feature_names[col] if self.feature_names else f"column {col}"
            raise ModelInputError(f"non-finite feature value {X[row, col]!r} in {name} (row {row})")
        return X

    def path_lengths(self, X: Any) -> np.ndarray:
        """Sum over trees of the isolation path length of each row, shape (n_samples,)."""
        X = self._as_matrix(X)
        has_nan = bool(np.isnan(X).any())
        n, n_cols = X.shape
        if n == 1:  # the latency path: one row, 1-D gathers, no buffers
            x, i = X[0], self._roots
            for level in self.levels:
                xv = x[level.feature[i]]
                go_right = xv > level.threshold[i]
                if has_nan:
                    go_right |= np.isnan(xv) & level.nan_right[i]
                i = 2 * i + go_right
            return np.array([self.leaf_value[i].sum()])
        # Batches: chunks of ~32k node slots stay in cache; buffers are reused across levels and chunks.
        chunk = max(1, min(n, 2**15 // self.n_trees))
        shape = (chunk, self.n_trees)
        i, idx = np.empty(shape, dtype=np.intp), np.empty(shape, dtype=np.intp)
        xv, th = np.empty(shape, dtype=np.float32), np.empty(shape, dtype=np.float32)
        go_right = np.empty(shape, dtype=bool)
        row_base = (np.arange(chunk, dtype=np.intp) * n_cols)[:, None]
        out = np.empty(n)
        root = self.levels[0] if self.levels else None
        for start in range(0, n, chunk):
            block = X[start : start + chunk]
            m = block.shape[0]
            if m != chunk:  # the last, shorter chunk
                i, idx, xv, th, go_right, row_base = i[:m], idx[:m], xv[:m], th[:m], go_right[:m], row_base[:m]
            flat = block.ravel()
            i[:] = self._roots
            if root is not None:  # level 0: every row starts at the roots, so gather columns directly
                np.take(block, root.feature, axis=1, out=xv, mode="clip")
                np.greater(xv, root.threshold, out=go_right)
                if has_nan:
                    go_right |= np.isnan(xv) & root.nan_right
                i <<= 1
                i += go_right
            for level in self.levels[1:]:
                level.feature.take(i, out=idx, mode="clip")  # indices valid by construction; "clip" skips the check
                idx += row_base
                flat.take(idx, out=xv, mode="clip")
                level.threshold.take(i, out=th, mode="clip")
                np.greater(xv, th, out=go_right)
                if has_nan:
                    go_right |= np.isnan(xv) & level.nan_right.take(i, mode="clip")
                i <<= 1
                i += go_right
            out[start : start + m] = self.leaf_value.take(i, mode="clip").sum(axis=1)
        return out

    def score_samples(self, X: Any) -> np.ndarray:
        """Same as scikit-learn's ``IsolationForest.score_samples`` (lower = more anomalous)."""
        if self._denominator == 0:  # max_samples == 1: every depth is 0 and scikit-learn scores -2**-1
            return np.full(self._as_matrix(X).shape[0], -0.5)
        return -np.exp2(-self.path_lengths(X) / self._denominator)

    def anomaly_score(self, X: Any) -> np.ndarray:
        """The paper's anomaly score in (0, 1]: higher = more anomalous."""
        return -self.score_samples(X)

    def decision_function(self, X: Any) -> np.ndarray:
        """``score_samples - offset``: negative for outliers."""
        return self.score_samples(X) - self.offset

    def predict(self, X: Any) -> np.ndarray:
        """-1 for outliers, +1 for inliers."""
        return np.where(self.decision_function(X) < 0, -1, 1)
