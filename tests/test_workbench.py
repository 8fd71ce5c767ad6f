"""The web workbench at / driven in a real browser: the real `wakg serve` on a free local port, Debian's
Chromium headless through Playwright. A run of the library, the check of an order book with an explanation
chain opened, the SPARQL editor and the comparison page; no console error, no failed request, no request
leaving the server. With WAKG_SCREENSHOTS=1 the pages are saved to docs/screenshots/."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "docs" / "screenshots"
STARTUP_SECONDS = 60

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} (Debian's Chromium) is not installed")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _serve_help() -> str | None:
    """The help of `wakg serve`, or None when the command does not exist."""
    done = subprocess.run([sys.executable, "-m", "wassenaar_kg", "serve", "--help"], capture_output=True, text=True,
                          env=_env(), timeout=60)
    return done.stdout if done.returncode == 0 else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """The base URL of a real `wakg serve` on 127.0.0.1, stopped after the module."""
    help_text = _serve_help()
    if help_text is None:
        pytest.skip("the `wakg serve` command is not available")
    port = _free_port()
    command = [sys.executable, "-m", "wassenaar_kg", "serve", "--port", str(port)]
    if "--host" in help_text:
        command += ["--host", "127.0.0.1"]
    base = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile(mode="w+")  # not a pipe: a full pipe would block the server's access log
    process = subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=log, text=True)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"`wakg serve` exited with {process.returncode}: {log.read()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/queries", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"`wakg serve` did not answer on {base} within {STARTUP_SECONDS} s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with playwright_api.sync_playwright() as p:
        args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        try:
            yield browser
        finally:
            browser.close()


class Watch:
    """What went wrong in the page: console errors, uncaught exceptions, failed or refused requests."""

    def __init__(self, page, base: str):
        self.console: list[str] = []
        self.failed: list[str] = []
        self.outside: list[str] = []
        self.expected_bad: list[str] = []  # URL fragments of requests meant to fail (a wrong parameter)
        self.base = base
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console.append(f"uncaught: {error}"))
        page.on("requestfailed", lambda request: self.failed.append(f"{request.url}: {request.failure}"))
        page.on("response", self._response)
        page.route("**/*", self._route)

    def _expected(self, url: str) -> bool:
        return any(fragment in url for fragment in self.expected_bad)

    def _console(self, message):
        if message.type == "error" and not self._expected(message.location.get("url", "")):
            self.console.append(f"{message.text} ({message.location.get('url')})")

    def _response(self, response):
        if response.status >= 400 and not self._expected(response.url):
            self.failed.append(f"{response.url}: HTTP {response.status}")

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base + "/") or url == self.base or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def assert_clean(self):
        assert not self.console, f"console errors: {self.console}"
        assert not self.failed, f"failed requests: {self.failed}"
        assert not self.outside, f"requests leaving the server: {self.outside}"


def _shot(page, name: str, full_page: bool = False) -> None:
    if os.environ.get("WAKG_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)


def _order_book(ids: list[str]) -> str:
    lines = (ROOT / "examples" / "exports.csv").read_text(encoding="utf-8").splitlines()
    return "\n".join([lines[0]] + [line for line in lines[1:] if line.split(",", 1)[0] in ids]) + "\n"


def test_workbench(server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    watch = Watch(page, server)
    try:
        page.goto(f"{server}/")
        expect(page).to_have_title("Wassenaar KG workbench")
        expect(page.get_by_role("tab", name="Library")).to_have_attribute("aria-selected", "true")

        # Library: a query with defaults, then one with a typed parameter, then a wrong parameter shown inline
        picker = page.get_by_label("Question")
        expect(picker.locator("option[value='participating-states']")).to_have_count(1)
        picker.select_option("participating-states")
        page.get_by_role("button", name="Run", exact=True).click()
        rows = page.locator("#query-result tbody tr")
        expect(rows).to_have_count(42)
        expect(page.locator("#query-result")).to_contain_text("Germany")
        expect(page.locator("#query-csv")).to_have_attribute("href", "/api/queries/participating-states?format=csv")

        picker.select_option("country-group-members")
        group = page.get_by_label("group")
        expect(group).to_have_value("D:5")
        expect(page.locator("#param-as_of")).to_have_attribute("type", "date")
        group.fill("E:1")
        page.get_by_role("button", name="Run", exact=True).click()
        expect(rows).to_have_count(3)
        for name in ("Iran", "North Korea", "Syria"):
            expect(page.locator("#query-result")).to_contain_text(name)
        expect(page.locator("#query-json")).to_have_attribute(
            "href", "/api/queries/country-group-members?group=E%3A1&format=json")
        csv = page.request.get(server + page.locator("#query-csv").get_attribute("href"))
        assert csv.ok and csv.text().splitlines()[0].startswith("code,name"), csv.text()[:200]
        _shot(page, "workbench-library.png")

        watch.expected_bad.append("group=Z%3A9")
        group.fill("Z:9")
        page.get_by_role("button", name="Run", exact=True).click()
        expect(page.locator("#param-group-error")).to_be_visible()
        expect(page.locator("#param-group-error")).not_to_be_empty()
        expect(group).to_have_attribute("aria-invalid", "true")

        # Check: a few exports of examples/exports.csv; verdicts, flags, an explanation chain with provision links
        page.get_by_role("tab", name="Check exports").click()
        expect(page).to_have_url(f"{server}/#check")
        page.get_by_label("Exports (CSV or JSON)").fill(_order_book(["EX-001", "EX-004", "EX-006", "EX-007", "EX-035"]))
        page.get_by_role("button", name="Check", exact=True).click()
        verdicts = page.locator("#check-result tr.verdict-row")
        expect(verdicts).to_have_count(5)
        row = lambda export: page.locator(f"#check-result tr.verdict-row[data-id='{export}']")  # noqa: E731
        expect(row("EX-001")).to_contain_text("License exception ACE")
        expect(row("EX-004")).to_contain_text("License required")
        expect(row("EX-004")).to_contain_text("Licensed: D2345671")
        expect(row("EX-006")).to_contain_text("Needs a license")
        expect(row("EX-007")).to_contain_text("Could not decide")
        expect(row("EX-035")).to_contain_text("Review: possible Entity List match")
        summary = page.locator("#check-summary")
        expect(summary).to_contain_text("Need a license they lack")
        expect(summary).to_contain_text("EX-006")

        page.get_by_role("button", name="Explain EX-006").click()
        expect(page.get_by_role("button", name="Explain EX-006")).to_have_attribute("aria-expanded", "true")
        chain = page.locator("#check-result tr.detail:visible ol.chain")
        expect(chain).to_have_count(1)
        steps = chain.locator("li.step")
        assert steps.count() >= 2
        link = chain.locator("a[href^='https://www.ecfr.gov/']").first
        expect(link).to_be_visible()
        expect(link).to_have_text(re.compile(r"15 CFR"))
        expect(chain.locator(".sources a").first).to_be_visible()
        detail = page.locator("#check-result tr.detail:visible")
        expect(detail.locator("p", has_text="Decided by").get_by_role("link", name="15 CFR 738.4(a)(2)")) \
            .to_have_attribute("href", re.compile(r"^https://www\.ecfr\.gov/.*section-738\.4$"))
        expect(detail).not_to_contain_text("[object")
        # what would authorize it: counterfactuals, with their deciding provisions linked
        expect(detail).to_contain_text("What would authorize it")
        counterfactuals = detail.locator("ul.counterfactuals")
        expect(counterfactuals.locator("li").first).to_contain_text("end_user: us_government")
        expect(counterfactuals.locator("li").first).to_contain_text("License exception (GOV)")
        expect(counterfactuals).to_contain_text("destination:")
        expect(counterfactuals.get_by_role("link", name="15 CFR 746.8(c)").first).to_have_attribute(
            "href", re.compile(r"section-746\.8$"))
        _shot(page, "workbench-check.png", full_page=True)

        page.get_by_label("Only exports needing attention").check()
        expect(row("EX-001")).to_be_hidden()
        expect(row("EX-006")).to_be_visible()
        page.get_by_label("Only exports needing attention").uncheck()

        # a file chosen fills the editor
        page.get_by_label("Or upload a file").set_input_files(str(ROOT / "examples" / "exports.csv"))
        expect(page.get_by_label("Exports (CSV or JSON)")).to_have_value(re.compile(r"EX-035,4D004,IL"))

        # the same from JSON, then a wrong row: the server's message (line, field) is shown
        page.get_by_label("Exports (CSV or JSON)").fill(
            '[{"id": "J-1", "eccn": "4D004", "destination": "Russia", "end_user": "non_government",'
            ' "date": "2022-03-21"}]')
        page.get_by_role("button", name="Check", exact=True).click()
        expect(verdicts).to_have_count(1)
        expect(row("J-1")).to_contain_text("Needs a license")
        watch.expected_bad.append("/api/check")
        page.get_by_label("Exports (CSV or JSON)").fill("id,eccn,destination,end_user\nBAD-1,4D004,DE,nobody\n")
        page.get_by_role("button", name="Check", exact=True).click()
        expect(page.locator("#check-error")).to_be_visible()
        expect(page.locator("#check-error")).to_contain_text("end_user")
        expect(verdicts).to_have_count(0)

        # SPARQL: the default query, then a CONSTRUCT shown as Turtle
        page.get_by_role("tab", name="SPARQL").click()
        editor = page.get_by_label("SPARQL query")
        expect(editor).to_have_value(re.compile(r"^PREFIX wakg:"))
        page.get_by_role("button", name="Run", exact=True).click()
        expect(page.locator("#sparql-result tbody tr").first).to_be_visible()
        expect(page.locator("#sparql-result thead")).to_contain_text("accession")
        assert page.locator("#sparql-result tbody tr").count() >= 42
        csv_link = page.locator("#sparql-result").get_by_role("link", name="CSV")
        expect(csv_link).to_have_attribute("href", re.compile(r"^/sparql\?query=PREFIX.*&format=csv$"))
        assert page.request.get(server + csv_link.get_attribute("href")).text().startswith("state,name,accession")
        _shot(page, "workbench-sparql.png")

        editor.fill("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                    "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l FILTER(STR(?l) = \"Germany\") }")
        page.get_by_role("button", name="Run", exact=True).click()
        expect(page.locator("#sparql-result pre.rdf")).to_contain_text('rdfs:label "Germany"@en')

        watch.expected_bad.append("/sparql")
        editor.fill("SELECT ?s WHERE { ?s ?p }")
        page.get_by_role("button", name="Run", exact=True).click()
        expect(page.locator("#sparql-error")).to_be_visible()
        expect(page.locator("#sparql-error")).to_contain_text("HTTP 400")
        editor.fill("SELECT (1 + 1 AS ?two) WHERE {}")
        editor.press("Control+Enter")  # the keyboard runs the query too
        expect(page.locator("#sparql-error")).to_be_hidden()
        expect(page.locator("#sparql-result tbody tr")).to_have_count(1)
        expect(page.locator("#sparql-result tbody td")).to_have_text("2")

        # Compare: the existing comparison page inside the workbench
        page.get_by_role("tab", name="Compare").click()
        frame = page.frame_locator("#compare-frame")
        expect(frame.locator("h1")).to_contain_text("national implementations", timeout=40_000)
        own_page = page.get_by_role("link", name="Open the comparison in its own page")
        expect(own_page).to_have_attribute("href", "/compare")
        _shot(page, "compare.png")
        page.get_by_label("Wassenaar entries").fill("4.A.5")
        page.get_by_role("button", name="Compare", exact=True).click()
        expect(page.locator("#compare-frame")).to_have_attribute("src", "/compare?entries=4.A.5")
        expect(frame.locator("h1")).to_contain_text("national implementations")
        expect(own_page).to_have_attribute("href", "/compare?entries=4.A.5")

        # Timeline: the changes of the law between two dates (the library query law-changes)
        page.get_by_role("tab", name="Timeline").click()
        expect(page).to_have_url(f"{server}/#timeline")
        page.get_by_label("After").fill("2024-01-01")
        page.get_by_label("Up to").fill("2026-07-23")
        page.get_by_role("button", name="Show changes").click()
        days = page.locator("#timeline-list > li.day")
        expect(days).to_have_count(7)
        nicaragua = days.filter(has_text="2024-03-15")
        expect(nicaragua).to_contain_text("Nicaragua in Country Group D:1")
        expect(nicaragua).to_contain_text("15 CFR part 740, Supplement No. 1")
        expect(days.filter(has_text="2026-07-10")).to_contain_text("United Arab Emirates in Country Group A:5")
        expect(page.locator("#timeline-status")).to_have_text("20 changes")
        _shot(page, "workbench-timeline.png", full_page=True)

        # keyboard: the tabs follow the arrow keys
        page.get_by_role("tab", name="Compare").focus()
        page.keyboard.press("Home")
        expect(page.get_by_role("tab", name="Library")).to_be_focused()
        expect(page.locator("#panel-library")).to_be_visible()

        watch.assert_clean()
    finally:
        context.close()


def test_comparison_of_every_jurisdiction_is_readable(server, browser):
    """/compare with every jurisdiction (45 and more): no sideways scrolling at 1400 px, a row per
    jurisdiction (EU member states on the EU's records folded into one line until shown), the header row
    in view while scrolling, the cells' sources one click away."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    watch = Watch(page, server)
    try:
        page.goto(f"{server}/compare?as_of=2026-07-23")
        expect(page.locator("h1")).to_contain_text("national implementations")
        rows = page.locator("table.matrix tbody tr:not(.group):not(.same-summary)")
        assert rows.count() >= 46
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 1400
        for name in ("Argentina", "Cyprus", "Israel", "Türkiye"):
            expect(page.locator("table.matrix")).to_contain_text(name)
        folded = page.locator("tr.same-as-eu")
        assert folded.count() >= 20 and not folded.first.is_visible()
        expect(page.locator("tr.same-summary")).to_contain_text("France (FR)")
        page.set_viewport_size({"width": 1400, "height": 1750})  # the whole matrix in the picture
        _shot(page, "compare-all.png")
        page.set_viewport_size({"width": 1400, "height": 900})
        page.get_by_label("show each of the").check()
        expect(folded.first).to_be_visible()
        expect(page.locator("tr.same-summary")).to_be_hidden()
        page.locator("tr.same-as-eu", has_text="France").locator("summary").first.click()
        expect(page.locator("tr.same-as-eu", has_text="France").locator("details a").first).to_be_visible()
        page.mouse.wheel(0, 2500)
        header = page.locator("table.matrix thead th").first
        assert 0 <= header.bounding_box()["y"] < 60, "the header row scrolls out of view"
        watch.assert_clean()
    finally:
        context.close()
