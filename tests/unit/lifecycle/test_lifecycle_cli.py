"""``ibml train`` / ``ibml registry`` / ``ibml mlflow-server``: refusals are one line and a non-zero exit."""

from __future__ import annotations

import socket

import pytest

from reference_impl.cli import main


def _one_line_error(capsys, needle: str) -> None:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("ibml: error: ") and needle in err[0], err[0]


@pytest.fixture
def cli_store(toy_store, monkeypatch):
    """The toy store as the CLI's workspace, with one validated version of a fresh model."""
    monkeypatch.setenv("IBML_HOME", str(toy_store.workspace.root))
    monkeypatch.delenv("IBML_MLFLOW_TRACKING_URI", raising=False)
    reg, name = toy_store.registry(), toy_store.new_name()
    info = toy_store.register(reg, name, 0, submitter="alice")
    reg.validate(name, info.version, toy_store.evaluator(), actor="alice", backtest="toy",
                 thresholds=toy_store.thresholds())
    return reg, name


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["train"], "give either a recipe"),
        (["train", "anomaly", "--reproduce", "abc"], "give either a recipe"),
        (["train", "anomaly", "--set", "n_trades"], "--set expects KEY=VALUE"),
        (["train", "anomaly", "--set", "n_trades=many"], "'n_trades' of recipe 'anomaly' must be a int"),
        (["train", "kyc", "--set", "depth=3"], "unknown parameter 'depth'"),
        (["train", "--reproduce", "0" * 32], "not found"),
    ],
)
def test_train_refusals(workspace, capsys, argv, needle):
    assert main(argv) == 2
    _one_line_error(capsys, needle)


def test_self_approval_from_cli_is_one_line(cli_store, capsys):
    reg, name = cli_store
    assert main(["registry", "approve", name, "1", "--as", "alice"]) == 2
    _one_line_error(capsys, "four-eyes")
    assert reg.get(name, "1").approval_status == "pending"


def test_promote_unapproved_and_rollback_without_history(cli_store, capsys):
    reg, name = cli_store
    assert main(["registry", "promote", name, "1", "--as", "bob"]) == 2
    _one_line_error(capsys, "not approved")
    assert main(["registry", "rollback", name, "--as", "bob"]) == 2
    _one_line_error(capsys, "no @champion")


def test_approve_promote_history_and_card_happy_path(cli_store, capsys, tmp_path):
    reg, name = cli_store
    assert main(["registry", "approve", name, "1", "--as", "bob", "--comment", "backtest ok"]) == 0
    assert main(["registry", "promote", name, "1", "--as", "bob"]) == 0
    assert main(["registry", "list", name]) == 0
    assert main(["registry", "history", name]) == 0
    assert main(["registry", "card", name, "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"{name}@champion -> v1" in out
    assert "@champion" in out and "approved by bob" in out
    assert "- -> 1    by bob  (promoted)" in out
    assert (tmp_path / f"{name}-v1.md").exists() and (tmp_path / f"{name}-v1.html").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_tracking_store_is_one_line(workspace, capsys):
    uri = f"postgresql://ibml:pw@127.0.0.1:{_free_port()}/nowhere"
    assert main(["registry", "--tracking-uri", uri, "list"]) == 2
    _one_line_error(capsys, "unreachable")
    assert "pw" not in capsys.readouterr().err


def test_mlflow_server_dry_run_uses_workspace_store(workspace, capsys):
    assert main(["mlflow-server", "--dry-run", "--port", "5123"]) == 0
    out = capsys.readouterr().out
    assert f"sqlite:///{workspace.mlflow_dir / 'mlflow.db'}" in out and "--port 5123" in out
    assert "--host 127.0.0.1" in out


def test_mlflow_server_refuses_a_server_url_as_backend(workspace, capsys):
    assert main(["mlflow-server", "--dry-run", "--backend-store-uri", "http://x:5000"]) == 2
    _one_line_error(capsys, "must be a database URI")
