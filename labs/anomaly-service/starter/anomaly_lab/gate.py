"""The model validation gate (provided): ``python -m anomaly_lab.gate`` exits non-zero when the policy fails.

It builds features for generated trades with your :func:`~anomaly_lab.features.trade_features`, fits your
detector on the first 60 % (by booking time) with :func:`~anomaly_lab.detector.fit_detector`, decides the
later 40 % once, and holds the result to :data:`anomaly_lab.validation.POLICY` with your
:func:`~anomaly_lab.validation.evaluate` and :func:`~anomaly_lab.validation.check_policy`.
"""

from __future__ import annotations

import argparse
import sys

from anomaly_lab.dataset import lab_dataset, time_split
from anomaly_lab.detector import fit_detector
from anomaly_lab.features import trade_features
from anomaly_lab.validation import GateResult, check_policy, evaluate


def run_gate(*, n_trades: int = 4000, seed: int = 11, alert_rate: float = 0.01) -> tuple[GateResult, dict[str, float]]:
    """(the policy's verdict, the metrics) for a detector fitted and judged on generated trades."""
    data = lab_dataset(n_trades, seed)
    trades = data["trades"]
    train, test = time_split(trades)
    features = trade_features(trades, data["ref"], data["prices"])
    detector = fit_detector(features[train.to_numpy()], alert_rate=alert_rate, seed=seed)
    metrics = evaluate(detector, features[test.to_numpy()], trades.loc[test, "is_anomaly"].astype(bool).tolist())
    return check_policy(metrics), metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m anomaly_lab.gate", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n-trades", type=int, default=4000, help="generated trades (fit on 60 %%, judged on 40 %%)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--alert-rate", type=float, default=0.01, help="the detector's stated alert rate")
    args = parser.parse_args(argv)
    result, _ = run_gate(n_trades=args.n_trades, seed=args.seed, alert_rate=args.alert_rate)
    for check in result.checks:
        value = "n/a" if check.value is None else f"{check.value:.3f}"
        print(
            f"{'pass' if check.passed else 'FAIL'}  {check.metric}: {value}{'' if check.passed else '  ' + check.detail}"
        )
    print(f"validation gate {'passed' if result.passed else 'FAILED'}")
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
