"""The CLI turns user errors into one line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reference_impl.cli import main


def test_version_prints_and_exits_zero(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("ibml ")


def test_unknown_command_is_one_line_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("ibml: error:")
    assert "Traceback" not in "\n".join(err)


def test_console_script_is_installed_and_lists_commands():
    out = subprocess.run([sys.executable, "-m", "reference_impl.cli", "--help"], capture_output=True, text=True, check=True)
    assert "COMMAND" in out.stdout
