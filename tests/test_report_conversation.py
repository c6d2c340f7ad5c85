"""Making a report in the chat, and coming back to it, with the running assistant.

Each conversation goes through the real Rasa server and action server; the
reports land in the concern store the action server was given, which the tests
then read as the concern team would.
"""

from __future__ import annotations

import re

import pytest

from actions.content import warning_sign_labels
from bot.settings import Settings
from tests.assistant import RECEIPT, SIGN_LABELS, Assistant, Conversation, said, said_first

REFERENCE = re.compile(r"CON-[A-Z0-9]{4}-[A-Z0-9]{4}")


@pytest.fixture
def store(assistant: Assistant):
    return Settings.from_env({"CONCERNS_DATA_DIR": str(assistant.concerns_dir)}).open_store()


def stored_references(store) -> set:
    return {row["reference"] for row in store.review.export(actor="pytest", reason="test check")}


def answer_everything_up_to_the_summary(chat: Conversation) -> str:
    chat.say("my neighbour has kept her curtains shut all week")
    chat.say("/deny")  # nothing else noticed: the advice
    reply = chat.say("/want_to_report")
    # The signs are carried in, not asked again.
    assert warning_sign_labels()["curtains_closed"] in reply
    chat.say("she looks frightened when he comes home (invented)")
    chat.say("a few weeks")
    # "my neighbour" already said who she is: that question is skipped.
    reply = chat.say("Invented Road, Exampletown")
    assert said(reply, "utter_ask_in_danger_now")
    chat.say("/deny")
    chat.say("by phone")
    return chat.say("07700 900 123 but not before 6pm")


def test_signs_described_then_a_report_stored_with_a_reference(assistant, store):
    chat = Conversation(assistant)
    summary = answer_everything_up_to_the_summary(chat)
    assert "Invented Road, Exampletown" in summary and "a neighbour" in summary
    assert not REFERENCE.search(summary), "no reference before the report is stored"
    assert chat.buttons() == ["/affirm", "/change_answer", "/stop"]

    receipt = chat.say("/affirm")
    assert said(receipt, "utter_concern_received")
    reference, phrase = RECEIPT.search(receipt).groups()
    # Each on a line of its own, to be copied down without the words around it.
    assert re.search(rf"^Your reference is {reference}$", receipt, re.MULTILINE)
    assert re.search(rf"^Your follow-up phrase is: {phrase}$", receipt, re.MULTILINE)
    assert "999" in receipt and "101" in receipt
    record = store.review.read(reference, actor="pytest", reason="test check")
    assert record["noticed"] == "she looks frightened when he comes home (invented)"
    assert record["location"] == "Invented Road, Exampletown"
    assert record["relationship"] == "neighbour"
    assert record["contact"] == "07700900123 (but not before 6pm)"
    assert SIGN_LABELS["curtains_closed"] in record["warning_signs"]
    assert store.submissions.follow_up(reference, phrase)["status"] == "received"


def test_an_answer_can_be_changed_before_sending(assistant, store):
    chat = Conversation(assistant)
    answer_everything_up_to_the_summary(chat)
    chat.say("/change_answer")
    assert said(chat.say("where they are"), "utter_ask_whereabouts")
    summary = chat.say("Invented Avenue, Othertown")
    assert "Invented Avenue, Othertown" in summary
    reference = RECEIPT.search(chat.say("/affirm")).group(1)
    assert store.review.read(reference, actor="pytest", reason="test check")["location"] == (
        "Invented Avenue, Othertown"
    )


def test_a_cancelled_report_stores_nothing(assistant, store):
    before = stored_references(store)
    chat = Conversation(assistant)
    answer_everything_up_to_the_summary(chat)
    reply = chat.say("/stop")
    assert said(reply, "utter_ask_continue_report")
    reply = chat.say("/deny")  # stop, and clear the answers
    assert said(reply, "utter_report_stopped")
    assert not REFERENCE.search(reply)
    assert stored_references(store) == before


