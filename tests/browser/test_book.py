"""The course book (``make book``) in a real headless Chromium: what a learner sees without installing anything.

The book is built once per session from the committed sources into a temporary directory (``book/build.py``,
notebooks never executed) and served on 127.0.0.1 by a stdlib HTTP server: Sphinx's search page
fetches its index and page summaries, which a ``file://`` page may not. One browser visits every page once;
the tests then check what it recorded: no console errors, no script or stylesheet from the internet, every
image rendered, every internal link pointing at a page or file that exists and at an anchor that page has.
Previous/next navigation follows the table of contents (``book/toc.toml``) from the first page to the last
and back, the search page finds a week-3 term, and the exercise, hint and "At a bank" blocks carry their
styling. A screenshot of week 3 is kept under ``test-artifacts/`` (git-ignored) for a human to look at.

Needs the Debian packages ``chromium`` and ``chromium-driver`` and the book extra (Sphinx, MyST-NB,
sphinx-book-theme); skipped with a reason when they are absent outside CI, failed in CI (``CI`` set).
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMEDRIVER = "/usr/bin/chromedriver"
WEEK3 = "notebooks/week03_feature_engineering.html"


def _skip_or_fail(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"book test cannot run in CI: {message}")
    pytest.skip(message)


def _need_chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (CHROMEDRIVER if os.path.exists(CHROMEDRIVER) else None)
    missing = [name for name, path in (("chromium", browser), ("chromium-driver", driver)) if not path]
    if missing:
        _skip_or_fail(f"{' and '.join(missing)} not installed (apt-get install chromium chromium-driver)")
    assert browser is not None
    return browser


@dataclass
class Site:
    html: Path
    order: list[str]  # every page in reading order, as the build staged them (``_pages.json``)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Site:
    """The book built from the checkout into a temporary directory (the same command as ``make book``)."""
    missing = [name for name in ("sphinx", "myst_nb", "sphinx_book_theme") if importlib.util.find_spec(name) is None]
    if missing:
        _skip_or_fail(f"{', '.join(missing)} not installed (the book extra: pip install -e '.[book]')")
    root = tmp_path_factory.mktemp("book")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "book" / "build.py"), "--out", str(root / "html"),
         "--stage", str(root / "src")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"book build failed:\n{result.stdout}\n{result.stderr}"
    print(f"book built in {time.perf_counter() - started:.1f} s: {result.stdout.strip()}")
    order = [f"{name}.html" for name in json.loads((root / "src" / "_pages.json").read_text(encoding="utf-8"))]
    return Site(root / "html", order)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # requests are not the test's output
        pass


@pytest.fixture(scope="session")
def base_url(site):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site.html))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def driver(tmp_path_factory):
    browser = _need_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    profile = tmp_path_factory.mktemp("chrome-profile")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1300,1600",
                f"--user-data-dir={profile}"):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(
        service=Service(executable_path=shutil.which("chromedriver") or CHROMEDRIVER), options=options
    )
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()


@dataclass
class Page:
    """What the browser saw on one page."""

    errors: list[str] = field(default_factory=list)
    images: list[tuple[str, bool, int]] = field(default_factory=list)  # (src, complete, naturalWidth)
    links: list[str] = field(default_factory=list)  # absolute hrefs as the browser resolved them
    ids: set[str] = field(default_factory=set)
    remote: list[str] = field(default_factory=list)  # scripts and stylesheets not served by the book


PAGE_SCRIPT = """
const local = u => u.startsWith(location.origin + '/');
return {
  images: Array.from(document.images).map(i => [i.currentSrc || i.src, i.complete, i.naturalWidth]),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id)
        .concat(Array.from(document.querySelectorAll('a[name]')).map(a => a.name)),
  remote: Array.from(document.querySelectorAll('script[src], link[rel=stylesheet][href], link[rel=preload][href]'))
        .map(e => e.src || e.href).filter(u => !local(u)),
};
"""


def _pages(site: Path) -> list[str]:
    """Every HTML page of the site, as paths relative to its root (theme and source copies excluded)."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if not p.relative_to(site).parts[0].startswith("_"))  # fmt: skip


@pytest.fixture(scope="session")
def crawl(driver, base_url, site) -> dict[str, Page]:
    """Load every page once and record what the tests below check."""
    seen: dict[str, Page] = {}
    for rel in _pages(site.html):
        driver.get_log("browser")  # drop anything left from the previous page
        driver.get(base_url + rel)
        data = driver.execute_script(PAGE_SCRIPT)
        errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        seen[rel] = Page(errors=errors, images=[tuple(i) for i in data["images"]], links=data["links"],
                         ids=set(data["ids"]), remote=data["remote"])  # fmt: skip
    return seen


def _internal_target(href: str, base_url: str) -> tuple[str, str] | None:
    """``(path relative to the site, anchor)`` for a link into the book; ``None`` for the wider web."""
    url, anchor = urldefrag(href)
    if not url.startswith(base_url):
        return None
    path = unquote(urlsplit(url).path)[len(urlsplit(base_url).path) :]
    return (path or "index.html"), anchor


def test_the_book_has_every_page_of_the_table_of_contents(site):
    assert set(_pages(site.html)) == {"search.html", "genindex.html"} | set(site.order)
    weeks = [page for page in site.order if page.startswith("notebooks/week")]
    assert len(weeks) >= 8 and weeks == sorted(weeks), weeks
    assert any(page.startswith("labs/") and page.endswith("/README.html") for page in site.order), site.order


