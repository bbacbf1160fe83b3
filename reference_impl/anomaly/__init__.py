"""Trade anomaly detection: declarative rules, an isolation forest, reason codes, overrides."""

from reference_impl.anomaly.forest import FastForestScorer, IsolationForestDetector, average_path_length

__all__ = ["FastForestScorer", "IsolationForestDetector", "average_path_length"]
