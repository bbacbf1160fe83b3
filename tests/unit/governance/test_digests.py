"""The one digest module (`governance.lineage`): fixed values, and the call sites that use it.

The expected hex strings were computed with the definitions each call site had before they were
replaced by the shared functions, so a change here means a persisted value (manifest, SHA256SUMS,
MLflow tag, review-queue column) would change: do not update them without saying so.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from reference_impl.governance import bytes_digest, digest_mapping, file_digest, frame_digest, text_digest

ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2 test vector
FILE_3000 = "328de8f1895f8bb09f6e6b4c2012ef2b2a6f067cd002794b750aa040a6f6d8bd"  # b"abc" * 1000
FRAME = "576baa607b0efe7bfc4ddaaf5a182e60435e29b43406971c903c1bd04fed1e82"  # was recipes.frame_sha256
MAPPING = "5ad30c9f33337ba149c85bd0f1ffad72b705d33f4c2971c30cf2a9ad7f453b95"  # was Manifest.dataset_sha256
GRUSSE = "f83e039796c6453a10f5519e39fd113901572316a1a8ea07cb525d2801dfd074"  # "Grüße" as UTF-8


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1, 2, 3], "b": [0.5, np.nan, -1.0], "c": ["x", "y", "z"]})


def _old_file_sha256(path) -> str:  # the helper anomaly/kyc persistence, pyfunc and data.io each had
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _old_frame_sha256(frame: pd.DataFrame) -> str:  # lifecycle.recipes.frame_sha256
    h = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


# -- fixed values -----------------------------------------------------------------------------------
def test_bytes_and_text_digest_known_values():
    assert bytes_digest(b"abc") == ABC
    assert text_digest("abc") == ABC
    assert text_digest("Grüße") == GRUSSE
    assert text_digest("") == hashlib.sha256(b"").hexdigest()


def test_file_digest_known_value_and_chunking(tmp_path):
    f = tmp_path / "x.bin"
    f.write_bytes(b"abc" * 1000)
    assert file_digest(f) == FILE_3000 == file_digest(str(f))
    big = tmp_path / "big.bin"  # more than one 1 MiB chunk
    big.write_bytes(bytes(range(256)) * 5000)
    assert file_digest(big) == hashlib.sha256(big.read_bytes()).hexdigest()


def test_frame_digest_known_value_ignores_index_and_string_dtype():
    frame = _frame()
    assert frame_digest(frame) == FRAME
    assert frame_digest(frame.set_axis([10, 20, 30])) == FRAME
    assert frame_digest(frame.astype({"c": "category"})) == FRAME
    assert frame_digest(frame.astype({"c": object})) == FRAME
    assert frame_digest(frame.rename(columns={"c": "d"})) != FRAME
    assert frame_digest(frame[["c", "b", "a"]]) != FRAME


def test_digest_mapping_known_value():
    assert digest_mapping({"b": "22", "a": "11"}) == MAPPING
    assert digest_mapping({}) == hashlib.sha256(b"").hexdigest()


# -- the replaced call sites give the values they gave before ---------------------------------------
def test_manifest_dataset_sha256_unchanged():
    from reference_impl.data.io import Manifest

    files = {"b": {"sha256": "22"}, "a": {"sha256": "11"}}
    assert Manifest(scale="small", seed=1, params={}, files=files).dataset_sha256 == MAPPING
    old = hashlib.sha256("".join(f"{n}:{m['sha256']}\n" for n, m in sorted(files.items())).encode()).hexdigest()
    assert old == MAPPING


def test_write_dataset_records_file_digests(tmp_path):
    from reference_impl.data.io import Manifest, write_table

    path = tmp_path / "t.parquet"
    write_table(_frame(), path)
    m = Manifest(scale="t", seed=0, params={}, files={"t": {"file": path.name, "rows": 3, "sha256": file_digest(path)}})
    assert m.files["t"]["sha256"] == _old_file_sha256(path)


def test_recipe_data_digest_is_the_old_frame_sha256():
    frame = _frame()
    assert frame_digest(frame) == _old_frame_sha256(frame)
    wide = pd.DataFrame(np.random.default_rng(0).normal(size=(500, 7)), columns=[f"f{i}" for i in range(7)])
    assert frame_digest(wide) == _old_frame_sha256(wide)


def test_pyfunc_native_digest_is_the_file_digest(tmp_path):
    from reference_impl.lifecycle.pyfunc import dump_native, load_native

    path = tmp_path / "native.joblib"
    digest = dump_native({"a": [1, 2, 3]}, path)
    assert digest == file_digest(path) == _old_file_sha256(path)
    assert load_native(path, digest) == {"a": [1, 2, 3]}


def test_kyc_sha256sums_are_file_digests(tmp_path):
    from reference_impl.kyc import KycClassifier
    from reference_impl.kyc.model import KycModel
    from reference_impl.kyc.persistence import FILES, load_classifier, save_classifier
    from reference_impl.kyc.routing import ConfidenceRouter

    texts = ["invoice amount due", "rain and wind today", "goal by the striker"] * 6
    labels = ["invoice", "weather", "football"] * 6
    clf = KycClassifier().fit(texts, labels)
    out = save_classifier(KycModel(clf, ConfidenceRouter({"invoice": 0.9}), {"model_version": "t"}), tmp_path / "m")
    sums = dict(reversed(line.split("  ", 1)) for line in (out / "SHA256SUMS").read_text().splitlines())
    assert sums == {name: _old_file_sha256(out / name) for name in FILES}
    assert load_classifier(out).metadata == {"model_version": "t"}


def test_detector_integrity_digest_is_the_file_digest(tmp_path):
    from reference_impl.anomaly import TradeAnomalyDetector
    from reference_impl.anomaly.persistence import DIGEST_FILE, METADATA_FILE, MODEL_FILE, save_detector

    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.normal(size=(200, 2)), columns=["f1", "f2"])
    det = TradeAnomalyDetector(features=["f1", "f2"], n_estimators=5, random_state=0).fit(features)
    out = save_detector(det, tmp_path / "det")
    expected = _old_file_sha256(out / MODEL_FILE)
    assert (out / DIGEST_FILE).read_text() == f"{expected}  {MODEL_FILE}\n"
    assert json.loads((out / METADATA_FILE).read_text())["sha256"] == expected


def test_review_queue_text_sha256_is_the_text_digest(tmp_path):
    from reference_impl.kyc.review_queue import ReviewQueue

    q = ReviewQueue(tmp_path / "q.db")
    item = q.enqueue("D1", "Grüße", predicted=None, confidence=None, reason="test")
    assert item.text_sha256 == GRUSSE


def test_kyc_training_digest_is_the_frame_digest_of_text_and_label():
    from reference_impl.kyc.training import train_kyc_model

    rng = np.random.default_rng(1)
    words = {"invoice": "invoice amount due vat total", "weather": "rain wind sunny cloudy storm",
             "football": "goal striker referee league match"}
    rows = [{"doc_id": f"D{i}", "label": lab, "text": " ".join(rng.choice(words[lab].split(), 6))}
            for i, lab in enumerate(list(words) * 40)]
    result = train_kyc_model(pd.DataFrame(rows), min_support=1, seed=0)
    fit_frame = result.train
    digest = frame_digest(fit_frame[["text", "label"]].astype(str))
    assert result.model.metadata["training_digest"] == digest
    assert result.model.metadata["model_version"] == f"kyc-{digest[:12]}"


@pytest.mark.parametrize("module", ["reference_impl.anomaly.persistence", "reference_impl.kyc.persistence",
                                    "reference_impl.lifecycle.pyfunc", "reference_impl.data.io",
                                    "reference_impl.kyc.training", "reference_impl.lifecycle.recipes",
                                    "reference_impl.kyc.review_queue"])
def test_replaced_call_sites_no_longer_hash_themselves(module):
    import importlib
    import inspect

    assert "hashlib" not in inspect.getsource(importlib.import_module(module))
