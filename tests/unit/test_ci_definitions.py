"""The CI/CD definitions are what docs/cicd.md says they are, and the linters that guard them can fail.

A reviewer reads a pipeline for three things: what it runs and in which order, what it may touch
(third-party code, credentials, approvals), and what it ships. These tests pin each of them to the
files themselves: ``.github/workflows/ci.yml``, ``Dockerfile`` and ``.dockerignore``. The last group
runs actionlint and hadolint as ``make lint`` does, and also on a deliberately bad file, so a linter
that silently passes everything (a wrapper that lost its binary, a wrong flag) fails here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
BIN = Path(sys.executable).parent

#: The only actions the workflows may use: GitHub's own, nothing from the marketplace.
ALLOWED_ACTIONS = {"actions/checkout", "actions/setup-python", "actions/upload-artifact"}
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<action>[\w.-]+/[\w.-]+)@(?P<ref>\S+)\s*(?:#\s*(?P<tag>\S+))?\s*$")
#: A command line (not an echoed string) that approves, promotes or rolls back a model.
CHANGE_CONTROL = re.compile(r"^\s*(?:\S*/)?ibml\s+registry\s+(?:approve|promote|rollback)\b", re.MULTILINE)


def load_workflow() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{WORKFLOW} is not a YAML mapping"
    # YAML 1.1 reads the bare key `on` as the boolean True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def step_index(steps: list[dict[str, Any]], pattern: str) -> int:
    """Index of the only step whose `run` matches ``pattern``; fails naming the pattern otherwise."""
    hits = [i for i, s in enumerate(steps) if re.search(pattern, s.get("run", ""), re.MULTILINE)]
    assert len(hits) == 1, f"expected exactly one step running {pattern!r}, found {len(hits)}"
    return hits[0]


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return load_workflow()


@pytest.fixture(scope="module")
def model_steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return workflow["jobs"]["model-artifact"]["steps"]


# -- the workflow ---------------------------------------------------------------------------------


def test_workflow_parses_with_the_two_jobs(workflow: dict[str, Any]) -> None:
    assert workflow["name"] == "ci"
    assert set(workflow["jobs"]) == {"tests", "model-artifact"}
    for name, job in workflow["jobs"].items():
        assert job.get("timeout-minutes"), f"job {name} has no timeout-minutes (a hung job would run for 6 h)"


def test_triggers_are_pull_requests_and_pushes_to_main_only(workflow: dict[str, Any]) -> None:
    # pull_request_target or workflow_run would run a fork's code with the base repository's secrets.
    assert workflow["on"] == {"pull_request": {"branches": ["main"]}, "push": {"branches": ["main"]}}


def test_token_is_read_only(workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        assert "permissions" not in job, f"job {name} widens the workflow's read-only token"


def test_pull_requests_run_make_test_through_ci_run(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["tests"]
    assert "if" not in job, "the tests job must run on every trigger"
    assert job["container"].startswith("python:3.11-"), "tests run on Debian with CPython 3.11, as .ci/run expects"
    runs = [s.get("run", "") for s in job["steps"]]
    assert ".ci/run" in runs
    ci_run = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci_run, re.MULTILINE), ".ci/run no longer runs `make test`"
    for package in ("chromium", "chromium-driver", "postgresql", "default-jdk-headless", "rabbitmq-server"):
        assert f"need+=({package})" in ci_run, f".ci/run no longer installs {package}"
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    test_target = re.search(r"^test: lint\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert test_target and "$(NBVAL_OPTS) notebooks/week*.ipynb" in test_target.group(1), "make test lost nbval"


def test_model_job_runs_only_after_tests_on_pushes_to_main(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["model-artifact"]
    assert job["needs"] == "tests"
    assert job["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"


def test_model_job_stages_run_in_order(model_steps: list[dict[str, Any]]) -> None:
    train = step_index(model_steps, r"ibml train anomaly\b")
    validate = step_index(model_steps, r"ibml registry validate\b")
    card = step_index(model_steps, r"ibml registry card\b")
    challenger = step_index(model_steps, r"ibml registry list\b[\s\S]*@challenger \+validation passed \+pending")
    image = step_index(model_steps, r"^\s*docker build\b")
    assert train < validate < card < challenger < image, [s["name"] for s in model_steps]
    assert "--no-register" not in model_steps[train]["run"], "train must register the version (as @challenger)"
    # The version validated, carded and checked is the one train registered, not "the latest".
    for i in (validate, card, challenger):
        assert model_steps[i]["env"]["VERSION"] == "${{ steps.train.outputs.version }}", model_steps[i]["name"]
        assert re.search(r'"\$MODEL" "\$VERSION"|v\$\{VERSION\}', model_steps[i]["run"]), model_steps[i]["name"]


def test_validation_failure_stops_the_job(model_steps: list[dict[str, Any]], workflow: dict[str, Any]) -> None:
    # `ibml registry validate` exits 1 on a failed threshold; piping it into tee must not hide that.
    assert workflow["defaults"]["run"]["shell"] == "bash"  # GitHub runs `bash -eo pipefail` for shell: bash
    validate = model_steps[step_index(model_steps, r"ibml registry validate\b")]
    assert "continue-on-error" not in validate and "|| true" not in validate["run"]


def test_model_job_never_approves_promotes_or_holds_a_validator_key(
    workflow: dict[str, Any], model_steps: list[dict[str, Any]]
) -> None:
    for step in model_steps:
        assert (
            not re.search(r"approve|promot|rollback", step["name"], re.IGNORECASE) or "not run here" in step["name"]
        ), f"step {step['name']!r} looks like a change-control step"
        assert not CHANGE_CONTROL.search(step.get("run", "")), f"step {step['name']!r} runs approve/promote/rollback"
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "secrets." not in text, "the pipeline is given no secrets (no approval keys, no registry credentials)"
    enrol = [s["run"] for s in model_steps if "people enrol" in s.get("run", "")]
    assert len(enrol) == 1 and "--role submitter" in enrol[0]
    assert "model_validator" not in "\n".join(s.get("run", "") for s in model_steps)


def test_evidence_upload_leaves_private_keys_behind(model_steps: list[dict[str, Any]]) -> None:
    runs = "\n".join(s.get("run", "") for s in model_steps)
    assert "people.json" in runs  # public keys, so a reviewer can verify the submission signature
    for line in runs.splitlines():
        if re.match(r"\s*(cp|mv|tar|zip|rsync)\b", line) and "IDENTITY" in line.upper():
            # the identity directory's keys/ holds the submitter's private key: only people.json may leave
            assert line.count("IBML_IDENTITY_DIR") == 1 and '"$IBML_IDENTITY_DIR/people.json"' in line, line
    uploads = [s for s in model_steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert [u["with"]["path"] for u in uploads] == ["${{ runner.temp }}/evidence/"]


def test_every_action_is_allowed_and_pinned_to_a_full_commit_sha() -> None:
    lines = [line for line in WORKFLOW.read_text(encoding="utf-8").splitlines() if re.match(r"^\s*(-\s+)?uses:", line)]
    assert lines, "no actions found"
    for line in lines:
        m = PINNED.match(line)
        assert m, f"cannot read the action reference in {line.strip()!r}"
        assert m["action"] in ALLOWED_ACTIONS, f"{m['action']} is not one of {sorted(ALLOWED_ACTIONS)}"
        assert re.fullmatch(r"[0-9a-f]{40}", m["ref"]), f"{m['action']}@{m['ref']}: pin a full commit SHA, not a tag"
        assert m["tag"] and re.fullmatch(r"v\d+\.\d+\.\d+", m["tag"]), f"{line.strip()!r}: add '# vX.Y.Z'"


# -- the serving image ----------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs, continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_installs_from_the_lock_with_hashes() -> None:
    ins = dockerfile_instructions()
    assert ins[0] == ("FROM", "python:3.11-slim")
    runs = [args for word, args in ins if word == "RUN"]
    assert any(re.search(r"pip install .*--require-hashes -r requirements\.lock", r) for r in runs)
    own = [r for r in runs if re.search(r"pip install [^&]*\s\.(\s|$)", r)]
    assert len(own) == 1 and "--no-deps" in own[0], "the package itself is installed without unlocked dependencies"
    assert not any(re.search(r"pip install(?![^&]*(-r requirements\.lock|--no-deps))", r) for r in runs)


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = [args for word, args in dockerfile_instructions() if word == "USER"]
    assert users, "no USER: the service would run as root"
    final = users[-1].split(":")[0]
    assert final not in {"root", "0"}
    assert "useradd --system --uid " + final in DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", "")


def test_dockerfile_healthcheck_probes_readiness() -> None:
    checks = [args for word, args in dockerfile_instructions() if word == "HEALTHCHECK"]
    assert len(checks) == 1 and "/readyz" in checks[0] and "/healthz" not in checks[0]


def test_dockerfile_bakes_in_no_secrets() -> None:
    for word, args in dockerfile_instructions():
        if word in {"ENV", "ARG", "LABEL"}:
            assert not re.search(r"(KEY|SECRET|TOKEN|PASSWORD|PASSWD)\w*=", args, re.IGNORECASE), f"{word} {args}"
        if word in {"COPY", "ADD"}:
            assert not re.search(r"\.ibml|identity|\.key\b|\.ed25519|\.env\b", args), f"{word} {args}"
    ignored = [line for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert ignored[0] == "*", ".dockerignore must start by excluding everything, then let in what the image needs"
    for pattern in ("**/.ibml", "**/.ibml-identity", "**/*.key", "**/*.ed25519"):
        assert pattern in ignored, f".dockerignore lost {pattern}"


def test_every_copied_path_is_in_the_build_context() -> None:
    allowed = {
        line[1:].rstrip("/") for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines() if line[:1] == "!"
    }
    for word, args in dockerfile_instructions():
        if word == "COPY":
            *sources, _dest = args.split()
            for src in sources:
                assert src in allowed, f"COPY {src}: .dockerignore leaves it out of the build context"
                assert (REPO / src).exists(), f"COPY {src}: no such path"


# -- the linters ----------------------------------------------------------------------------------

BAD_WORKFLOW = """\
name: bad
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "${{ github.no_such_property }}"
"""

BAD_DOCKERFILE = """\
FROM python:latest
RUN apt-get update && apt-get install -y curl
"""


def run_tool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    tool = BIN / str(args[0])
    assert tool.exists(), f"{tool} missing: it comes with the dev extra (make venv)"
    return subprocess.run([str(tool), *map(str, args[1:])], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_makefile_lint_runs_both_linters() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    lint = re.search(r"^lint: .*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert lint, "no lint target"
    assert "$(BIN)/actionlint" in lint.group(1) and "$(BIN)/hadolint Dockerfile" in lint.group(1)


def test_actionlint_passes_the_workflows() -> None:
    result = run_tool("actionlint")
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_fails_a_bad_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW, encoding="utf-8")
    result = run_tool("actionlint", bad)
    assert result.returncode != 0
    assert "no_such_property" in result.stdout


def test_hadolint_passes_the_dockerfile() -> None:
    result = run_tool("hadolint", DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text(BAD_DOCKERFILE, encoding="utf-8")
    result = run_tool("hadolint", bad)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # "latest" is not a version
