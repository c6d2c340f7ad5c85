"""Counting a conversation: what the assistant did, by the comms team's markers and its events."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, List

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from bot.insight import measures as m
from bot.insight.counting import fold_conversations, load_markers, marker_names, tally
from bot.insight.daily import read_counts
from bot.storage.conversations import purge_idle_conversations
from bot.storage.tracker_store import events_table_model
from tests.assistant import PROJECT_DIR

# 1 December 2026, 10:00 UTC.
STARTED = 1796119200.0
CANARY = "Canary-Quillfeather-7Q"


@pytest.fixture(scope="module")
def markers():
    return load_markers()


class Story:
    """A conversation's events as Rasa stores them, a second apart."""

    def __init__(self) -> None:
        self.events: List[Event] = [SessionStarted(timestamp=STARTED)]
        self.events.append(ActionExecuted("action_listen", timestamp=STARTED))

    def _at(self) -> float:
        return STARTED + len(self.events)

    def user(self, text: str, intent: str, *, ranking=None, entities=(), **parse: Any) -> Story:
        ranking = ranking or [{"name": intent, "confidence": 0.9}]
        parse_data = {
            "text": text,
            "intent": {"name": intent, "confidence": ranking[0]["confidence"]},
            "entities": list(entities),
            "intent_ranking": ranking,
            **parse,
        }
        self.events.append(
            UserUttered(
                text, parse_data["intent"], list(entities), parse_data, timestamp=self._at()
            )
        )
        return self

    def action(self, name: str) -> Story:
        self.events.append(ActionExecuted(name, timestamp=self._at()))
        return self

    def says(self, response: str, *, buttons: bool = False) -> Story:
        data = {"buttons": [{"title": "Yes", "payload": "/affirm"}]} if buttons else {}
        self.events.append(ActionExecuted(response, timestamp=self._at()))
        self.events.append(
            BotUttered("...", data, {"utter_action": response}, timestamp=self._at())
        )
        return self

    def slot(self, name: str, value: Any) -> Story:
        self.events.append(SlotSet(name, value, timestamp=self._at()))
        return self

    def report_up_to(self, last_question: str) -> Story:
        self.user("/want_to_report", "want_to_report").action("concern_form")
        self.events.append(ActiveLoop("concern_form", timestamp=self._at()))
        for question in m.report_questions():
            self.slot("requested_slot", question).says(f"utter_ask_{question}")
            self.user(f"{CANARY} answer", "inform")
            if question == last_question:
                break
        return self


def sign(value: str) -> dict:
    return {"entity": "warning_sign", "value": value, "start": 0, "end": 3}


def counted(story: Story, markers) -> Counter:
    day, counts = tally(story.events, markers)
    assert day.isoformat() == "2026-12-01"
    return counts


def test_the_markers_are_rasas_and_name_only_what_the_domain_has(markers):
    assert markers.validate_against_domain(Domain.load(str(PROJECT_DIR / "domain.yml")))
    assert {"danger_answer_given", "asked_to_rephrase", "report_started"} <= set(
        marker_names(markers)
    )


def test_a_report_sent_counts_its_signs_relationship_and_every_question(markers):
    story = Story().user(
        f"{CANARY} curtains shut",
        "describe_warning_sign",
        entities=[sign("curtains_closed"), sign("withdrawn")],
    )
    story.slot("relationship", "neighbour").says("utter_advice", buttons=True)
    story.report_up_to("report_confirmed").action("action_submit_concern")
    story.says("utter_concern_received")
    counts = counted(story, markers)
    assert counts[(m.CONVERSATIONS, "started")] == 1
    assert (
        counts[(m.ENDED, "report_sent")] == 1
        and sum(counts[k] for k in counts if k[0] == m.ENDED) == 1
    )
    assert counts[(m.SIGN, "curtains_closed")] == counts[(m.SIGN, "withdrawn")] == 1
    assert counts[(m.SIGNS_PER_CONVERSATION, "2")] == 1
    assert counts[(m.RELATIONSHIP, "neighbour")] == 1
    assert all(counts[(m.QUESTION_REACHED, q)] == 1 for q in m.report_questions())
    assert not [key for key in counts if key[0] == m.STOPPED_AT]
    assert counts[(m.MARKER, "advice_given")] == counts[(m.MARKER, "report_started")] == 1


def test_a_report_stopped_says_at_which_question(markers):
    story = Story().report_up_to("contact_preference").says("utter_report_stopped")
    counts = counted(story, markers)
    assert counts[(m.ENDED, "report_stopped")] == 1
    assert counts[(m.STOPPED_AT, "contact_preference")] == 1
    assert counts[(m.QUESTION_REACHED, "contact_preference")] == 1
    assert counts[(m.QUESTION_REACHED, "contact_detail")] == 0
    assert counts[(m.SIGNS_PER_CONVERSATION, "0")] == 1


