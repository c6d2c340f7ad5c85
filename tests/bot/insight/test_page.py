"""The insight page: counts under 5 hidden, in tables and charts; each finding says what to do."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

import pytest

from bot.insight import measures as m
from bot.insight.daily import FEWER_THAN_SMALLEST, DailyCount
from bot.insight.page import content_security_policy, render
from tests.assistant import PROJECT_DIR

DAY = dt.date(2026, 12, 1)
GUIDE = (PROJECT_DIR / "docs" / "content-guide.md").read_text()


def counts(**by_measure):
    return [
        DailyCount(DAY + dt.timedelta(days=offset), measure, key, count)
        for measure, rows in by_measure.items()
        for offset, key, count in rows
    ]


BUSY = counts(
    conversations=[(0, "started", 14), (1, "started", 3)],
    ended=[(0, "report_sent", 6), (0, "report_stopped", 4), (1, "left_mid_way", 7)],
    rephrase_meant=[(0, "ask_confidentiality", 6), (1, "describe_warning_sign", 2)],
    stopped_at=[(0, "contact_preference", 5), (0, "whereabouts", 1)],
    question_reached=[(0, "concern_details", 11), (0, "contact_preference", 9)],
    typed_not_understood=[(0, "utter_advice", 5)],
    signs_per_conversation=[(0, "0", 8), (0, "1", 2)],
    sign=[(0, "curtains_closed", 9), (0, "injuries", 2)],
    danger_answer=[(0, "safety_net", 3)],
)


@pytest.fixture(scope="module")
def insight():
    return render(BUSY, made_on=DAY)


def test_no_table_shows_a_number_under_five(insight):
    cells = re.findall(r'<td class="n">(.*?)</td>', insight)
    assert len(cells) > 20
    for cell in cells:
        assert cell == FEWER_THAN_SMALLEST or int(cell) >= 5, cell
    assert "fewer than 5" in insight


def test_no_chart_tells_a_number_under_five(insight):
    alternatives = re.findall(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)"', insight)
    assert len(alternatives) == 4
    for text in alternatives:
        for number in re.findall(r": (\d+)", text):
            assert int(number) >= 5, text


def test_each_finding_names_a_file_and_a_section_of_the_content_guide(insight):
    anchors = re.findall(r'href="\.\./docs/content-guide\.md#([a-z0-9-]+)"', insight)
    headings = {
        re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
        for h in re.findall(r"^## (.+)$", GUIDE, re.MULTILINE)
    }
    assert len(anchors) == 4 and set(anchors) <= headings
    rephrase = re.search(
        r"People were asked to rephrase.*?File: <code>(.*?)</code>", insight, re.DOTALL
    )
    assert "intent: ask_confidentiality" in (PROJECT_DIR / rephrase.group(1)).read_text()
    assert "Reports stopped part-way" in insight and "may we contact you" in insight


def test_the_rephrase_table_names_the_file_where_each_meaning_lives(insight):
    row = re.search(
        r"<td>ask confidentiality</td><td class=\"n\">6</td><td><code>(.*?)</code>", insight
    )
    path = PROJECT_DIR / row.group(1)
    assert path.exists() and "intent: ask_confidentiality" in path.read_text()


def test_a_finding_behind_fewer_than_five_is_not_drawn():
    quiet = render(counts(rephrase_meant=[(0, "ask_confidentiality", 4)]), made_on=DAY)
    assert "People were asked to rephrase" not in quiet
    assert "Nothing stands out yet" in quiet


def test_an_empty_page_says_nothing_has_been_counted_yet():
    assert "No conversations have been counted yet" in render([], made_on=DAY)


def test_the_staff_page_names_the_guide_without_links():
    staff = render(BUSY, made_on=DAY, links=False)
    assert "href=" not in staff and "docs/content-guide.md" in staff


def test_the_policy_allows_exactly_the_pages_own_style_and_no_script(insight):
    style = re.search(r"<style>(.*?)</style>", insight, re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = content_security_policy(insight)
    assert f"style-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy and "script" not in policy
    assert "<script" not in insight


# A key of each measure the counting makes, and how the page words it.
ONE_OF_EACH = {
    m.CONVERSATIONS: ("started", "Conversations started"),
    m.ENDED: ("report_sent", "a report was sent"),
    m.MARKER: ("told_only_english", "told only english"),
    m.DANGER_ANSWER: ("classifier", "the classifier"),
    m.REPHRASE_MEANT: ("self_victim", "self victim"),
    m.TYPED_NOT_UNDERSTOOD: ("utter_ask_in_danger_now", "utter_ask_in_danger_now"),
    m.SIGN: ("withdrawn", "withdrawing from friends and family"),
    m.SIGNS_PER_CONVERSATION: ("3 or more", "3 or more"),
    m.RELATIONSHIP: ("grandparent", "grandparent"),
    m.QUESTION_REACHED: ("whereabouts", "where the person is"),
    m.STOPPED_AT: ("whereabouts", "where the person is"),
    m.OTHER_LANGUAGE: ("ro", "ro"),
    m.SAFE_DEFAULT: ("no_reply", "the assistant gave no reply"),
}


def test_every_measure_the_counting_makes_has_a_place_on_the_page():
    measures = {
        value
        for name, value in vars(m).items()
        if name.isupper() and isinstance(value, str) and value.islower() and "_" not in value[:1]
        and not value.startswith(("utter_", "concern_"))
    }  # fmt: skip
    assert set(ONE_OF_EACH) == measures
    for measure, (key, words) in ONE_OF_EACH.items():
        alone = render(counts(**{measure: [(0, key, 17)]}), made_on=DAY)
        assert re.search(re.escape(words) + r".{0,120}?17\b", alone, re.DOTALL), measure
