"""The Java client's request and the responses it reads match the service's OpenAPI document.

The client prints the exact request it would send (``--dry-run``: method, path, headers with the key redacted,
JSON body) without sending it, and the response fields it reads (``ScoreClient.READS``: status, path, type). The
body is validated against the request schema ``app.openapi()`` publishes for that path and method; each field the
client reads must exist in that status's response schema with a type the client can take. So renaming a field in
the service (``quantity`` in the request, ``audit_seq`` in the response) fails here, not on the bank's side.
Needs ``javac`` (Debian ``default-jdk-headless``): skipped without it, failed in CI.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

JAVA_SRC = Path(__file__).resolve().parents[3] / "clients" / "java" / "src"
SCORE_PATH = "/v1/trades/score"


# the same two helpers as tests/integration/test_java_client.py (tests/ is not a package)
def compile_java_client(out: Path) -> Path:
    """``javac`` the client into ``out`` (warnings are errors); skip without a JDK, fail in CI."""
    javac = shutil.which("javac")
    if javac is None:
        if os.environ.get("CI"):
            pytest.fail("javac is required in CI (.ci/run installs default-jdk-headless)")
        pytest.skip("javac not installed (apt-get install default-jdk-headless)")
    sources = sorted(str(p) for p in (JAVA_SRC / "ibml").glob("*.java"))
    proc = subprocess.run(
        [javac, "-Xlint:all", "-Werror", "--release", "17", "-d", str(out), *sources],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"javac failed:\n{proc.stderr}"
    return out


def run_java(classes: Path, *args: str, key: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "IBML_API_KEY"}
    if key is not None:
        env["IBML_API_KEY"] = key
    return subprocess.run(
        [shutil.which("java") or "java", "-cp", str(classes), "ibml.Main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def classes(tmp_path_factory):
    return compile_java_client(tmp_path_factory.mktemp("java-classes"))


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    from reference_impl.serving import ServiceSettings, create_app

    return create_app(ServiceSettings(home=tmp_path_factory.mktemp("ibml-openapi"))).openapi()


@pytest.fixture(scope="module")
def dry_run(classes):
    return _dry_run(classes)


def _dry_run(classes, *args):
    proc = run_java(classes, "--url", "http://127.0.0.1:9", "--dry-run", *args, key="not-a-real-key")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _request_validator(spec, method: str, path: str):
    from jsonschema import Draft202012Validator

    body = spec["paths"][path][method.lower()]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    # resolve "#/components/..." $refs against the OpenAPI document itself (OpenAPI 3.1 schemas are 2020-12)
    return Draft202012Validator({**schema, "components": spec["components"]})


def _resolve(spec, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _types(spec, schema: dict) -> set[str]:
    """The JSON types a (resolved) schema allows, through ``anyOf``/``oneOf``; a bare ``$ref`` is its target's."""
    schema = _resolve(spec, schema)
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        return set().union(*(_types(spec, alt) for alt in alternatives))
    kind = schema.get("type")
    if kind is None:
        return {"object"} if "properties" in schema else {"any"}
    return set(kind) if isinstance(kind, list) else {kind}


def _non_null(spec, schema: dict) -> dict:
    """The one non-null alternative of ``X | None`` (to step into it), else the schema itself."""
    schema = _resolve(spec, schema)
    for alt in schema.get("anyOf") or ():
        if _types(spec, alt) != {"null"}:
            return _resolve(spec, alt)
    return schema


def _field_schema(spec, status: str, path: str) -> tuple[dict, bool]:
    """The schema of ``path`` (``a.b[].c``) in the JSON response for ``status``, and whether its parent requires it.

    (A parent that may be absent is its own entry in ``READS``, checked there.)
    """
    response = spec["paths"][SCORE_PATH]["post"]["responses"][status]
    schema = _resolve(spec, response["content"]["application/json"]["schema"])
    required = True
    for part in path.split("."):
        name, into_items = part.removesuffix("[]"), part.endswith("[]")
        schema = _non_null(spec, schema)
        properties = schema.get("properties", {})
        assert name in properties, f"{status} response has no field {path!r} (at {name!r}): {sorted(properties)}"
        required = name in schema.get("required", ())
        schema = _resolve(spec, properties[name])
        if into_items:
            schema = _resolve(spec, _non_null(spec, schema)["items"])
    return schema, required


def test_the_request_is_the_documented_operation(spec, dry_run):
    req = dry_run
    assert req["path"] == SCORE_PATH and req["method"].lower() in spec["paths"][SCORE_PATH]
    operation = spec["paths"][SCORE_PATH][req["method"].lower()]
    schemes = spec["components"]["securitySchemes"]
    required = [name for alternative in operation["security"] for name in alternative]
    assert required, "the scoring operation must declare its security"
    for name in required:
        scheme = schemes[name]
        assert scheme["type"] == "apiKey" and scheme["in"] == "header"
        assert req["headers"].get(scheme["name"]) == "<redacted>", f"the client must send {scheme['name']}"
    assert req["headers"]["Content-Type"] in operation["requestBody"]["content"]
    assert req["headers"]["Accept"] in operation["responses"]["200"]["content"]
    assert "not-a-real-key" not in json.dumps(req), "the dry run never prints the key"


