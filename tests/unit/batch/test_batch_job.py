"""``ibml batch score`` on the pandas engine end to end, and every bad input refused with nothing left behind."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from reference_impl.batch import DECISION_COLUMNS, decisions_dir, read_decisions, run_batch
from reference_impl.batch.demo import build_batch_demo
from reference_impl.cli import main
from reference_impl.errors import AuditError, ConfigError
from reference_impl.governance import AuditLog
from reference_impl.workspace import Workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A workspace with data, the trade store and a promoted champion (trained once per module)."""
    return build_batch_demo(Workspace(tmp_path_factory.mktemp("batch-job") / "ibml-home"), n_trades=2000, n_days=10)


@pytest.fixture
def env(demo, monkeypatch):
    monkeypatch.setenv("IBML_HOME", str(demo.workspace.root))
    monkeypatch.setenv("IBML_USER", "batch-operator")
    return demo


def _batch_records(ws):
    return [r for r in AuditLog(ws.audit_log).records() if r["event_type"] == "batch.scored"]


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("ibml: error: ") and "\n" not in err and "Traceback" not in err
    return err


def test_score_writes_decisions_with_versions_and_audits_the_run(env, capsys):
    day = env.busiest_day
    before = len(_batch_records(env.workspace))
    assert main(["batch", "score", "--engine", "pandas", "--date", day.isoformat()]) == 0
    assert f"of {day}" in capsys.readouterr().out
    out = read_decisions(decisions_dir(env.workspace, day))
    assert list(out.columns) == list(DECISION_COLUMNS) and len(out) > 0
    assert out["trade_id"].is_unique and (out["booking_ts"].dt.date == day).all()
    assert set(out["model_version"]) == {env.model_version} and set(out["model_name"]) == {"trade-anomaly"}
    assert out["ruleset_version"].str.len().min() > 0
    assert out["score"].notna().all() and out["flagged"].dtype == bool
    assert out.loc[out["flagged"], "reason_codes"].str.len().min() > 0  # every flag says why
    records = _batch_records(env.workspace)
    assert len(records) == before + 1
    rec = records[-1]
    assert rec["actor"] == "batch-operator"
    assert rec["payload"]["output"]["rows"] == len(out) and rec["payload"]["output"]["flagged"] == int(out["flagged"].sum())
    assert rec["payload"]["model"]["version"] == env.model_version and rec["payload"]["engine"] == "pandas"
    assert AuditLog(env.workspace.audit_log).verify().ok
    run = json.loads((decisions_dir(env.workspace, day) / "_run.json").read_text())
    assert run["output"]["rows"] == len(out)


def test_decisions_match_the_champion_on_the_same_features(env):
    """The batch path changes where the model runs, not what it decides."""
    from reference_impl.batch.inputs import plan_day, read_partitions, trade_store_dir
    from reference_impl.batch.model import resolve_model
    from reference_impl.features.day import (
        FEATURE_INPUT_COLUMNS,
        PAIR_INPUT_COLUMNS,
        features_for_day,
        pair_history_rows,
    )
    from reference_impl.lifecycle import load_champion

    day = env.busiest_day
    result = run_batch(day, engine="pandas", workspace=env.workspace)
    inputs = plan_day(day, trade_store_dir(env.workspace), env.data_dir)
    features = features_for_day(read_partitions(inputs.window_paths, FEATURE_INPUT_COLUMNS),
                                pair_history_rows(read_partitions(inputs.history_paths, PAIR_INPUT_COLUMNS)),
                                ref=inputs.ref, prices=inputs.prices, day=day)
    detector, info = load_champion("trade-anomaly")
    native = [d.to_dict() for d in detector.decide(features)]
    out = read_decisions(result.output)
    assert info.version == result.model_version == resolve_model(workspace=env.workspace).version
    assert out["trade_id"].tolist() == [d["trade_id"] for d in native]
    assert out["flagged"].tolist() == [d["flagged"] for d in native]
    assert out["reason_codes"].tolist() == [";".join(r["code"] for r in d["reasons"]) for d in native]
    assert out["score"].tolist() == pytest.approx([d["score"] for d in native], abs=1e-12)


def test_a_rerun_replaces_the_day_and_audits_again(env):
    first = run_batch(env.busiest_day, engine="pandas", workspace=env.workspace)
    n = len(_batch_records(env.workspace))
    second = run_batch(env.busiest_day, engine="pandas", workspace=env.workspace)
    assert (first.rows, first.flagged) == (second.rows, second.flagged)
    assert len(_batch_records(env.workspace)) == n + 1
    assert not list(first.output.parent.glob(".date=*"))  # no temporary directories left over


@pytest.mark.parametrize("argv, message", [
    (["--date", "2031-01-01"], "no trade partition booking_date=2031-01-01"),
    (["--date", "2026-13-01"], "--date must be YYYY-MM-DD"),
    (["--alias", "no-such-alias"], "has no @no-such-alias alias"),
    (["--model", "no-such-model"], "no-such-model has no @champion"),
    (["--engine", "spark", "--master", "spark://127.0.0.1:1"], "Spark master spark://127.0.0.1:1 cannot be reached"),
    (["--engine", "spark", "--master", "mesos://h:1"], "is not supported"),
    (["--master", "local[2]"], "--master only applies to --engine spark"),
])
def test_bad_input_is_one_line_non_zero_and_leaves_no_output(env, capsys, argv, message):
    argv = [*argv] if "--date" in argv else [*argv, "--date", env.busiest_day.isoformat()]
    target = decisions_dir(env.workspace, pd.Timestamp(argv[argv.index("--date") + 1]).date()) \
        if argv[argv.index("--date") + 1] != "2026-13-01" else None
    if target is not None and target.exists():
        import shutil

        shutil.rmtree(target)
    n = len(_batch_records(env.workspace))
    assert main(["batch", "score", *argv]) != 0
    assert message in _one_error_line(capsys)
    assert target is None or not target.exists()
    assert len(_batch_records(env.workspace)) == n


