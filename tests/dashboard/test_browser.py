"""The dashboard in a real browser: Debian's chromium, headless, driven by Playwright, against
`streamlit run` on 127.0.0.1 over a copy of the demo warehouse. Screenshots of every page
go to artifacts/screenshots/ (kept by CI as test artifacts)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.launch import streamlit_command
from tests.dashboard.conftest import HOSTILE_TEXT, add_hostile_post
from warehouse.db import reader, snapshot_path

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("KOUBEI_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts")) / "screenshots"
PAGES = ["Overview", "Complaints", "Advocates & detractors", "Posts", "Runs"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dashboard_url(dashboard_warehouse) -> Iterator[str]:
    add_hostile_post(dashboard_warehouse.db)
    port = _free_port()
    log = open(dashboard_warehouse.config_path.with_suffix(".log"), "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(streamlit_command(port), stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):  # bounded: 60 s for Streamlit to come up
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"streamlit did not start: {dashboard_warehouse.config_path.with_suffix('.log').read_text()}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture
def page():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install chromium (./bootstrap.sh test does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        dialogs: list[str] = []
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.dialogs = dialogs  # type: ignore[attr-defined] - any alert() a post managed to run lands here
        yield tab
        browser.close()


def _log_in(page, url: str, name: str, path: str = "") -> None:
    page.goto(f"{url}/{path}")
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill("koubei-demo")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Signed in as").wait_for()


def _spike_id(db: Path) -> str:
    with reader(db) as con:
        return con.execute("SELECT alert_id FROM alerts WHERE brand_id = 'lumo' AND rule = 'negative_spike'").fetchall()[0][0]


def _expect_first_card(page, text: str) -> None:
    """The inbox's top alert card reads ``text``. Streamlit attaches a card's container before
    its contents, so reading the text once can catch it empty: expect() retries until it shows."""
    from playwright.sync_api import expect

    expect(page.locator("[class*='st-key-alert-']").first).to_contain_text(text, timeout=30_000)  # the page default


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)  # let charts finish drawing
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_responder_acknowledges_the_planted_alert_and_it_persists(dashboard_url, dashboard_warehouse, page):
    _log_in(page, dashboard_url, "demo-admin")
    _expect_first_card(page, "Lumo · Negative spike · open")  # the planted burst tops the inbox
    _shot(page, "inbox")
    spike = page.locator(f".st-key-alert-{_spike_id(dashboard_warehouse.db)}")
    spike.get_by_label("Note").fill("delivery team called")
    spike.get_by_label("Note").press("Enter")
    spike.get_by_role("button", name="Acknowledge").click()
    page.get_by_text("Done: the alert is now acknowledged").wait_for()

    page.reload()
    _log_in(page, dashboard_url, "demo-admin")
    _expect_first_card(page, "Lumo · Negative spike · acknowledged")

    for name in PAGES:
        page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
        page.get_by_role("heading", name="Pipeline runs" if name == "Runs" else name).wait_for()
        page.get_by_text("Data as of").first.wait_for()
        assert not page.get_by_test_id("stException").count(), name
        _shot(page, name.split()[0].lower())


def test_viewer_finds_no_acknowledge_action(dashboard_url, page):
    _log_in(page, dashboard_url, "demo-viewer")
    _expect_first_card(page, "Lumo · Negative spike · open")
    page.get_by_text("Viewers can read alerts but not act on them.").first.wait_for()
    assert page.get_by_role("button", name="Acknowledge").count() == 0
    assert page.get_by_test_id("stSidebarNav").get_by_text("Runs", exact=True).count() == 0
    _shot(page, "inbox-viewer")


def test_hostile_post_renders_as_literal_text(dashboard_url, page):
    _log_in(page, dashboard_url, "demo-admin", "posts?post=hostile-post")
    page.get_by_text("Original text").wait_for()
    code = page.get_by_test_id("stCode").first
    assert code.inner_text().strip() == HOSTILE_TEXT
    assert page.locator("b", has_text="not bold").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert page.get_by_role("link", name="click").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]
    _shot(page, "hostile-post")


def test_dashboard_keeps_working_while_the_flow_writes_and_keeps_the_acknowledgement(
    dashboard_url, dashboard_warehouse, page, another_writer, prefect_harness
):
    from flows.daily import backfill

    db = dashboard_warehouse.db
    with reader(db) as con:
        last = con.execute("SELECT max(local_day) FROM posts").fetchall()[0][0]
    spike = _spike_id(db)
    snapshot_path(db).write_bytes(db.read_bytes())  # as the flow's publish stage leaves it
    with another_writer(db):  # the flow holds the file for writing
        _log_in(page, dashboard_url, "demo-responder")
        page.get_by_text("showing its last published snapshot").first.wait_for()
        assert not page.get_by_test_id("stException").count()
        page.locator(f".st-key-alert-{spike}").get_by_role("button", name="Acknowledge").click()
        page.get_by_text("your action is queued").wait_for()
        _shot(page, "inbox-while-writing")
    backfill(str(dashboard_warehouse.config_path), last, last, False)  # a real run: applies the queue
    page.reload()
    _log_in(page, dashboard_url, "demo-responder")
    _expect_first_card(page, "Lumo · Negative spike · acknowledged")
    with reader(db) as con:
        assert con.execute("SELECT actor FROM alert_events WHERE to_status = 'acknowledged'").fetchall() == [("demo-responder",)]