def test_danger_in_the_middle_gets_999_first_then_the_report_resumes(assistant, store):
    chat = Conversation(assistant)
    chat.say("I want to report something")
    chat.say("/affirm")
    chat.say("her ex keeps turning up at her work and waiting outside")
    reply = chat.say("he's outside her house with a knife right now")
    assert said_first(chat.replies, "utter_immediate_danger")
    assert said(reply, "utter_ask_continue_report")
    assert chat.buttons() == ["/affirm", "/deny"]
    reply = chat.say("/affirm")  # carry on: the question is asked again
    assert said(reply, "utter_ask_concern_duration")


def test_yes_to_danger_now_is_an_emergency_not_an_answer(assistant):
    chat = Conversation(assistant)
    chat.say("my friend's partner controls all her money")
    chat.say("/deny")
    chat.say("/want_to_report")
    chat.say("/deny")
    chat.say("months or longer")
    chat.say("Invented Street")
    chat.say("yes")
    assert said_first(chat.replies, "utter_immediate_danger")


def test_a_question_in_the_middle_is_answered_then_the_form_goes_on(assistant):
    chat = Conversation(assistant)
    chat.say("I'd like to report a concern")
    first_question = chat.say("/affirm")
    reply = chat.say("will they know it was me?")
    assert said(reply, "utter_report_privacy")
    assert reply.endswith(first_question)


def test_follow_up_by_reference_adds_information(assistant, store):
    chat = Conversation(assistant)
    answer_everything_up_to_the_summary(chat)
    reference, phrase = RECEIPT.search(chat.say("/affirm")).groups()

    later = Conversation(assistant)
    later.say("I made a report before and want to add something")
    later.say(f"it's {reference.lower().replace('-', ' ')}")
    reply = later.say(phrase.replace("-", " ").upper())
    assert said(reply, "utter_follow_up_status")
    later.say("/affirm")
    reply = later.say("she has a new bruise on her arm (invented)")
    assert said(reply, "utter_information_added")
    additions = store.review.read(reference, actor="pytest", reason="test check")["additions"]
    assert [added["text"] for added in additions] == ["she has a new bruise on her arm (invented)"]


def test_a_wrong_phrase_and_a_wrong_reference_get_the_same_answer(assistant):
    chat = Conversation(assistant)
    answer_everything_up_to_the_summary(chat)
    reference, _ = RECEIPT.search(chat.say("/affirm")).groups()

    def try_follow_up(reference: str, phrase: str) -> str:
        later = Conversation(assistant)
        later.say("I've got a reference number from before")
        later.say(reference)
        return later.say(phrase)

    wrong_phrase = try_follow_up(reference, "otter-maple-river-42")
    wrong_reference = try_follow_up("CON-ZZZZ-ZZZZ", "otter-maple-river-42")
    assert wrong_phrase == wrong_reference
    assert said(wrong_phrase, "utter_follow_up_refused")


LOGGED_ERROR = re.compile(r"\bERROR\b|\[error\s*\]|Traceback", re.IGNORECASE)


def press(chat: Conversation, choice: str) -> str:
    """Presses the button that carries this choice, sending its payload as Rasa sent it."""
    [payload] = [p for p in chat.buttons() if f'"choice": "{choice}"' in p]
    return chat.say(payload)


def test_a_whole_report_by_its_buttons_logs_no_error(assistant, store):
    # Rasa fills {placeholders} in buttons too: a payload whose braces it
    # could not fill logged an ERROR with a traceback for every button shown.
    logs = [assistant.workdir / f"{name}.log" for name in assistant.commands]
    assert {"rasa", "actions"} <= set(assistant.commands) and all(p.exists() for p in logs)
    before = {path: path.stat().st_size for path in logs}
    chat = Conversation(assistant)
    chat.say("my neighbour has kept her curtains shut all week")
    chat.say("/deny")
    chat.say("/want_to_report")
    assert said(
        chat.say("she looks frightened when he comes home (invented)"), "utter_ask_concern_duration"
    )
    assert said(press(chat, "a few weeks"), "utter_ask_whereabouts")
    chat.say("Invented Road, Exampletown")
    assert said(chat.say("/deny"), "utter_ask_contact_preference")
    summary = press(chat, "anonymous")
    assert "a few weeks" in summary and "Invented Road, Exampletown" in summary
    assert RECEIPT.search(chat.say("/affirm"))

    written = "".join(path.read_bytes()[before[path] :].decode(errors="replace") for path in logs)
    assert not LOGGED_ERROR.search(written), LOGGED_ERROR.search(written)
