"""A pytest plugin that records each test's outcome as one JSON line, for ``ibml lab check``.

Loaded in the checking subprocess with ``-p reference_impl.labs.pytest_plugin --ibml-lab-results FILE``. It
records what junit XML loses: the exception's *type* (a ``NotImplementedError`` means "not started"), the phase
it failed in (a fixture error is not a failing assertion) and the message's first line. The parent process
tails the file to show progress while the run goes on.

Lines: ``{"event": "collected", "nodeids": [...]}`` once, then per test ``{"event": "test", "nodeid", "when",
"outcome", "exc_type", "not_implemented", "message"}`` and per failed module ``{"event": "collect_error",
"nodeid", "message"}``.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import IO, Any

import pytest

OPTION = "--ibml-lab-results"
_KEY = pytest.StashKey[IO[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(OPTION, default=None, help="write one JSON line per test outcome to this file (ibml lab check)")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption(OPTION)
    if path:
        config.stash[_KEY] = open(path, "a", encoding="utf-8", buffering=1)


def pytest_unconfigure(config: pytest.Config) -> None:
    fh = config.stash.get(_KEY, None)
    if fh is not None:
        fh.close()


def _write(config: pytest.Config, record: dict[str, Any]) -> None:
    fh = config.stash.get(_KEY, None)
    if fh is not None:
        fh.write(json.dumps(record) + "\n")


def pytest_collection_finish(session: pytest.Session) -> None:
    _write(session.config, {"event": "collected", "nodeids": [item.nodeid for item in session.items]})


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        _write(
            collector.config,
            {"event": "collect_error", "nodeid": report.nodeid, "message": _collect_message(report.longreprtext)},
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    final = report.when == "call" or report.failed or (report.when == "setup" and report.skipped)
    if not final:
        return
    exc = call.excinfo.value if call.excinfo is not None else None
    _write(
        item.config,
        {
            "event": "test",
            "nodeid": report.nodeid,
            "when": report.when,
            "outcome": report.outcome,
            "exc_type": type(exc).__name__ if exc is not None else None,
            "not_implemented": isinstance(exc, NotImplementedError),
            "message": _exc_message(exc) if report.failed else "",
        },
    )


def _exc_message(exc: BaseException | None) -> str:
    """``Type: first line of the message`` — for an assertion, the line the test author wrote."""
    if exc is None:
        return ""
    text = str(exc).strip()
    first = text.splitlines()[0].strip() if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _collect_message(text: str) -> str:
    """The ``E   ...`` line pytest prints for a module that failed to import (the last one is the cause)."""
    errors = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
    if errors:
        return errors[-1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "collection failed"
