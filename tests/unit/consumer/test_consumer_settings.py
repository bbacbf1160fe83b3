"""``ConsumerSettings`` and ``ibml consume``'s command line: environment, flags, and one-line errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from reference_impl.cli import main
from reference_impl.consumer import ConsumerSettings
from reference_impl.serving.testing import free_port


def test_defaults_and_derived_names(tmp_path):
    s = ConsumerSettings(home=tmp_path)
    assert (s.consumer_queue, s.dead_letter_queue, s.consumer_exchange, s.decisions_queue) == (
        "ibml.trades",
        "ibml.trades.dlq",
        "ibml.decisions",
        "ibml.decisions.all",
    )
    assert s.consumer_declare is False  # a missing queue is an error unless you ask for it to be created


def test_environment_sets_both_the_consumers_and_the_services_knobs(tmp_path, monkeypatch):
    monkeypatch.setenv("IBML_CONSUMER_QUEUE", "trades.eu")
    monkeypatch.setenv("IBML_CONSUMER_DEAD_LETTER_QUEUE", "trades.poison")
    monkeypatch.setenv("IBML_CONSUMER_PREFETCH", "4")
    monkeypatch.setenv("IBML_LATENCY_BUDGET_MS", "80")  # a ServiceSettings field: the same pipeline budget
    s = ConsumerSettings(home=tmp_path)
    assert (s.consumer_queue, s.dead_letter_queue, s.consumer_prefetch, s.latency_budget_ms) == (
        "trades.eu",
        "trades.poison",
        4,
        80.0,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("consumer_prefetch", 0), ("consumer_prefetch", 5000), ("consumer_queue", ""), ("consumer_connect_attempts", 0)],
)
def test_out_of_range_settings_are_refused(tmp_path, field, value):
    with pytest.raises(ValidationError, match=field):
        ConsumerSettings(home=tmp_path, **{field: value})


def test_a_bad_flag_is_one_line_naming_the_field(capsys):
    code = main(["consume", "--prefetch", "0"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1
    assert err[0].startswith("ibml: error: invalid consumer setting") and "consumer_prefetch" in err[0]


def test_an_unreachable_broker_is_one_line_with_the_password_hidden(capsys, monkeypatch, workspace):
    from reference_impl.consumer import runner
    from reference_impl.serving.trades.testing import fake_trades_providers

    monkeypatch.setattr(runner, "TradesProviders", lambda **_: fake_trades_providers())  # an empty workspace
    monkeypatch.setenv("IBML_CONSUMER_CONNECT_ATTEMPTS", "2")
    url = f"amqp://svc:s3cret@127.0.0.1:{free_port()}/"
    code = main(["consume", "--url", url, "--model-source", "none", "--metrics-port", "0", "--log-level", "critical"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert err[-1].startswith(f"ibml: error: broker at {url.replace('s3cret', '***')} unreachable after 2 attempts")
    assert "s3cret" not in "\n".join(err) and "Traceback" not in "\n".join(err)


@pytest.mark.slow
def test_a_registry_alias_that_does_not_exist_is_one_line(capsys, workspace, monkeypatch):
    monkeypatch.setenv("IBML_CONSUMER_CONNECT_ATTEMPTS", "1")
    code = main(["consume", "--model-source", "registry", "--model-alias", "shadow", "--metrics-port", "0"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert err[-1] == (
        "ibml: error: model alias trade-anomaly@shadow does not exist in the registry "
        "(IBML_CONSUMER_MODEL_ALIAS; see `ibml registry list`)"
    )
