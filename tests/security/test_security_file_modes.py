"""Finding 11 (part): workspace files holding personal data or raw document text are 0600 in 0700 directories.

Reproduced on the old main: ``kyc/review_queue.db`` (raw document text) was 0644, and so were the audit log
(0640), the prediction log, the online store and the generated data files; only ``data/`` itself was 0700.
The rule lives in one place, :mod:`reference_impl.workspace` (``private_dir`` / ``private_file`` /
``open_private`` / ``atomic_write(private=True)``).
"""

from __future__ import annotations

import os
import stat

import pytest

from reference_impl.data.io import write_samples
from reference_impl.serving import ServiceSettings, create_app
from reference_impl.serving.demo import build_demo_deployment
from reference_impl.serving.testing import test_client
from reference_impl.workspace import open_private, private_dir, private_file

#: Workspace entries (relative to IBML_HOME) that hold personal data or raw document text.
PII_PLACES = ("data", "features", "audit", "logs", "kyc")


def _loose(path) -> int:
    return stat.S_IMODE(path.lstat().st_mode) & 0o077


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)  # the usual default: without the rule, files would come out 0644
    yield
    os.umask(old)


@pytest.mark.slow
def test_pii_files_are_private_after_a_small_run(tmp_path, loose_umask):
    home = tmp_path / "ibml-home"
    settings = ServiceSettings(home=home, latency_budget_ms=10_000)
    dep = build_demo_deployment(settings, n_trades=800, n_days=5, n_events=10, n_docs=200)
    write_samples(home / "data" / "samples", seed=3)  # the CSV writer of `ibml data samples`

    with test_client(create_app(settings)) as c:
        for body in dep.events[:3]:
            assert c.post("/v1/trades/score", json=body, headers={"X-API-Key": dep.keys["scorer"]}).status_code == 200
        doc = {"doc_id": "D1", "client_id": "C00001", "text": "Utility bill. Account holder: JANE DOE. 1 High St"}
        r = c.post("/v1/kyc/classify", json=doc, headers={"X-API-Key": dep.keys["scorer"]})
        assert r.status_code == 200, r.text
    assert (home / "kyc" / "review_queue.db").exists() and (home / "audit" / "audit.jsonl").exists()
    assert (home / "logs" / "predictions.jsonl").exists() and (home / "features" / "online.db").exists()

    offenders = []
    for place in PII_PLACES:
        base = home / place
        if not base.exists():
            continue
        for p in [base, *base.rglob("*")]:
            if _loose(p):
                offenders.append(f"{p.relative_to(home)} {oct(stat.S_IMODE(p.lstat().st_mode))}")
    keys = settings.api_keys_path
    for p in (home, keys):
        if p.exists() and _loose(p):
            offenders.append(f"{p} {oct(stat.S_IMODE(p.lstat().st_mode))}")
    assert not offenders, offenders


def test_the_helpers_make_files_0600_in_0700_directories(tmp_path, loose_umask):
    d = private_dir(tmp_path / "a" / "b")
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700 and stat.S_IMODE(d.stat().st_mode) == 0o700
    f = tmp_path / "a" / "b" / "x.db"
    f.write_text("")
    f.chmod(0o644)
    private_file(f)  # an existing file is tightened too
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    os.close(open_private(tmp_path / "c" / "log.jsonl"))
    assert stat.S_IMODE((tmp_path / "c" / "log.jsonl").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "c").stat().st_mode) == 0o700
