"""``ibml lab export`` writes a whole repository or nothing, and refuses a directory that is in use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reference_impl.labs import LabError, get_lab, load_lab
from reference_impl.labs import export as export_module
from reference_impl.labs.export import export_lab
from toy_lab_files import FILES, LAB_TOML, write_lab

BIN = Path(sys.executable).parent


@pytest.fixture
def toy(labs_dir):
    (labs_dir.parent / "docs").mkdir()
    (labs_dir.parent / "docs" / "credit_risk.md").write_text("# Credit data card\n")
    return get_lab("toy", labs_dir)


def test_the_export_holds_the_repository(toy, tmp_path):
    result = export_lab(toy, tmp_path / "out")
    out = result.dest
    assert {"README.md", "requirements.txt", ".gitignore", ".github/workflows/ci.yml", "pyproject.toml",
            "toy_lab/ops.py", "tests/test_m1_double.py", "docs/ibml/docs/credit_risk.md"} <= set(result.files)
    assert not (out / "Dockerfile").exists() and not (out / "vendor").exists()  # no service, no ibml
    assert "NotImplementedError" in (out / "toy_lab" / "ops.py").read_text()
    readme = (out / "README.md").read_text()
    assert "[the data card](docs/ibml/docs/credit_risk.md)" in readme
    assert "[the tests](tests)" in readme and "the solution (in the ibml course repository)" in readme
    assert "[a site](https://example.org)" in readme
    assert "python -m pip install --require-hashes -r requirements.txt" in readme
    reqs = (out / "requirements.txt").read_text()
    for name in ("pytest==", "pluggy==", "iniconfig==", "setuptools=="):
        assert f"\n{name}" in reqs, name
    pins = [line for line in reqs.splitlines() if "==" in line and not line.startswith("#")]
    assert pins and all(line.endswith(" \\") for line in pins), "every pin is followed by its --hash lines"
    assert "python -m pytest" in "\n".join(result.next_commands)
    assert str(out) in result.to_text()


def test_with_solution_fills_in_the_solution(toy, tmp_path):
    out = export_lab(toy, tmp_path / "out", with_solution=True).dest
    assert "return 2 * x" in (out / "toy_lab" / "ops.py").read_text()
    assert "reference solution filled in" in (out / "README.md").read_text()


def test_a_service_gets_a_dockerfile_and_both_lint_clean(labs_dir, tmp_path):
    toml = LAB_TOML.replace("uses_ibml = false", 'uses_ibml = false\nservice = "toy_lab.api:app"\n'
                            'validation_gate = "python -m toy_lab.gate"')
    write_lab(tmp_path / "labs", {**FILES, "lab.toml": toml})
    out = export_lab(load_lab(tmp_path / "labs" / "toy"), tmp_path / "out").dest
    docker = (out / "Dockerfile").read_text()
    assert docker.startswith("# The toy service") and "FROM python:3.11-slim" in docker
    assert "--require-hashes" in docker and "USER 10001" in docker and "HEALTHCHECK" in docker
    assert 'CMD ["uvicorn", "toy_lab.api:app"' in docker and (out / ".dockerignore").is_file()
    assert "run: python -m toy_lab.gate" in (out / ".github" / "workflows" / "ci.yml").read_text()
    for tool, target in (("hadolint", out / "Dockerfile"), ("actionlint", out / ".github" / "workflows" / "ci.yml")):
        lint = subprocess.run([str(BIN / tool), str(target)], capture_output=True, text=True, check=False)
        assert lint.returncode == 0, f"{tool}: {lint.stdout}{lint.stderr}"


def test_a_directory_in_use_is_refused_and_left_alone(toy, tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    with pytest.raises(LabError, match="already exists and is not empty"):
        export_lab(toy, used)
    assert [p.name for p in used.iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(LabError, match="already exists"):
        export_lab(toy, tmp_path / "file")
    (tmp_path / "empty").mkdir()
    assert (export_lab(toy, tmp_path / "empty").dest / "README.md").is_file()


def test_a_failure_leaves_nothing_half_written(toy, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise LabError("requirements.lock: no pin for x")

    monkeypatch.setattr(export_module, "pinned_requirements", broken)
    with pytest.raises(LabError, match="no pin for x"):
        export_lab(toy, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "labs"]
