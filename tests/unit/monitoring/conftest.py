"""A small simulated prediction log with every planted incident, shared by the monitoring tests."""

from __future__ import annotations

import pytest

from reference_impl.monitoring.logs import outcomes_to_frame, records_to_frame
from reference_impl.monitoring.simulate import simulate_prediction_log


@pytest.fixture(scope="session")
def simulated():
    return simulate_prediction_log(n_days=6, trades_per_day=800, kyc_per_day=80, drift_start_day=5,
                                   fallback_day=4, latency_spike_day=5, seed=7)


@pytest.fixture(scope="session")
def sim_log(simulated):
    return records_to_frame(simulated.predictions)


@pytest.fixture(scope="session")
def sim_outcomes(simulated):
    return outcomes_to_frame(simulated.outcomes)
