"""The comms team's counts, from real conversations: exactly what happened, and nobody's words.

Five conversations go through the public web service to the running
assistant (its own, so no other test's conversations are counted): a report
sent, a report stopped at the contact question, a danger message, a message
the assistant asks to have rephrased, and an answer typed at a question with
buttons that it does not understand. Each types the same invented canary
phrase. The purge then folds them into the daily counts, and `make insight`
draws the page. The counts must be exactly these, and the canary must be
nowhere: not in either database, the page or any process's log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.insight import measures as m
from bot.insight.daily import read_counts
from tests.assistant import (
    PROJECT_DIR,
    Assistant,
    post_ok,
    said,
    start_assistant,
    start_web_service,
    texts,
)

CANARY = "quillfeather-canary-7q"


class WebChat:
    """One person on the force's website."""

    def __init__(self, web_url: str) -> None:
        self.url = web_url
        self.sender = post_ok(f"{web_url}/api/session", {})["sender"]

    def say(self, message: str) -> str:
        return texts(post_ok(f"{self.url}/api/chat", {"sender": self.sender, "message": message}))


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    """Runs the five conversations, purges them, writes the page; returns what is left."""
    workdir = tmp_path_factory.mktemp("insight")
    assistants = start_assistant(workdir)
    assistant: Assistant = next(assistants)
    conversations_url = f"sqlite:///{assistant.concerns_dir / 'conversations.db'}"
    webs = start_web_service(
        workdir,
        "public",
        assistant,
        WEB_REQUESTS_PER_MINUTE="100000",
        CONCERNS_DATA_DIR=str(assistant.concerns_dir),
    )
    web = next(webs)
    try:
        have_the_five_conversations(web.url)
        env = {
            **os.environ,
            "PYTHONPATH": str(PROJECT_DIR),
            "CONCERNS_DATA_DIR": str(assistant.concerns_dir),
            "CONVERSATIONS_IDLE_HOURS": "0",
        }
        purge = subprocess.run(
            [sys.executable, "-m", "bot.staff", "purge"],
            cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        page = workdir / "insight.html"
        subprocess.run(
            [sys.executable, "-m", "bot.insight", "--out", str(page)],
            cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        engine = sa.create_engine(conversations_url)
        yield {
            "purge": json.loads(purge.stdout),
            "counts": {(c.measure, c.key): c.count for c in read_counts(engine)},
            "days": {c.day for c in read_counts(engine)},
            "page": page.read_text(),
            "engine": engine,
            "files": [p for p in assistant.concerns_dir.rglob("*") if p.is_file()],
            "logs": lambda: assistant.logs() + web.log.read_text(errors="replace"),
        }
    finally:
        for running in (webs, assistants):
            running.close()


def have_the_five_conversations(web_url: str) -> None:
    sent = WebChat(web_url)
    sent.say("my neighbour has kept her curtains shut all week")
    sent.say("/deny")
    sent.say("/want_to_report")
    sent.say(f"{CANARY} she looks frightened when he comes home")
    sent.say("a few weeks")
    sent.say("Invented Road, Exampletown")
    sent.say("/deny")
    sent.say("by phone")
    sent.say("07700 900 123")
    assert said(sent.say("/affirm"), "utter_concern_received")

    stopped = WebChat(web_url)
    stopped.say("my sister never leaves the house anymore")
    stopped.say("/deny")
    stopped.say("/want_to_report")
    stopped.say(f"{CANARY} she has not been out for weeks")
    stopped.say("a few months")
    stopped.say("Invented Lane, Sampleton")
    assert said(stopped.say("/deny"), "utter_ask_contact_preference")
    assert said(stopped.say("/stop"), "utter_ask_continue_report")
    assert said(stopped.say("/deny"), "utter_report_stopped")

    danger = WebChat(web_url)
    assert said(danger.say(f"he is hitting her right now, {CANARY}"), "utter_immediate_danger")

    rephrase = WebChat(web_url)
    assert said(rephrase.say(f"{CANARY} zxqv blorpt"), "utter_please_rephrase")

    typed = WebChat(web_url)
    assert said(typed.say("my neighbour has bruises on her arms"), "utter_ask_anything_else")
    assert said(typed.say(f"{CANARY} qwzx vvbn"), "utter_please_rephrase")


def test_the_purge_counts_the_five_conversations_it_deletes(counted):
    assert counted["purge"]["conversations_purged"] == 5
    assert counted["purge"]["conversations_counted"] == 5
    with counted["engine"].connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM events")).scalar() == 0


def test_the_daily_counts_are_exactly_what_happened(counted):
    counts = counted["counts"]
    by_measure = {}
    for (measure, key), count in counts.items():
        by_measure.setdefault(measure, Counter())[key] = count
    assert len(counted["days"]) == 1
    assert by_measure[m.CONVERSATIONS] == {"started": 5}
    assert by_measure[m.ENDED] == {
        "report_sent": 1,
        "report_stopped": 1,
        "danger_answer_only": 1,
        "left_mid_way": 2,
    }
    assert by_measure[m.DANGER_ANSWER] == {"safety_net": 1}
    assert sum(by_measure[m.REPHRASE_MEANT].values()) == 2
    assert by_measure[m.TYPED_NOT_UNDERSTOOD] == {"utter_ask_anything_else": 1}
    assert by_measure[m.STOPPED_AT] == {"contact_preference": 1}
    reached = by_measure[m.QUESTION_REACHED]
    for question in ("concern_details", "concern_duration", "whereabouts", "in_danger_now"):
        assert reached[question] == 2, question
    assert reached["contact_preference"] == 2
    assert reached["contact_detail"] == reached["report_confirmed"] == 1
    assert by_measure[m.SIGN]["curtains_closed"] == 1
    assert by_measure[m.SIGN]["not_leaving_house"] == 1
    assert by_measure[m.SIGN]["injuries"] == 1
    assert by_measure[m.RELATIONSHIP]["neighbour"] == 2
    marked = by_measure[m.MARKER]
    assert marked["danger_answer_given"] == 1
    assert marked["asked_to_rephrase"] == 2
    assert marked["report_started"] == 2
    assert marked["report_stopped"] == 1
    assert marked["advice_given"] == 2


def test_make_insight_draws_the_counts_with_the_small_ones_hidden(counted):
    page = counted["page"]
    assert "Conversations started: <strong>5</strong>" in page
    assert '<td>a report was sent</td><td class="n">fewer than 5</td>' in page
    assert page.count("data:image/png;base64,") == 4


def test_the_canary_is_nowhere_the_counts_are_or_the_logs(counted):
    canary = CANARY.encode()
    for path in counted["files"]:
        assert canary not in path.read_bytes(), path
    assert CANARY not in counted["page"]
    assert CANARY not in counted["logs"]()
    assert CANARY not in json.dumps(sorted(counted["counts"]))


def test_each_safe_answer_of_the_web_service_is_counted(tmp_path):
    running = start_web_service(tmp_path, "public", "")
    web = next(running)
    try:
        chat = WebChat(web.url)  # the opening: Rasa is not there, the safe answer
        assert "999" in chat.say("hello")
        engine = sa.create_engine(f"sqlite:///{Path(web.data_dir) / 'conversations.db'}")
        counts = {}
        for _ in range(50):  # counted in the background, just after the answer
            counts = {(c.measure, c.key): c.count for c in read_counts(engine)}
            if counts.get((m.SAFE_DEFAULT, "rasa_unavailable")) == 2:
                break
            time.sleep(0.1)
        assert counts == {(m.SAFE_DEFAULT, "rasa_unavailable"): 2}
    finally:
        running.close()
