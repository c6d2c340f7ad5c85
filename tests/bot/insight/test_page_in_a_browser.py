"""`make insight`'s page in Chromium: it opens offline, axe finds nothing, a screenshot is kept."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections import Counter

import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from bot.insight.daily import add_counts, ensure_table
from tests.assistant import PROJECT_DIR

RESULTS = PROJECT_DIR / "results"

# A fortnight of invented counts, busy enough for every chart and finding.
PER_DAY = Counter(
    {
        ("conversations", "started"): 11,
        ("ended", "advice_given"): 5,
        ("ended", "report_sent"): 3,
        ("ended", "left_mid_way"): 3,
        ("question_reached", "concern_details"): 6,
        ("question_reached", "concern_duration"): 5,
        ("stopped_at", "concern_duration"): 1,
        ("rephrase_meant", "describe_warning_sign"): 2,
        ("typed_not_understood", "utter_advice"): 1,
        ("sign", "curtains_closed"): 4,
        ("sign", "withdrawn"): 3,
        ("signs_per_conversation", "0"): 2,
        ("relationship", "neighbour"): 5,
        ("danger_answer", "safety_net"): 1,
        ("marker", "advice_given"): 8,
    }
)


def test_the_page_make_insight_writes_has_no_accessibility_violations(page: Page, tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'conversations.db'}")
    today = dt.date.today()
    with engine.begin() as connection:
        ensure_table(connection)
        for age in range(14):
            add_counts(connection, today - dt.timedelta(days=age), PER_DAY)
    RESULTS.mkdir(exist_ok=True)
    written = RESULTS / "insight.html"
    subprocess.run(
        [sys.executable, "-m", "bot.insight", "--out", str(written)],
        cwd=PROJECT_DIR,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR), "CONCERNS_DATA_DIR": str(tmp_path)},
        check=True,
        capture_output=True,
    )
    page.goto(written.as_uri())
    expect(page.get_by_role("heading", level=1)).to_contain_text("What the conversations tell us")
    images = page.get_by_role("img")
    expect(images).to_have_count(4)
    for index in range(4):  # every chart drawn, none broken
        assert images.nth(index).evaluate("image => image.naturalWidth") > 300
    results = Axe().run(page)
    assert results.response["violations"] == [], results.generate_report()
    page.screenshot(path=str(RESULTS / "insight.png"), full_page=True)
