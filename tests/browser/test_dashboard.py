"""The monitoring dashboard in a real headless Chromium: it loads, every chart renders, no console errors.

Two pages: the static export (``file://``, what ``ibml monitor report`` writes) and ``GET /dashboard``
served by the real app under uvicorn, called with an auditor API key (set as a request header through
the DevTools protocol, since a browser navigation cannot send one). A screenshot of each is kept under
``test-artifacts/`` (git-ignored) for a human to look at.

Needs the Debian packages ``chromium`` and ``chromium-driver``; skipped with a reason when they are
absent outside CI, failed in CI (``CI`` set).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from reference_impl.monitoring.dashboard import write_dashboard
from reference_impl.monitoring.logs import outcomes_path, outcomes_to_frame, records_to_frame, write_jsonl
from reference_impl.monitoring.report import build_monitoring_report
from reference_impl.monitoring.simulate import simulate_prediction_log

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHART_IDS = ["chart-score-distribution", "chart-psi", "chart-latency", "chart-rates", "chart-outcomes"]


def _need_chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    missing = [name for name, path in (("chromium", browser), ("chromium-driver", shutil.which("chromedriver") or
                                                                (CHROMEDRIVER if os.path.exists(CHROMEDRIVER) else None)))
               if not path]
    if missing:
        message = f"{' and '.join(missing)} not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run in CI: {message}")
        pytest.skip(message)
    return browser


@pytest.fixture
def driver(tmp_path):
    browser = _need_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1300,2400",
                f"--user-data-dir={tmp_path / 'chrome-profile'}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver") or CHROMEDRIVER), options=options)
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()


@pytest.fixture(scope="module")
def simulated():
    return simulate_prediction_log(n_days=8, trades_per_day=800, kyc_per_day=100, drift_start_day=7,
                                   fallback_day=6, latency_spike_day=7, seed=11)


def _assert_page_healthy(drv, screenshot: str) -> None:
    assert drv.title == "ibml model monitoring"
    images = drv.execute_script(
        "return Array.from(document.images).map(i => [i.id, i.complete, i.naturalWidth, i.naturalHeight]);")
    assert [img[0] for img in images] == CHART_IDS
    for image_id, complete, width, height in images:
        assert complete and width > 0 and height > 0, f"chart {image_id} did not render"
    alerts = drv.execute_script("return document.querySelectorAll('#alerts tr').length;")
    assert alerts >= 2  # header + at least one firing alert from the planted incidents
    errors = [entry for entry in drv.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == [], f"console errors: {errors}"
    ARTIFACTS.mkdir(exist_ok=True)
    drv.save_screenshot(str(ARTIFACTS / screenshot))


def test_static_export_renders(driver, simulated, tmp_path):
    report = build_monitoring_report(records_to_frame(simulated.predictions), outcomes_to_frame(simulated.outcomes))
    page = write_dashboard(report, tmp_path / "report.html")
    driver.get(page.as_uri())
    _assert_page_healthy(driver, "dashboard-static.png")


def test_served_dashboard_renders_for_auditor(driver, simulated, workspace):
    import uvicorn

    from reference_impl.monitoring.routes import dashboard_router
    from reference_impl.serving import ServiceSettings, create_api_key, create_app
    from reference_impl.serving.testing import fake_rooms

    settings = ServiceSettings(home=workspace.root)
    key, _ = create_api_key(settings.api_keys_path, "auditor")
    write_jsonl(simulated.predictions, workspace.prediction_log)
    write_jsonl(simulated.outcomes, outcomes_path(workspace))
    app = create_app(settings, rooms=fake_rooms(), extra_routers=[dashboard_router])

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"X-API-Key": key}})
        driver.get(f"http://127.0.0.1:{port}/dashboard")
        _assert_page_healthy(driver, "dashboard-served.png")
        window = pd.Timestamp(simulated.predictions[-1]["ts"]).strftime("%Y-%m-%d")
        assert window in driver.page_source  # the default current window ends on the log's last day
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