def test_each_999_answer_says_what_found_the_danger(markers):
    story = Story().user("he has a knife", "immediate_danger", danger_found_by="safety_net")
    story.says("utter_immediate_danger")
    story.user("he's hurting her", "immediate_danger", danger_found_by="classifier")
    story.says("utter_immediate_danger")
    counts = counted(story, markers)
    assert counts[(m.DANGER_ANSWER, "safety_net")] == counts[(m.DANGER_ANSWER, "classifier")] == 1
    assert counts[(m.MARKER, "danger_answer_given")] == 1  # once per conversation
    assert counts[(m.ENDED, "danger_answer_only")] == 1


def test_a_rephrase_counts_what_the_classifier_thought_was_meant(markers):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": "ask_confidentiality", "confidence": 0.3},
        {"name": "describe_warning_sign", "confidence": 0.2},
    ]
    story = Story().user(f"{CANARY} hmm", "nlu_fallback", ranking=ranking)
    story.says("utter_please_rephrase")
    counts = counted(story, markers)
    assert counts[(m.REPHRASE_MEANT, "ask_confidentiality")] == 1
    assert counts[(m.MARKER, "asked_to_rephrase")] == 1
    assert counts[(m.TYPED_NOT_UNDERSTOOD, "utter_please_rephrase")] == 0
    assert counts[(m.ENDED, "left_mid_way")] == 1


def test_a_typed_answer_to_buttons_not_understood_names_the_question(markers):
    story = Story().user("my brother", "describe_warning_sign").says("utter_advice", buttons=True)
    story.user("perhaps another time, who knows", "nlu_fallback").says("utter_please_rephrase")
    story.says("utter_advice", buttons=True).user("/deny", "deny")
    counts = counted(story, markers)
    assert counts[(m.TYPED_NOT_UNDERSTOOD, "utter_advice")] == 1
    assert counts[(m.ENDED, "advice_given")] == 1


def test_another_language_is_counted_by_its_code(markers):
    story = Story().user("moja sąsiadka", "other_language", other_language="pl")
    story.says("utter_only_english")
    assert counted(story, markers)[(m.OTHER_LANGUAGE, "pl")] == 1


def test_a_conversation_where_nobody_said_anything_adds_nothing(markers):
    assert tally(Story().says("utter_opening").events, markers) == (None, Counter())


def test_no_text_reaches_the_counts(markers):
    story = Story().user(
        f"{CANARY} curtains", "describe_warning_sign", entities=[sign("curtains_closed")]
    )
    story.report_up_to("whereabouts").says("utter_report_stopped")
    _, counts = tally(story.events, markers)
    assert CANARY not in json.dumps(sorted(counts.items()))


def test_a_value_that_is_not_a_name_is_counted_as_other(markers):
    story = Story().user("x", "describe_warning_sign").slot("relationship", f"{CANARY} Jo")
    counts = counted(story, markers)
    assert counts[(m.RELATIONSHIP, "other")] == 1
    assert CANARY not in json.dumps(sorted(counts.items()))


def sealed_conversations(tmp_path, cipher, stories) -> sa.engine.Engine:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'conversations.db'}")
    base, event_row = events_table_model(cipher)
    base.metadata.create_all(engine)
    with sa.orm.Session(engine) as session:
        for sender, story in stories.items():
            for event in story.events:
                session.add(
                    event_row(
                        sender_id=sender,
                        type_name=event.type_name,
                        timestamp=event.timestamp,
                        data=json.dumps(event.as_dict()),
                    )
                )
        session.commit()
    return engine


def test_the_purge_folds_conversations_into_the_daily_counts_then_deletes_them(tmp_path, markers):
    cipher = MultiFernet([Fernet(Fernet.generate_key())])
    stories = {
        "a": Story().report_up_to("report_confirmed").says("utter_concern_received"),
        "b": Story().report_up_to("contact_preference").says("utter_report_stopped"),
    }
    engine = sealed_conversations(tmp_path, cipher, stories)
    assert CANARY.encode() not in (tmp_path / "conversations.db").read_bytes()
    purged = purge_idle_conversations(
        engine,
        idle_hours=0,
        before_delete=lambda connection, senders: fold_conversations(
            connection, senders, cipher, markers
        ),
    )
    found = {(row.measure, row.key): row.count for row in read_counts(engine)}
    assert purged == 2
    assert found[(m.CONVERSATIONS, "started")] == 2
    assert found[(m.ENDED, "report_sent")] == found[(m.ENDED, "report_stopped")] == 1
    assert found[(m.QUESTION_REACHED, "contact_preference")] == 2
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM events")).scalar() == 0


def test_a_fold_that_fails_deletes_nothing(tmp_path, markers):
    cipher = MultiFernet([Fernet(Fernet.generate_key())])
    engine = sealed_conversations(tmp_path, cipher, {"a": Story().user("hello", "greet")})
    other = MultiFernet([Fernet(Fernet.generate_key())])  # cannot open the events
    with pytest.raises(InvalidToken):
        purge_idle_conversations(
            engine,
            idle_hours=0,
            before_delete=lambda connection, senders: fold_conversations(
                connection, senders, other, markers
            ),
        )
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM events")).scalar() == 3
    assert read_counts(engine) == []
