"""Trade anomaly detection: declarative rules, an isolation forest, reason codes, overrides.

>>> from reference_impl.anomaly import DEFAULT_RULESET
>>> DEFAULT_RULESET.version == RULESET_VERSION
True
"""

from reference_impl.anomaly.detector import (
    DECISION_FRAME_COLUMNS,
    MAX_REASONS,
    RULES_ONLY,
    Decision,
    ModelNotFittedError,
    TradeAnomalyDetector,
    decide_rules_only,
)
from reference_impl.anomaly.explain import REASON_CATALOGUE, ForestExplainer, ReasonCode, reason_code_for
from reference_impl.anomaly.forest import FastForestScorer, IsolationForestDetector, average_path_length
from reference_impl.anomaly.global_explain import (
    ExplainabilityReport,
    GlobalExplanation,
    global_explanation,
    plot_shap_dependence,
    plot_shap_summary,
    write_explainability_report,
)
from reference_impl.anomaly.onnx_export import OnnxForestScorer, export_onnx, load_onnx, to_onnx_bytes
from reference_impl.anomaly.overrides import MAX_OVERRIDE_DAYS, Override, OverrideSet, load_overrides, save_overrides
from reference_impl.anomaly.persistence import detector_metadata, load_detector, save_detector
from reference_impl.anomaly.rules import (
    DEFAULT_RULESET,
    REQUEST_GROUP_COLUMN,
    RULESET_VERSION,
    DuplicateRule,
    RuleHit,
    RuleSet,
    ThresholdRule,
    evaluate_rules,
    rule_masks,
)
from reference_impl.features import MODEL_FEATURES

__all__ = [
    "DECISION_FRAME_COLUMNS",
    "DEFAULT_RULESET",
    "Decision",
    "DuplicateRule",
    "ExplainabilityReport",
    "FastForestScorer",
    "ForestExplainer",
    "GlobalExplanation",
    "IsolationForestDetector",
    "MAX_OVERRIDE_DAYS",
    "MAX_REASONS",
    "MODEL_FEATURES",
    "ModelNotFittedError",
    "OnnxForestScorer",
    "Override",
    "OverrideSet",
    "REASON_CATALOGUE",
    "REQUEST_GROUP_COLUMN",
    "RULESET_VERSION",
    "RULES_ONLY",
    "ReasonCode",
    "RuleHit",
    "RuleSet",
    "ThresholdRule",
    "TradeAnomalyDetector",
    "average_path_length",
    "decide_rules_only",
    "detector_metadata",
    "evaluate_rules",
    "export_onnx",
    "global_explanation",
    "load_detector",
    "load_onnx",
    "load_overrides",
    "plot_shap_dependence",
    "plot_shap_summary",
    "reason_code_for",
    "rule_masks",
    "save_detector",
    "save_overrides",
    "to_onnx_bytes",
    "write_explainability_report",
]
