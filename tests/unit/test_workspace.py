"""The workspace keeps all runtime state in one place and never leaves a half-written file."""

from __future__ import annotations

import pytest

from reference_impl.errors import WorkspaceError
from reference_impl.workspace import Workspace, atomic_dir, atomic_write, default_home


def test_ibml_home_env_var_sets_the_workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("IBML_HOME", str(tmp_path / "ws"))
    assert default_home() == (tmp_path / "ws").resolve()
    assert Workspace.from_env().audit_log.is_relative_to(tmp_path / "ws")


def test_atomic_write_replaces_the_file_only_on_success(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(target, "w") as fh:
            fh.write("half")
            raise RuntimeError("crash mid-write")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"], "temporary file left behind"
    with atomic_write(target, "w") as fh:
        fh.write("new")
    assert target.read_text() == "new"


def test_atomic_dir_keeps_the_previous_directory_when_the_build_fails(tmp_path):
    target = tmp_path / "dataset"
    target.mkdir()
    (target / "a.parquet").write_text("v1")
    with pytest.raises(ValueError):
        with atomic_dir(target) as tmp:
            (tmp / "a.parquet").write_text("v2-partial")
            raise ValueError("generator failed")
    assert (target / "a.parquet").read_text() == "v1"
    with atomic_dir(target) as tmp:
        (tmp / "b.parquet").write_text("v2")
    assert sorted(p.name for p in target.iterdir()) == ["b.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset"]


def test_unwritable_output_directory_is_a_workspace_error(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("I am a file")
    with pytest.raises(WorkspaceError, match="not-a-dir"):
        with atomic_write(blocker / "x.txt", "w") as fh:
            fh.write("x")


def test_atomic_write_gives_normal_file_permissions(tmp_path):
    """mkstemp creates 0600 files; a report meant to be shared must honour the umask instead."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "report.html", "w") as fh:
            fh.write("<html></html>")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "report.html").stat().st_mode) == 0o644


def test_default_workspace_is_dot_ibml_in_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("IBML_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_home() == tmp_path.resolve() / ".ibml"
    monkeypatch.setenv("IBML_HOME", "")  # empty counts as unset
    assert default_home() == tmp_path.resolve() / ".ibml"


def test_default_workspace_is_never_inside_the_installed_package(tmp_path, monkeypatch):
    from reference_impl.workspace import PACKAGE_DIR

    monkeypatch.delenv("IBML_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert not default_home().is_relative_to(PACKAGE_DIR.parent)


def test_ibml_home_expands_the_user_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("IBML_HOME", "~/ws")
    assert default_home() == (tmp_path / "ws").resolve()