def test_the_body_validates_against_the_request_schema(spec, dry_run):
    body = dry_run["body"]
    errors = sorted(_request_validator(spec, "POST", SCORE_PATH).iter_errors(body), key=str)
    assert not errors, [e.message for e in errors]
    # the body's JSON types are the schema's: e.g. quantity a number, orig_trade_id a null, timestamps strings
    assert isinstance(body["quantity"], int | float) and not isinstance(body["quantity"], bool)
    assert body["orig_trade_id"] is None and isinstance(body["exec_ts"], str)


def test_renaming_a_request_field_in_the_service_breaks_the_check(spec, dry_run):
    """What the check is for: the service's schema changes (here ``quantity`` -> ``qty``), the Java body fails."""
    renamed = copy.deepcopy(spec)
    trade = renamed["components"]["schemas"]["TradeEventIn"]
    trade["properties"]["qty"] = trade["properties"].pop("quantity")
    trade["required"] = ["qty" if f == "quantity" else f for f in trade["required"]]
    messages = [e.message for e in _request_validator(renamed, "POST", SCORE_PATH).iter_errors(dry_run["body"])]
    assert any("'qty' is a required property" in m for m in messages), messages
    assert any("'quantity' was unexpected" in m for m in messages), messages


@pytest.mark.parametrize(
    ("override", "field"),
    [("quantity=-5", "quantity"), ("side=HOLD", "side"), ('quantity="2500"', "quantity"), ("unexpected=1", None)],
)
def test_a_body_breaking_the_contract_fails_the_same_check(classes, spec, override, field):
    """The check can fail: the client sends what it is given, and the schema catches what the service would 422."""
    validator = _request_validator(spec, "POST", SCORE_PATH)
    errors = list(validator.iter_errors(_dry_run(classes, "--set", override)["body"]))
    assert errors
    if field is not None:
        assert any(field in e.absolute_path for e in errors), [e.message for e in errors]


def check_reads(spec, reads: dict[str, str]) -> None:
    """Each ``"status path": type`` the client reads exists in that response's schema with a type it can take."""
    for key, expected in reads.items():
        status, path = key.split(" ", 1)
        schema, required = _field_schema(spec, status, path)
        allowed = _types(spec, schema)
        kind, handles_null = expected.removesuffix("?"), expected.endswith("?")
        compatible = {kind, "integer"} if kind == "number" else {kind}  # a JSON integer is a Java Number too
        assert allowed - {"null"} <= compatible, f"{key}: the service sends {sorted(allowed)}, the client reads {kind}"
        if "null" in allowed or not required:
            assert handles_null, f"{key} may be null or absent ({sorted(allowed)}, required={required}): mark it '?'"


def test_every_response_field_the_client_reads_is_documented_with_its_type(spec, dry_run):
    reads = dry_run["reads"]
    assert {key.split(" ", 1)[0] for key in reads} == {"200", "401", "403", "422", "503"}
    check_reads(spec, reads)


def test_a_renamed_or_retyped_response_field_breaks_the_check(spec, dry_run):
    renamed = copy.deepcopy(spec)
    meta = renamed["components"]["schemas"]["InferenceMetadata"]["properties"]
    meta["audit_sequence"] = meta.pop("audit_seq")
    with pytest.raises(AssertionError, match="has no field 'metadata.audit_seq'"):
        check_reads(renamed, dry_run["reads"])
    retyped = copy.deepcopy(spec)
    retyped["components"]["schemas"]["TradeDecisionOut"]["properties"]["flagged"] = {"type": "string"}
    with pytest.raises(AssertionError, match="200 result.flagged: the service sends"):
        check_reads(retyped, dry_run["reads"])


def test_the_parser_reads_only_the_declared_fields(dry_run):
    """``READS`` is the client's own list, so it must not drift from the code: every ``.get("name")`` is in it."""
    source = (JAVA_SRC / "ibml" / "ScoreClient.java").read_text()
    read_in_code = set(re.findall(r'\.get\("([a-z_]+)"\)', source))
    declared = {key.split(" ", 1)[1].split(".")[-1].removesuffix("[]") for key in dry_run["reads"]}
    declared |= {part.removesuffix("[]") for key in dry_run["reads"] for part in key.split(" ", 1)[1].split(".")}
    assert read_in_code, "the pattern must find the parser's field reads"
    assert read_in_code <= declared, f"read but not declared in READS: {sorted(read_in_code - declared)}"


def test_without_a_key_no_security_header_is_sent(classes):
    proc = run_java(classes, "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "X-API-Key" not in json.loads(proc.stdout)["headers"]
