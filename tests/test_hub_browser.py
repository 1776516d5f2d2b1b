"""The dashboard in a real headless Chromium (Debian's, driven by Playwright):
sign in, see a new alert appear without reloading, and the resident's request
to cancel it, acknowledge it, and read a resident's summary and charts."""
from __future__ import annotations

import datetime as dt
import json
import os
import urllib.request
from pathlib import Path

import pytest

from carehub.app import create_app
from hub_support import START, ServerThread, World, alert_envelope, database_url, envelope, make_hub, missing

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        missing("Chromium is not installed (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def post(url: str, token: str, body) -> dict:
    request = urllib.request.Request(url + "/api/v1/events", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def a_month_of_days(token: str, url: str) -> None:
    """Doses and check-ins over the past weeks, so that the charts have something to draw."""
    events = []
    for days_ago in range(0, 20):
        at = START - dt.timedelta(days=days_ago)
        events.append(envelope("medication", {"medicine": "혈압약", "status": "taken"}, at))
        events.append(envelope("medication", {"medicine": "당뇨약", "status": "missed" if days_ago % 3 else "taken"},
                               at + dt.timedelta(hours=9)))
        events.append(envelope("checkin", {"answers": [{"topic": "mood", "question": "기분은 어떠세요?",
                                                        "answer": "좋아" if days_ago % 2 else "그저 그래",
                                                        "intent": "mood_good" if days_ago % 2 else "mood_bad"}]},
                               at - dt.timedelta(minutes=30)))
    events.append(envelope("summary", {"date": "2026-11-24", "text": "아침 안부 전화에 답하셨고 저녁 약을 거르셨어요."},
                           START - dt.timedelta(hours=3)))
    post(url, token, events)


def test_a_caregiver_sees_a_new_alert_acknowledges_it_and_reads_the_summary(browser, tmp_path):
    hub = make_hub(database_url("sqlite", tmp_path), inbox_refresh_s=0.5)
    world = World(hub)
    with ServerThread(create_app(hub)) as server:
        a_month_of_days(world.speaker_token, server.url)
        page = browser.new_page(locale="ko-KR")
        page.set_default_timeout(10_000)

        page.goto(server.url + "/")
        assert page.url.startswith(server.url + "/login")
        page.fill("input[name=username]", "kim")
        page.fill("input[name=password]", "kim-pass-123")
        page.click("button[type=submit]")
        page.wait_for_selector("h1:has-text('알림함')")
        assert page.inner_text("#inbox tbody") == "열린 알림이 없습니다."

        event = alert_envelope("emergency", "살려줘 넘어졌어", at=START)
        post(server.url, world.speaker_token, event)
        row = page.wait_for_selector("tr[data-alert-id]", timeout=5_000)
        assert "살려줘 넘어졌어" in row.inner_text() and "긴급" in row.inner_text()
        assert page.title().startswith("(1)")
        # The resident says it was a mistake: the caregiver sees it on the open alert, to judge.
        post(server.url, world.speaker_token, envelope("alert", {
            "level": "emergency", "reason": "cancellation_request", "cancels": event["id"],
            "transcript": "괜찮아 잘못 말했어"}, START + dt.timedelta(minutes=1)))
        request = page.wait_for_selector("tr[data-alert-id] .cancel-request", timeout=5_000)
        assert request.inner_text().startswith("어르신이 취소를 요청했습니다: ‘괜찮아 잘못 말했어’")
        assert page.locator("tr[data-alert-id]").count() == 1

        page.click("tr[data-alert-id] a")
        page.wait_for_selector("#acknowledge")
        assert "괜찮아 잘못 말했어" in page.inner_text("#cancel-request")
        page.select_option("select[name=plan]", "visiting")
        page.click("#acknowledge")
        page.wait_for_selector("#alert-status:has-text('확인됨')")
        assert "김복지" in page.inner_text("#alert-status")
        with urllib.request.urlopen(urllib.request.Request(
                f"{server.url}/api/v1/alerts/{event['id']}",
                headers={"Authorization": f"Bearer {world.speaker_token}"})) as response:
            assert json.load(response)["say"] == "복지담당 김복지님이 지금 오고 계세요."

        page.click("h1 a")
        page.wait_for_selector("svg[data-chart=medication]")
        assert page.locator("svg[data-chart=medication] rect.ok").count() > 0
        assert page.locator("svg[data-chart=medication] rect.low").count() > 0
        assert page.locator("svg[data-chart=mood] circle").count() == 20
        assert page.locator("svg[data-chart=mood] polyline").count() == 1
        summary = page.locator("article.summary").first
        assert "저녁 약을 거르셨어요" in summary.inner_text()
        summary.locator("button").click()
        page.wait_for_selector("article.summary.reviewed")
        assert "김복지 님이" in page.locator("article.summary").first.inner_text()
        if os.environ.get("CAREHUB_SCREENSHOTS"):
            page.screenshot(path=os.path.join(os.environ["CAREHUB_SCREENSHOTS"], "resident.png"), full_page=True)
        page.close()
