"""Distribution drift between a reference window and a current window of the prediction log.

Per feature we report an effect size and, where it is meaningful, a p-value, and we give a verdict
using the same stattest selection as Evidently's default data-drift preset (0.7.x, verified in its
``stattests/registry.py``):

=========================  ===========================  ==========================================
reference rows             numeric (> 5 distinct values)  categorical (or numeric with <= 5 values)
=========================  ===========================  ==========================================
<= 1000                    Kolmogorov-Smirnov, p <= 0.05  chi-squared, p < 0.05 (*)
> 1000                     Wasserstein / std(ref) >= 0.1  Jensen-Shannon distance >= 0.1
=========================  ===========================  ==========================================

(*) Evidently uses a two-proportion z-test for binary columns on small samples; we use the chi-squared
goodness-of-fit test (current counts against the reference's proportions) for every small categorical
column, so near the threshold a binary column's verdict can differ from Evidently's.

Why effect sizes above 1,000 rows: a p-value answers "could this difference be chance?", and with a
million rows *any* real difference, however small, is not chance, so the test flags harmless shifts
(over-sensitivity). A separate effect is multiple testing: with no shift at all, twenty features tested
at 5 % give about one false flag per run (on 1,000,000 rows a KS p-value below 0.05 flagged a feature
that had not been shifted); the dataset verdict's ``drift_share`` guards against that one. A normalised Wasserstein distance of 0.1 means "the distribution moved by a tenth
of a reference standard deviation" — a size a risk owner can reason about.

PSI (population stability index) is reported for every numeric feature with the credit-scoring rule of
thumb of < 0.1 stable, 0.1–0.25 moderate, >= 0.25 significant (Siddiqi, *Credit Risk Scorecards*, Wiley,
2006). These bands are conventions, not test levels: PSI's sampling distribution depends on the sample
sizes and the number of bins (Yurdakul and Naranjo, "Statistical properties of the population stability
index", *Journal of Risk Model Validation* 14(4), 2020), so a model owner may set others. Bins are the reference window's deciles
(edges de-duplicated, so a feature with many ties gets fewer bins). **Empty bins**: a bin holding
no values in one window gets proportion ``1e-4`` instead of 0 (as Evidently does), so ``log`` and the
division stay finite; a region of values that vanishes entirely then shows up as a large, finite PSI.
PSI is *not* part of the verdict (so the verdict stays Evidently's), it is shown next to it.

Dataset-level drift: the share of drifted features ``>= 0.5`` (Evidently's ``drift_share``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

from reference_impl.errors import ConfigError, DataValidationError

#: Proportion given to an empty bin so PSI's log and division are defined (Evidently's choice).
EMPTY_BIN_PROPORTION = 1e-4
#: Above this many rows in the larger sample, scipy's ks_2samp switches from exact to asymptotic p-values.
_KS_EXACT_MAX_N = 10_000

Kind = Literal["numeric", "categorical"]


@dataclass(frozen=True)
class DriftThresholds:
    """Thresholds behind every drift verdict; the defaults are Evidently's documented defaults.

    Attributes
    ----------
    large_sample : reference rows above which effect sizes (not p-values) decide.
    ks_pvalue, chi2_pvalue : significance levels for the small-sample tests.
    wasserstein : normalised Wasserstein distance (in reference standard deviations) that counts as drift.
    jensenshannon : Jensen-Shannon distance (natural log) that counts as drift.
    psi_moderate, psi_significant : the conventional PSI bands (reported, not part of the verdict).
    psi_bins : number of reference-quantile bins for PSI.
    low_cardinality : a numeric column with at most this many distinct values is tested as categorical.
    drift_share : share of drifted features at which the whole dataset counts as drifted.
    """

    large_sample: int = 1000
    ks_pvalue: float = 0.05
    chi2_pvalue: float = 0.05
    wasserstein: float = 0.1
    jensenshannon: float = 0.1
    psi_moderate: float = 0.1
    psi_significant: float = 0.25
    psi_bins: int = 10
    low_cardinality: int = 5
    drift_share: float = 0.5

    def validate(self) -> DriftThresholds:
        """Raise :class:`ConfigError` naming the first unusable threshold."""
        for name in ("ks_pvalue", "chi2_pvalue", "drift_share"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ConfigError(f"drift threshold {name}={value!r} must be in (0, 1]")
        for name in ("wasserstein", "jensenshannon", "psi_moderate", "psi_significant"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"drift threshold {name}={getattr(self, name)!r} must be > 0")
        if self.psi_bins < 2:
            raise ConfigError(f"drift threshold psi_bins={self.psi_bins!r} must be >= 2")
        return self


@dataclass(frozen=True)
class FeatureDrift:
    """Drift of one column: the test that decided, its value and threshold, and the verdict."""

    feature: str
    kind: Kind
    n_reference: int
    n_current: int
    test: str
    value: float
    threshold: float
    drifted: bool
    psi: float | None = None
    psi_level: str | None = None
    ks_statistic: float | None = None
    ks_pvalue: float | None = None
    wasserstein_norm: float | None = None
    js_distance: float | None = None
    chi2_pvalue: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DriftReport:
    """Per-feature drift and the dataset-level verdict (share of drifted features)."""

    features: tuple[FeatureDrift, ...]
    drift_share_threshold: float
    n_reference: int
    n_current: int
    score: FeatureDrift | None = None
    thresholds: DriftThresholds = field(default_factory=DriftThresholds)

    @property
    def drifted_features(self) -> list[str]:
        return [f.feature for f in self.features if f.drifted]

    @property
    def share_drifted(self) -> float:
        return len(self.drifted_features) / len(self.features) if self.features else 0.0

    @property
    def dataset_drift(self) -> bool:
        return bool(self.features) and self.share_drifted >= self.drift_share_threshold

    def get(self, feature: str) -> FeatureDrift | None:
        """The result for ``feature`` (or ``"score"``), or ``None`` when it was not tested."""
        if self.score is not None and feature == self.score.feature:
            return self.score
        return next((f for f in self.features if f.feature == feature), None)

    def to_frame(self) -> pd.DataFrame:
        """One row per feature (score last), sorted as tested — handy for display and CSV export."""
        rows = [f.to_dict() for f in self.features]
        if self.score is not None:
            rows.append(self.score.to_dict())
        return pd.DataFrame(rows)


# --------------------------------------------------------------------------- measures


def psi_level(value: float, thresholds: DriftThresholds = DriftThresholds()) -> str:
    """Conventional PSI band: ``stable`` (< 0.1), ``moderate`` (0.1–0.25) or ``significant`` (>= 0.25)."""
    if value >= thresholds.psi_significant:
        return "significant"
    if value >= thresholds.psi_moderate:
        return "moderate"
    return "stable"


def quantile_bin_edges(reference: np.ndarray, n_bins: int = 10) -> np.ndarray:
    """Inner bin edges at the reference quantiles, de-duplicated (ties give fewer bins).

    >>> quantile_bin_edges(np.arange(10.0), n_bins=2)
    array([4.5])
    """
    ref = _finite(reference, "reference")
    if ref.size == 0:
        raise DataValidationError("reference window has no finite values to build PSI bins from")
    edges = np.quantile(ref, np.linspace(0, 1, n_bins + 1)[1:-1])
    return np.unique(edges)


def bin_proportions(values: np.ndarray, edges: np.ndarray, *, presorted: bool = False) -> np.ndarray:
    """Share of ``values`` in each bin ``(-inf, e0], (e0, e1], ..., (e_last, inf)``; empty bins get 1e-4.

    >>> bin_proportions(np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.5]))
    array([0.5, 0.5])
    """
    x = values if presorted else np.sort(_finite(values, "values"))
    if x.size == 0:
        raise DataValidationError("cannot bin an empty window")
    cuts = np.concatenate(([0], np.searchsorted(x, edges, side="right"), [x.size]))
    props = np.diff(cuts) / x.size
    return np.where(props == 0, EMPTY_BIN_PROPORTION, props)


def psi(reference: np.ndarray, current: np.ndarray, n_bins: int = 10) -> float:
    """Population stability index of ``current`` against ``reference`` on reference-quantile bins.

    ``PSI = sum((cur% - ref%) * ln(cur% / ref%))``; empty bins count as 1e-4 (see module docstring).

    >>> rng = np.random.default_rng(0)
    >>> round(psi(rng.normal(size=5000), rng.normal(size=5000)), 3) < 0.1
    True
    >>> psi(rng.normal(size=5000), rng.normal(1.0, 1.0, size=5000)) >= 0.25   # a one-sd shift: significant
    True
    """
    ref = np.sort(_finite(reference, "reference"))
    cur = np.sort(_finite(current, "current"))
    edges = quantile_bin_edges(ref, n_bins)
    return _psi_sorted(ref, cur, edges)


def wasserstein_norm(reference: np.ndarray, current: np.ndarray) -> float:
    """First Wasserstein distance divided by the reference standard deviation (floored at 0.001).

    >>> wasserstein_norm(np.array([0.0, 2.0]), np.array([1.0, 3.0]))
    1.0
    """
    ref = _finite(reference, "reference")
    cur = _finite(current, "current")
    return float(stats.wasserstein_distance(ref, cur) / max(float(np.std(ref)), 0.001))


def js_distance(reference: Sequence, current: Sequence) -> float:
    """Jensen-Shannon distance (natural log, so in [0, sqrt(ln 2)]) between category frequencies.

    >>> js_distance(["a", "a", "b"], ["a", "a", "b"])
    0.0
    """
    ref_p, cur_p = _category_proportions(pd.Series(reference), pd.Series(current))
    return float(distance.jensenshannon(ref_p, cur_p))


def chi2_pvalue(reference: Sequence, current: Sequence) -> float:
    """Chi-squared goodness-of-fit p-value of current counts against reference proportions.

    Categories missing from the reference get expected count 0 there; as Evidently does, we pass
    them to scipy, which yields p = 0 (a category never seen before is drift).
    """
    ref, cur = pd.Series(reference).dropna(), pd.Series(current).dropna()
    keys = sorted(set(ref.unique()) | set(cur.unique()), key=str)
    ref_counts = ref.value_counts().reindex(keys, fill_value=0).to_numpy(float)
    cur_counts = cur.value_counts().reindex(keys, fill_value=0).to_numpy(float)
    expected = ref_counts * (cur_counts.sum() / ref_counts.sum())
    if len(keys) < 2:
        return 1.0
    if (expected == 0).any():
        return 0.0
    return float(stats.chisquare(cur_counts, expected).pvalue)


# --------------------------------------------------------------------------- per column


def numeric_drift(
    feature: str,
    reference: np.ndarray,
    current: np.ndarray,
    thresholds: DriftThresholds = DriftThresholds(),
) -> FeatureDrift:
    """Drift of one numeric column: KS (small) or normalised Wasserstein (large) verdict, plus PSI.

    Both samples are sorted once; KS, Wasserstein and PSI are all read off the two sorted arrays,
    which is what makes 20 features x 1M rows take seconds. The KS p-value is scipy's: exact via
    ``ks_2samp`` for small samples, ``kstwo.sf(D, round(n*m/(n+m)))`` (what ks_2samp uses) above 10,000.
    """
    ref = np.sort(_finite(reference, f"reference[{feature}]"))
    cur = np.sort(_finite(current, f"current[{feature}]"))
    if ref.size == 0 or cur.size == 0:
        raise DataValidationError(
            f"feature {feature!r} has no finite values in the {'reference' if ref.size == 0 else 'current'} window"
        )
    ks_d, w1 = _ks_and_wasserstein(ref, cur)
    w_norm = w1 / max(float(np.std(ref)), 0.001)
    if max(ref.size, cur.size) <= _KS_EXACT_MAX_N:
        with warnings.catch_warnings():
            # scipy says when its exact p-value fails and it uses the asymptotic one; that is fine here
            warnings.filterwarnings(
                "ignore", message="ks_2samp: Exact calculation unsuccessful", category=RuntimeWarning
            )
            ks_p = float(stats.ks_2samp(ref, cur).pvalue)
    else:
        m, n = sorted([float(ref.size), float(cur.size)], reverse=True)
        ks_p = float(np.clip(stats.kstwo.sf(ks_d, np.round(m * n / (m + n))), 0.0, 1.0))
    psi_value = _psi_sorted(ref, cur, quantile_bin_edges(ref, thresholds.psi_bins))
    if ref.size <= thresholds.large_sample:
        test, value, threshold, drifted = "ks", ks_p, thresholds.ks_pvalue, ks_p <= thresholds.ks_pvalue
    else:
        test, value, threshold, drifted = (
            "wasserstein",
            w_norm,
            thresholds.wasserstein,
            w_norm >= thresholds.wasserstein,
        )
    return FeatureDrift(
        feature=feature,
        kind="numeric",
        n_reference=int(ref.size),
        n_current=int(cur.size),
        test=test,
        value=float(value),
        threshold=float(threshold),
        drifted=bool(drifted),
        psi=psi_value,
        psi_level=psi_level(psi_value, thresholds),
        ks_statistic=ks_d,
        ks_pvalue=ks_p,
        wasserstein_norm=w_norm,
    )


def categorical_drift(
    feature: str,
    reference: Sequence,
    current: Sequence,
    thresholds: DriftThresholds = DriftThresholds(),
) -> FeatureDrift:
    """Drift of one categorical column: chi-squared p-value (small) or Jensen-Shannon distance (large)."""
    ref, cur = pd.Series(reference).dropna(), pd.Series(current).dropna()
    if ref.empty or cur.empty:
        raise DataValidationError(
            f"feature {feature!r} has no values in the {'reference' if ref.empty else 'current'} window"
        )
    js = js_distance(ref, cur)
    chi_p = chi2_pvalue(ref, cur) if len(ref) <= thresholds.large_sample else None
    if chi_p is not None:  # a small sample: the chi-squared test
        test, value, threshold, drifted = "chisquare", chi_p, thresholds.chi2_pvalue, chi_p < thresholds.chi2_pvalue
    else:
        test, value, threshold, drifted = "jensenshannon", js, thresholds.jensenshannon, js >= thresholds.jensenshannon
    return FeatureDrift(
        feature=feature,
        kind="categorical",
        n_reference=int(len(ref)),
        n_current=int(len(cur)),
        test=test,
        value=float(value),
        threshold=float(threshold),
        drifted=bool(drifted),
        js_distance=js,
        chi2_pvalue=chi_p,
    )


def column_kind(reference: pd.Series, current: pd.Series, thresholds: DriftThresholds = DriftThresholds()) -> Kind:
    """``numeric`` for a numeric dtype with more than ``low_cardinality`` distinct values, else ``categorical``.

    Counting distinct values of a million floats by hashing costs more than the drift tests, so we
    look at the first thousand values of each window first: more than ``low_cardinality`` there settles it.
    """
    if pd.api.types.is_bool_dtype(reference) or not pd.api.types.is_numeric_dtype(reference):
        return "categorical"
    k = thresholds.low_cardinality
    head = np.concatenate(
        [reference.to_numpy(dtype=float, na_value=np.nan)[:1000], current.to_numpy(dtype=float, na_value=np.nan)[:1000]]
    )
    if np.unique(head[~np.isnan(head)]).size > k:
        return "numeric"
    n_unique = pd.concat([reference, current], ignore_index=True).nunique()
    return "numeric" if n_unique > k else "categorical"


def detect_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: Iterable[str] | None = None,
    score_column: str | None = None,
    categorical: Iterable[str] = (),
    thresholds: DriftThresholds = DriftThresholds(),
) -> DriftReport:
    """Compare every column of ``current`` with ``reference`` and give per-feature and dataset verdicts.

    Parameters
    ----------
    reference, current : frames with the same feature columns (one row per scored item).
    columns : features to test (default: every column both frames share, except ``score_column``).
    score_column : tested too and reported separately (``report.score``), not counted in the share.
    categorical : columns to force to the categorical tests.
    thresholds : see :class:`DriftThresholds`.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> ref = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.normal(size=2000)})
    >>> cur = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.normal(0.5, 1, size=2000)})
    >>> detect_drift(ref, cur).drifted_features
    ['b']
    """
    thresholds.validate()
    if columns is None:
        columns = [c for c in reference.columns if c in current.columns and c != score_column]
    columns = list(columns)
    missing = [
        c
        for c in columns + ([score_column] if score_column else [])
        if c not in reference.columns or c not in current.columns
    ]
    if missing:
        raise DataValidationError(f"drift column {missing[0]!r} is missing from the reference or current window")
    if len(reference) == 0 or len(current) == 0:
        raise DataValidationError(f"{'reference' if len(reference) == 0 else 'current'} window is empty")
    forced = set(categorical)
    results = tuple(_one_column(c, reference[c], current[c], c in forced, thresholds) for c in columns)
    score = (
        _one_column(score_column, reference[score_column], current[score_column], False, thresholds)
        if score_column
        else None
    )
    return DriftReport(
        features=results,
        drift_share_threshold=thresholds.drift_share,
        n_reference=len(reference),
        n_current=len(current),
        score=score,
        thresholds=thresholds,
    )


# --------------------------------------------------------------------------- helpers


def _one_column(
    name: str, ref: pd.Series, cur: pd.Series, force_categorical: bool, thresholds: DriftThresholds
) -> FeatureDrift:
    kind = "categorical" if force_categorical else column_kind(ref, cur, thresholds)
    if kind == "numeric":
        return numeric_drift(
            name, ref.to_numpy(dtype=float, na_value=np.nan), cur.to_numpy(dtype=float, na_value=np.nan), thresholds
        )
    return categorical_drift(name, ref, cur, thresholds)


def _ks_and_wasserstein(ref: np.ndarray, cur: np.ndarray) -> tuple[float, float]:
    """KS statistic and first Wasserstein distance of two *sorted* samples, from one merge.

    A stable argsort of two concatenated sorted runs is a linear merge (timsort finds the runs).
    The running count of reference values gives both empirical CDFs at every merged point;
    KS is their largest gap (read at the last of each run of tied values), Wasserstein the area
    between them. Same numbers as ``scipy.stats.ks_2samp`` / ``wasserstein_distance``.
    """
    merged = np.concatenate([ref, cur])
    order = np.argsort(merged, kind="stable")
    merged = merged[order]
    # gap = F_ref - F_cur = seen_ref/n - (k - seen_ref)/m = seen_ref * (1/n + 1/m) - k/m, in place
    gap = np.cumsum(order < ref.size, dtype=np.float64)
    gap *= 1.0 / ref.size + 1.0 / cur.size
    gap -= np.arange(1, merged.size + 1, dtype=np.float64) / cur.size
    np.abs(gap, out=gap)
    steps = np.diff(merged)
    w1 = float(np.dot(gap[:-1], steps))
    # KS is read where a run of tied values ends (inside a run the CDFs are not yet both updated)
    ks_d = float(max(gap[:-1][steps != 0].max(initial=0.0), gap[-1]))
    return ks_d, w1


def _finite(values: np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    finite = np.isfinite(arr)
    return arr if finite.all() else arr[finite]


def _psi_sorted(ref: np.ndarray, cur: np.ndarray, edges: np.ndarray) -> float:
    ref_p = bin_proportions(ref, edges, presorted=True)
    cur_p = bin_proportions(cur, edges, presorted=True)
    return float(np.sum((cur_p - ref_p) * np.log(cur_p / ref_p)))


def _category_proportions(ref: pd.Series, cur: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    ref, cur = ref.dropna(), cur.dropna()
    keys = sorted(set(ref.unique()) | set(cur.unique()), key=str)
    ref_p = ref.value_counts(normalize=True).reindex(keys, fill_value=0.0).to_numpy(float)
    cur_p = cur.value_counts(normalize=True).reindex(keys, fill_value=0.0).to_numpy(float)
    return ref_p, cur_p


__all__ = [
    "EMPTY_BIN_PROPORTION",
    "DriftThresholds",
    "FeatureDrift",
    "DriftReport",
    "psi",
    "psi_level",
    "quantile_bin_edges",
    "bin_proportions",
    "wasserstein_norm",
    "js_distance",
    "chi2_pvalue",
    "numeric_drift",
    "categorical_drift",
    "column_kind",
    "detect_drift",
]
