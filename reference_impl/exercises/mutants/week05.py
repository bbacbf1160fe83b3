"""Week 5 mutants: plausible wrong answers to exercises 5.1–5.4, each breaking one requirement."""

from __future__ import annotations

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from reference_impl.exercises import week05 as w
from reference_impl.exercises.mutation import Mutant
from reference_impl.governance.audit import GENESIS_HASH, record_hash

_OK = re.compile(r"[A-Za-z0-9._:-]{1,128}")

# ---------------------------------------------------------------- alternative correct solutions


def request_id_fullmatch(header):
    return header if header is not None and _OK.fullmatch(header) else uuid.uuid4().hex


def status_nested(key_present, key_valid, role, allowed):
    if key_present and key_valid:
        return 200 if role in {*allowed, "admin"} else 403
    return 401


def fallback_thread(model, rules, budget_s):
    if model is None:
        return rules(), "model_missing"
    box: dict = {}

    def run():
        try:
            box["value"] = model()
        except Exception as exc:  # noqa: BLE001
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(budget_s)
    if t.is_alive():
        return rules(), "model_timeout"
    if "error" in box:
        return rules(), "model_error"
    return box["value"], None


def chain_walk(records):
    prev = "0" * 64
    for i, rec in enumerate(records):
        if rec.get("seq") != i or rec.get("prev_hash") != prev or rec.get("hash") != record_hash(rec):
            return i
        prev = rec.get("hash")
    return None


# ---------------------------------------------------------------- plausible wrong solutions


def request_id_no_length_cap(header):
    return header if header and re.fullmatch(r"[A-Za-z0-9._:-]+", header) else uuid.uuid4().hex


def request_id_never_echoes(header):  # "safer": always a new id
    return uuid.uuid4().hex


def request_id_search(header):  # re.search finds a safe run inside an unsafe header
    return (
        header if header and re.search(r"[A-Za-z0-9._:-]{1,128}", header) and len(header) <= 128 else (uuid.uuid4().hex)
    )


def request_id_uuid_with_dashes(header):
    return header if header is not None and _OK.fullmatch(header) else str(uuid.uuid4())


def request_id_unicode_word(header):  # \w matches any Unicode letter or digit, not only ASCII
    return header if header is not None and re.fullmatch(r"[\w.:-]{1,128}", header) else uuid.uuid4().hex


_ONE_ID = uuid.uuid4().hex


def request_id_cached(header):  # one id for every request without a header
    return header if header is not None and _OK.fullmatch(header) else _ONE_ID


def status_role_first(key_present, key_valid, role, allowed):  # looks at the role before the key
    if role == "admin":
        return 200
    return w.status_for(key_present, key_valid, role, allowed)


def status_403_for_unknown_key(key_present, key_valid, role, allowed):
    if not key_present:
        return 401
    return 403 if not key_valid or (role not in allowed and role != "admin") else 200


def status_401_for_wrong_role(key_present, key_valid, role, allowed):
    return 200 if key_present and key_valid and (role in allowed or role == "admin") else 401


def status_admin_not_special(key_present, key_valid, role, allowed):
    if not key_present or not key_valid:
        return 401
    return 200 if role in allowed else 403


def fallback_waits(model, rules, budget_s):  # the with-block waits for the hung call on exit
    if model is None:
        return rules(), "model_missing"
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(model)
        try:
            return future.result(timeout=budget_s), None
        except TimeoutError:
            return rules(), "model_timeout"
        except Exception:  # noqa: BLE001
            return rules(), "model_error"


def fallback_calls_none(model, rules, budget_s):  # None is "a model that fails"
    try:
        return model(), None
    except Exception:  # noqa: BLE001
        return rules(), "model_error"


def fallback_error_is_timeout(model, rules, budget_s):
    decision, reason = w.decide_with_fallback(model, rules, budget_s)
    return decision, ("model_timeout" if reason == "model_error" else reason)


def fallback_truthiness(model, rules, budget_s):  # a falsy answer treated as no answer
    decision, reason = w.decide_with_fallback(model, rules, budget_s)
    return (decision, reason) if decision or reason else (rules(), "model_error")


def chain_links_only(records):  # never recomputes a hash
    prev = GENESIS_HASH
    for i, rec in enumerate(records):
        if rec.get("seq") != i or rec.get("prev_hash") != prev:
            return i
        prev = rec["hash"]
    return None


def chain_hashes_only(records):  # never checks prev_hash
    for i, rec in enumerate(records):
        if rec.get("seq") != i or record_hash(rec) != rec.get("hash"):
            return i
    return None


def chain_no_seq(records):
    prev = GENESIS_HASH
    for i, rec in enumerate(records):
        if rec.get("prev_hash") != prev or record_hash(rec) != rec.get("hash"):
            return i
        prev = rec["hash"]
    return None


def chain_skips_first_link(records):  # the first record's prev_hash is never checked
    prev = None
    for i, rec in enumerate(records):
        if rec.get("seq") != i or (prev is not None and rec.get("prev_hash") != prev):
            return i
        if record_hash(rec) != rec.get("hash"):
            return i
        prev = rec["hash"]
    return None


def chain_minus_one(records):  # -1 for an intact log
    got = w.first_bad_record(records)
    return -1 if got is None else got


def chain_one_based(records):
    got = w.first_bad_record(records)
    return None if got is None else got + 1


MUTANTS = [
    Mutant("5.1", "echo", request_id_never_echoes),
    Mutant("5.1", "fresh", request_id_no_length_cap),
    Mutant("5.1", "fresh", request_id_search),
    Mutant("5.1", "fresh", request_id_uuid_with_dashes),
    Mutant("5.1", "fresh", request_id_unicode_word),
    Mutant("5.1", "unique", request_id_cached),
    Mutant("5.2", "unauthenticated", status_role_first),
    Mutant("5.2", "unauthenticated", status_403_for_unknown_key),
    Mutant("5.2", "forbidden", status_401_for_wrong_role),
    Mutant("5.2", "allowed", status_admin_not_special),
    Mutant("5.3", "timeout", fallback_waits),
    Mutant("5.3", "missing", fallback_calls_none),
    Mutant("5.3", "error", fallback_error_is_timeout),
    Mutant("5.3", "model", fallback_truthiness),
    Mutant("5.4", "hash", chain_links_only),
    Mutant("5.4", "link", chain_hashes_only),
    Mutant("5.4", "link", chain_skips_first_link),
    Mutant("5.4", "seq", chain_no_seq),
    Mutant("5.4", "result", chain_minus_one),
    Mutant("5.4", "result", chain_one_based),
]

CORRECT = {
    "5.1": [w.reference.resolve_request_id, request_id_fullmatch],
    "5.2": [w.reference.status_for, status_nested],
    "5.3": [w.reference.decide_with_fallback, fallback_thread],
    "5.4": [w.reference.first_bad_record, chain_walk],
}
