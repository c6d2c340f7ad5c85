"""A conversation in Polish through the public API: the same help and the same safety.

The public service offers English and Polish, each with its own Rasa server,
both sharing the action server and the conversations. The Polish messages
below were written for these tests from what the assistant is for; none is
taken from the training or the blind sets. Replies are recognised by which
Polish response they are (data/pl/responses.yml), never by wording copied here.
"""

from __future__ import annotations

from typing import List, Tuple

import pytest

from actions.content import report_words
from bot.languages import load_languages
from bot.settings import Settings
from tests.assistant import (
    RECEIPT,
    Assistant,
    WebService,
    request,
    said,
    said_first,
    start_web_service,
    texts,
)
from tests.console import Console, new_account
from tests.web.test_public import call

SIGNS = "Moja sąsiadka od tygodnia w ogóle nie wychodzi z domu"
DANGER = "On ją teraz bije, słyszę krzyki zza ściany"


class Chat:
    """One person's conversation through the public API, carrying its language."""

    def __init__(self, web: WebService, language: str = "") -> None:
        self.url = web.url
        status, headers, body = call(
            f"{web.url}/api/session", {"language": language} if language else {}
        )
        assert status == 200, body
        self.sender, self.language = body["sender"], headers["Content-Language"]
        self.detect = not language
        self.replies: List[dict] = body["replies"]

    def say(self, message: str) -> str:
        body = {"sender": self.sender, "message": message, "language": self.language}
        status, headers, replies = call(f"{self.url}/api/chat", {**body, "detect": self.detect})
        assert status == 200, replies
        self.language, self.replies = headers["Content-Language"], replies
        return texts(replies)

    def choose(self, language: str) -> None:
        """As the widget's menu does: the choice sticks."""
        self.language, self.detect = language, False


def slots(assistant: Assistant, sender: str) -> dict:
    status, tracker = request(
        f"{assistant.url}/conversations/{sender}/tracker?token={assistant.token}"
    )
    assert status == 200, tracker
    return tracker["slots"]


def test_the_opening_is_in_the_chosen_language(bilingual_web):
    chat = Chat(bilingual_web, "pl")
    assert chat.language == "pl"
    assert said_first(chat.replies, "utter_opening", "pl")


def test_written_in_polish_the_signs_are_answered_in_polish(bilingual_web):
    chat = Chat(bilingual_web)
    reply = chat.say(SIGNS)
    assert chat.language == "pl"
    assert said(reply, "utter_signs_noted", "pl"), reply
    assert said(reply, "utter_ask_anything_else", "pl")
    assert said(chat.say("/deny"), "utter_advice", "pl")


def test_a_polish_danger_message_gets_the_999_answer_first(bilingual_web):
    chat = Chat(bilingual_web)
    chat.say(DANGER)
    assert chat.language == "pl"
    assert said_first(chat.replies, "utter_immediate_danger", "pl"), chat.replies


@pytest.fixture
def store(assistant: Assistant):
    return Settings.from_env({"CONCERNS_DATA_DIR": str(assistant.concerns_dir)}).open_store()


# What the person answers to each question of the report, in Polish or by button.
ANSWERS = {
    "utter_ask_concern_details": "Wygląda na przestraszoną, kiedy on wraca do domu (zmyślone)",
    "utter_ask_concern_duration": '/inform{"choice": "a few weeks"}',
    "utter_ask_relationship": '/inform{"choice": "neighbour"}',
    "utter_ask_whereabouts": "ulica Zmyślona 1, Przykładowo",
    "utter_ask_in_danger_now": "/deny",
    "utter_ask_contact_preference": '/inform{"choice": "anonymous"}',
}


def report_in_polish(chat: Chat) -> Tuple[str, str]:
    """Describes signs, asks to report, answers each question asked; returns the receipt."""
    chat.say(SIGNS)
    chat.say("/deny")
    asked = []
    reply = chat.say("/want_to_report")
    while not said(reply, "utter_ask_report_confirmed", "pl"):
        question = next((name for name in ANSWERS if said(reply, name, "pl")), None)
        assert question and question not in asked, f"after {asked}: {chat.replies}"
        asked.append(question)
        reply = chat.say(ANSWERS[question])
    assert asked[0] == "utter_ask_concern_details" and "utter_ask_in_danger_now" in asked
    # The summary is written in Polish around the person's own words.
    words = report_words("pl")["summary"]
    assert words["where"].format(where=ANSWERS["utter_ask_whereabouts"]) in reply
    assert words["in_danger_now"] in reply
    receipt = chat.say("/affirm")
    assert said(receipt, "utter_concern_received", "pl"), receipt
    return RECEIPT.search(receipt).groups()


def test_a_report_made_in_polish_reaches_the_team_in_their_words_marked_polish(
    bilingual_web, store
):
    reference, _ = report_in_polish(Chat(bilingual_web))
    record = store.review.read(reference, actor="pytest", reason="test check")
    assert record["language"] == "pl"
    assert record["noticed"] == "Wygląda na przestraszoną, kiedy on wraca do domu (zmyślone)"
    assert record["location"] == "ulica Zmyślona 1, Przykładowo"
    exported = store.review.export(actor="pytest", reason="test check")
    assert {row["reference"]: row["language"] for row in exported}[reference] == "pl"


def test_the_console_shows_a_report_made_in_polish_as_polish(
    bilingual_web, assistant, store, tmp_path
):
    reference, _ = report_in_polish(Chat(bilingual_web))
    # The concern team's console, on the store the assistant wrote to.
    for staff in start_web_service(
        tmp_path, "staff", CONCERNS_DATA_DIR=str(assistant.concerns_dir)
    ):
        officer = Console(staff.url)
        officer.sign_in_for_work(new_account(store, "officer"))
        listed = officer.get("/console/concerns").text
        row = listed[listed.index(reference) :]
        row = row[: row.index("</tr>")]
        assert f"<td>{load_languages()['pl'].english_name}</td>" in row


def test_switching_language_mid_conversation_keeps_what_was_said(bilingual_web, assistant, store):
    chat = Chat(bilingual_web)
    chat.say("my neighbour has kept her curtains shut all week")
    assert chat.language == "en"
    assert said(texts(chat.replies), "utter_ask_anything_else")
    chat.choose("pl")
    # The same question, answered in Polish: the Polish assistant carries on.
    assert said(chat.say("/deny"), "utter_advice", "pl")
    assert "curtains_closed" in slots(assistant, chat.sender)["warning_signs"]
    chat.say("/want_to_report")
    chat.say("Zasłony są zaciągnięte cały dzień (zmyślone)")
    chat.choose("en")
    assert said(chat.say('/inform{"choice": "a few weeks"}'), "utter_ask_whereabouts")
    assert slots(assistant, chat.sender)["concern_details"] == (
        "Zasłony są zaciągnięte cały dzień (zmyślone)"
    )