def test_python_m_batch_is_the_batch_command_group_on_its_own(env):
    """``python -m reference_impl.batch`` (the file spark-submit is given) scores a day and reports errors in one line."""
    import subprocess
    import sys

    run = lambda *argv: subprocess.run([sys.executable, "-m", "reference_impl.batch", *argv],  # noqa: E731
                                       capture_output=True, text=True, timeout=600)
    bad = run("score", "--date", "2026-13-01")
    assert bad.returncode != 0 and bad.stderr.strip() == "ibml: error: --date must be YYYY-MM-DD, got '2026-13-01'"
    day = env.busiest_day.isoformat()
    done = run("score", "--engine", "pandas", "--date", day)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"of {day}" in done.stdout and "on pandas" in done.stdout


def test_missing_store_points_at_ingest(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IBML_HOME", str(tmp_path / "empty"))
    assert main(["batch", "score", "--date", "2026-01-05"]) != 0
    assert "run `ibml batch ingest` first" in _one_error_line(capsys)


@pytest.mark.parametrize("failure", ["engine", "audit"])
def test_a_failure_mid_run_leaves_neither_output_nor_audit_record(env, monkeypatch, failure):
    import reference_impl.batch.pandas_engine as pandas_engine

    day = env.busiest_day
    target = decisions_dir(env.workspace, day)
    if target.exists():
        import shutil

        shutil.rmtree(target)
    n = len(_batch_records(env.workspace))
    if failure == "engine":
        real = pandas_engine.score_day

        def half_then_fail(inputs, model, out_dir):
            real(inputs, model, out_dir)  # a full part file is on disk ...
            raise ConfigError("simulated crash after writing")  # ... then the run dies

        monkeypatch.setattr(pandas_engine, "score_day", half_then_fail)
        expected = ConfigError
    else:
        def refuse(self, *args, **kwargs):
            raise AuditError("audit log is read-only")

        monkeypatch.setattr(AuditLog, "append", refuse)
        expected = AuditError
    with pytest.raises(expected):
        run_batch(day, engine="pandas", workspace=env.workspace)
    assert not target.exists()
    assert not list(target.parent.glob(f".{target.name}*"))
    monkeypatch.undo()
    assert len(_batch_records(env.workspace)) == n


def test_ingest_command_reports_the_partitions(env, capsys):
    assert main(["batch", "ingest"]) == 0
    assert "daily partitions" in capsys.readouterr().out


def _day_features(env):
    from reference_impl.batch.inputs import plan_day, read_partitions, trade_store_dir
    from reference_impl.features.day import (
        FEATURE_INPUT_COLUMNS,
        PAIR_INPUT_COLUMNS,
        features_for_day,
        pair_history_rows,
    )

    inputs = plan_day(env.busiest_day, trade_store_dir(env.workspace), env.data_dir)
    return features_for_day(read_partitions(inputs.window_paths, FEATURE_INPUT_COLUMNS),
                            pair_history_rows(read_partitions(inputs.history_paths, PAIR_INPUT_COLUMNS)),
                            ref=inputs.ref, prices=inputs.prices, day=env.busiest_day)


def _with_late_copies(features: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The day plus ``n`` re-bookings of early new trades a minute later (ids sorting last, so far away)."""
    originals = features[features["event_type"] == "new"].head(n)
    copies = originals.assign(trade_id="ZZ" + originals["trade_id"],
                              booking_ts=originals["booking_ts"] + pd.Timedelta(minutes=1))
    return pd.concat([features, copies], ignore_index=True)


def test_per_desk_model_calls_give_the_whole_days_decisions(env):
    """The engine calls the model desk by desk; the duplicate rule still sees every earlier copy."""
    from reference_impl.batch.model import resolve_model
    from reference_impl.batch.pandas_engine import predict_by_desk

    features = _with_late_copies(_day_features(env))
    model = resolve_model(workspace=env.workspace)
    whole = model.predict(features).reset_index(drop=True)
    assert features["desk"].nunique() > 1
    assert whole["reason_codes"].str.contains("R_DUPLICATE").sum() == 3  # the copies, wherever their desk
    pd.testing.assert_frame_equal(predict_by_desk(model, features), whole, check_exact=True)


def test_fixed_size_chunks_would_change_decisions(env):
    """Why the engines do not chunk by row count: a copy in another chunk is not seen as a duplicate."""
    from reference_impl.batch.model import resolve_model

    features = _with_late_copies(_day_features(env))
    model = resolve_model(workspace=env.workspace)
    whole = model.predict(features).reset_index(drop=True)
    assert whole["reason_codes"].str.contains("R_DUPLICATE").sum() == 3
    chunked = pd.concat([model.predict(features.iloc[i:i + 7]) for i in range(0, len(features), 7)], ignore_index=True)
    assert (chunked["reason_codes"] != whole["reason_codes"]).any()