def test_every_page_loads_without_console_errors_or_remote_assets(crawl):
    errors = {page: seen.errors for page, seen in crawl.items() if seen.errors}
    assert errors == {}, f"console errors: {errors}"
    remote = {page: seen.remote for page, seen in crawl.items() if seen.remote}
    assert remote == {}, f"pages loading scripts or stylesheets from the internet (the book is offline): {remote}"


def test_every_image_is_rendered(crawl):
    images = [(page, src, complete, width) for page, seen in crawl.items() for src, complete, width in seen.images]
    plots = [img for img in images if "/_images/" in img[1]]
    assert len(plots) >= 3, f"expected the notebooks' stored plots (weeks 2, 4, 8), found {plots}"
    broken = [(page, src) for page, src, complete, width in images if not (complete and width > 0)]
    assert broken == [], f"images that did not render: {broken}"


def test_every_internal_link_resolves_to_a_file_and_anchor(crawl, site, base_url):
    html = site.html
    broken = []
    checked = 0
    for page, seen in crawl.items():
        for href in seen.links:
            assert not href.startswith("file:"), f"{page} links to a local file outside the site: {href}"
            target = _internal_target(href, base_url)
            if target is None:
                continue
            path, anchor = target
            checked += 1
            file = html / path
            if file.is_dir():
                path, file = f"{path.rstrip('/')}/index.html", file / "index.html"
            if not file.is_file():
                broken.append(f"{page} -> {href} (no file {path})")
            elif anchor and path in crawl and unquote(anchor) not in crawl[path].ids:
                broken.append(f"{page} -> {href} (no anchor #{anchor} in {path})")
    assert checked > 200, f"only {checked} internal links checked: the crawl did not see the navigation"
    assert broken == [], "broken internal links:\n" + "\n".join(broken)


def _click(driver, selector: str) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    before = driver.current_url
    link = driver.find_element(By.CSS_SELECTOR, selector)
    driver.execute_script("arguments[0].click();", link)  # a script click: the footer may be below the fold
    WebDriverWait(driver, 30).until(expected_conditions.url_changes(before))
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
    return driver.current_url


def test_previous_and_next_follow_the_table_of_contents(driver, base_url, site):
    from selenium.webdriver.common.by import By

    order = site.order
    driver.get(base_url + "index.html")
    forward = ["index.html"]
    while driver.find_elements(By.CSS_SELECTOR, "a.right-next"):
        assert len(forward) <= len(order), f"next keeps going past the last page: {forward}"
        forward.append(_internal_target(_click(driver, "a.right-next"), base_url)[0])
    assert forward == order
    backward = [forward[-1]]
    while driver.find_elements(By.CSS_SELECTOR, "a.left-prev"):
        assert len(backward) <= len(order), f"previous keeps going past the first page: {backward}"
        backward.append(_internal_target(_click(driver, "a.left-prev"), base_url)[0])
    assert backward == order[::-1]


def _search(driver, base_url, term: str) -> list[str]:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base_url}search.html?q={term}")
    # Sphinx's search writes "Search finished, found N pages ..." (or "no pages") into #search-results when done.
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script(
            "const s = document.querySelector('#search-results .search-summary');"
            "return s !== null && s.textContent.length > 0 && !document.body.classList.contains('searching');"
        )
    )
    hits = driver.execute_script(
        "return Array.from(document.querySelectorAll('#search-results ul.search li a')).map(a => a.href);"
    )
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], f"console errors on the search page: {errors}"
    return [_internal_target(href, base_url)[0] for href in hits]


def test_search_finds_a_week_3_term_and_not_a_made_up_one(driver, base_url):
    hits = _search(driver, base_url, "point-in-time")
    assert WEEK3 in hits, f"searching 'point-in-time' did not find week 3: {hits}"
    assert _search(driver, base_url, "zyxwvutsrq") == []


def test_exercise_hint_and_bank_blocks_stand_out(driver, base_url):
    from selenium.webdriver.common.by import By

    driver.get(base_url + WEEK3)
    style = driver.execute_script(
        "const bg = s => { const e = document.querySelector(s); return e && getComputedStyle(e).backgroundColor; };"
        "const border = s => { const e = document.querySelector(s); return e && getComputedStyle(e).borderLeftWidth; };"
        "return {bank: bg('blockquote.ibml-at-a-bank'), page: bg('article'), cell: bg('div.ibml-exercise-cell'),"
        "        heading: border('section.ibml-exercise > h3'), hint: bg('details.ibml-hint')};"
    )
    assert style["bank"] == "rgb(238, 244, 250)", style  # the book's stylesheet is loaded and applied
    assert style["cell"] == "rgb(255, 247, 239)", style
    assert style["hint"] == "rgb(255, 251, 234)", style
    assert style["heading"] not in (None, "0px"), style
    counts = driver.execute_script(
        "return ['blockquote.ibml-at-a-bank', 'section.ibml-exercise', 'div.ibml-exercise-cell', "
        "'div.ibml-check-cell', 'details.ibml-hint'].map(s => document.querySelectorAll(s).length);"
    )
    # week 3 has "At a bank" callouts and three exercises, each with its check cell and hints
    assert counts[0] >= 1 and min(counts[1:]) >= 3, counts
    # Hints are folded: the text shows only once its summary is clicked.
    hint = driver.find_element(By.CSS_SELECTOR, "details.ibml-hint")
    body = hint.find_element(By.CSS_SELECTOR, "p, pre")
    assert not body.is_displayed()
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", hint)
    hint.find_element(By.TAG_NAME, "summary").click()
    assert body.is_displayed() and hint.get_attribute("open") is not None
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "book-week03.png"))
