"""The report form's checks, and sending the report to the concern store."""

from __future__ import annotations

import re

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.report as report
from actions.content import report_words, warning_sign_labels
from actions.report import (
    ActionClearReport,
    ActionSubmitConcern,
    ValidateConcernForm,
    contact_choice,
    normalise_phone,
    summary_of,
)
from bot.settings import Settings
from tests.actions.domain import real_domain as domain
from tests.assistant import SIGN_LABELS, run_coroutine
from tests.faults import unreachable_concern_store

ANSWERS = {
    "concern_details": "she hasn't answered the door for a fortnight (invented)",
    "concern_duration": "a few weeks",
    "relationship": "neighbour",
    "whereabouts": "Invented Road, Exampleton",
    "in_danger_now": False,
    "contact_preference": "anonymous",
    "contact_detail": None,
    "warning_signs": ["curtains_closed"],
}


def tracker(text="", intent="nlu_fallback", slots=None, requested=None, entities=()):
    """A tracker as Rasa sends it to validate the form's run just after `text`.

    As Rasa's does, it ends with the form's own execution, then the slot the
    message filled (when it is an answer) as the candidate to validate.
    """
    slots = {**(slots or {}), "requested_slot": requested}
    message = {"text": text, "intent": {"name": intent}, "entities": list(entities)}
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", **message},
        {"event": "action", "name": "concern_form"},
    ]
    if requested:
        events.append({"event": "slot", "name": requested, "value": slots.get(requested)})
    return Tracker.from_dict(
        {
            "sender_id": "test",
            "slots": slots,
            "latest_message": message,
            "latest_action_name": "concern_form",
            "active_loop": {"name": "concern_form"},
            "events": events,
        }
    )


def run(action, tracker_):
    dispatcher = CollectingDispatcher()
    events = run_coroutine(action.run(dispatcher, tracker_, domain()))
    return dispatcher, events


def slot_events(events):
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


def responses(dispatcher):
    return [message.get("response") for message in dispatcher.messages]


@pytest.mark.parametrize(
    "intent", ["immediate_danger", "stop", "ask_confidentiality", "goodbye", "bot_challenge"]
)
@pytest.mark.parametrize("requested", ["concern_duration", "report_confirmed"])
def test_an_interruption_is_never_taken_as_an_answer(intent, requested):
    _, events = run(
        ValidateConcernForm(),
        tracker("invented message", intent, {**ANSWERS, requested: None}, requested),
    )
    assert [(event["event"], event["name"]) for event in events] == [
        ("action_execution_rejected", "concern_form")
    ]


def test_after_an_interruption_is_answered_the_question_is_asked_again():
    answered = {"concern_details": ANSWERS["concern_details"]}
    interrupted = tracker("will they know?", "ask_confidentiality", answered, "concern_duration")
    interrupted.events[2:2] = [
        {"event": "action_execution_rejected", "name": "concern_form"},
        {"event": "action", "name": "utter_report_privacy"},
    ]
    _, events = run(ValidateConcernForm(), interrupted)
    assert all(event["event"] != "action_execution_rejected" for event in events)
    # Still unanswered, and the one the form asks next: the same question.
    slots = slot_events(events)
    assert slots.get("concern_duration") is None
    assert slots["requested_slot"] == "concern_duration"


def test_the_signs_already_given_are_enough_when_there_is_nothing_to_add():
    _, events = run(
        ValidateConcernForm(),
        tracker(
            "/deny",
            "deny",
            {"warning_signs": ["phone_off"], "concern_details": ""},
            "concern_details",
        ),
    )
    assert slot_events(events)["concern_details"] == ""


def test_a_one_word_account_is_asked_for_again():
    dispatcher, events = run(
        ValidateConcernForm(),
        tracker("hmm", "nlu_fallback", {"concern_details": "hmm"}, "concern_details"),
    )
    assert slot_events(events)["concern_details"] is None
    assert responses(dispatcher) == ["utter_need_more_detail"]


def test_signs_named_in_the_account_are_gathered():
    text = "her phone is always off and she looks frightened"
    entities = [{"entity": "warning_sign", "value": "phone_off"}]
    _, events = run(
        ValidateConcernForm(),
        tracker(
            text, "describe_warning_sign", {"concern_details": text}, "concern_details", entities
        ),
    )
    slots = slot_events(events)
    assert slots["concern_details"] == text
    assert slots["warning_signs"] == ["phone_off"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07700 900 123", "07700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("07700900123 but only after 6pm", "07700900123 (but only after 6pm)"),
        ("0770090", None),
        ("call me maybe", None),
        ("12345678901", None),
    ],
)
def test_phone_numbers_are_checked_and_tidied(text, expected):
    assert normalise_phone(text) == expected


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("by phone", "nlu_fallback", "phone"),
        ("email is best", "nlu_fallback", "email"),
        ("anonymous", "nlu_fallback", "anonymous"),
        ("no", "deny", "anonymous"),
        ("hmm", "nlu_fallback", None),
    ],
)
def test_the_contact_answer_is_understood(text, intent, expected):
    assert contact_choice(text, intent) == expected


def test_a_wrong_email_address_is_asked_for_again():
    dispatcher, events = run(
        ValidateConcernForm(),
        tracker(
            "not an address",
            "nlu_fallback",
            {**ANSWERS, "contact_preference": "email", "contact_detail": "not an address"},
            "contact_detail",
        ),
    )
    assert slot_events(events)["contact_detail"] is None
    assert responses(dispatcher) == ["utter_invalid_email"]


def test_anonymous_reports_are_not_asked_for_contact_details():
    form = ValidateConcernForm()
    needed = run_coroutine(
        form.required_slots([], CollectingDispatcher(), tracker(slots=ANSWERS), domain())
    )
    assert "contact_detail" not in needed
    assert needed[-1] == "report_confirmed"


def test_the_summary_is_ready_once_every_answer_is_in():
    _, events = run(
        ValidateConcernForm(),
        tracker(
            "anonymous",
            "nlu_fallback",
            {**ANSWERS, "contact_preference": "anonymous"},
            "contact_preference",
        ),
    )
    slots = slot_events(events)
    assert "Invented Road, Exampleton" in slots["report_summary"]
    assert SIGN_LABELS["curtains_closed"] in slots["report_summary"]
    assert re.fullmatch(r"\d+ days", slots["retention_period"])
    assert slots["requested_slot"] == "report_confirmed"


def test_changing_an_answer_asks_that_question_again_and_then_the_summary():
    form = ValidateConcernForm()
    confirmed = {**ANSWERS, "report_confirmed": "change"}
    _, events = run(form, tracker("/change_answer", "change_answer", confirmed, "report_confirmed"))
    slots = slot_events(events)
    assert slots["changing_answer"] is True
    assert slots["requested_slot"] == "answer_to_change"

    changing = {**ANSWERS, "changing_answer": True, "answer_to_change": "where they are"}
    _, events = run(form, tracker("where they are", "nlu_fallback", changing, "answer_to_change"))
    slots = slot_events(events)
    assert slots["whereabouts"] is None
    assert slots["requested_slot"] == "whereabouts"


@pytest.mark.parametrize("language", ["en", "pl"])
def test_the_summary_shows_what_will_be_sent_in_the_conversations_language(language):
    words = report_words(language)
    summary = summary_of(
        {
            **ANSWERS,
            "language": language,
            "contact_preference": "phone",
            "contact_detail": "07700900123",
        }
    )
    lines = summary.splitlines()
    # One line per entry of the summary, in the file's order.
    assert len(lines) == len(words["summary"])
    assert lines[0] == "- " + words["summary"]["signs"].format(
        signs=warning_sign_labels(language)["curtains_closed"]
    )
    assert lines[1] == "- " + words["summary"]["noticed"].format(noticed=ANSWERS["concern_details"])
    assert words["relationships"]["neighbour"] in lines[3]
    assert words["durations"]["a few weeks"] in lines[2]
    assert words["contact"]["phone"].format(detail="07700900123") in lines[-1]


def test_a_summary_without_signs_or_own_words_leaves_those_lines_out():
    summary = summary_of({**ANSWERS, "warning_signs": [], "concern_details": ""})
    assert len(summary.splitlines()) == len(report_words("en")["summary"]) - 2
    assert report_words("en")["contact"]["anonymous"] in summary


@pytest.fixture
def store(tmp_path, monkeypatch):
    store = Settings.from_env({"CONCERNS_DATA_DIR": str(tmp_path)}).open_store()
    monkeypatch.setattr(report, "concern_store", lambda: store)
    return store


def test_the_reference_is_given_only_after_the_report_is_stored(store):
    dispatcher, events = run(
        ActionSubmitConcern(), tracker(slots={**ANSWERS, "report_confirmed": "send"})
    )
    [message] = dispatcher.messages
    assert message["response"] == "utter_concern_received"
    stored = store.review.read(message["reference"], actor="pytest", reason="test")
    assert stored["location"] == "Invented Road, Exampleton"
    assert stored["warning_signs"] == [SIGN_LABELS["curtains_closed"]]
    # The answers are cleared from the conversation once they are safely stored.
    assert all(value is None for value in slot_events(events).values())


@pytest.mark.parametrize(
    "language, stored_as",
    [("pl", "pl"), ("en", "en"), (None, "en"), ("xx", "en"), ("<script>", "en")],
)
def test_the_report_is_tagged_with_the_language_the_assistant_speaks(store, language, stored_as):
    slots = {**ANSWERS, "report_confirmed": "send", "language": language}
    dispatcher, _ = run(ActionSubmitConcern(), tracker(slots=slots))
    [message] = dispatcher.messages
    stored = store.review.read(message["reference"], actor="pytest", reason="test")
    assert stored["language"] == stored_as


def test_a_database_failure_is_said_plainly_and_a_retry_sends_the_same_answers(store, monkeypatch):
    monkeypatch.setattr(report, "concern_store", unreachable_concern_store)
    slots = {**ANSWERS, "report_confirmed": "send"}
    dispatcher, events = run(ActionSubmitConcern(), tracker(slots=slots))
    assert responses(dispatcher) == ["utter_concern_not_stored"]
    changed = slot_events(events)
    # Nothing the person said is cleared: only the confirmation, to ask again.
    assert changed == {"report_confirmed": None, "submission_failed": True}
    assert store.review.list_new(actor="pytest", reason="test") == []

    monkeypatch.setattr(report, "concern_store", lambda: store)
    dispatcher, _ = run(ActionSubmitConcern(), tracker(slots=slots))
    [message] = dispatcher.messages
    assert (
        store.review.read(message["reference"], actor="pytest", reason="test")["noticed"]
        == (ANSWERS["concern_details"])
    )


def test_nothing_is_sent_without_confirmation(store):
    dispatcher, _ = run(ActionSubmitConcern(), tracker(slots=ANSWERS))
    assert responses(dispatcher) == ["utter_nothing_to_send"]
    assert store.review.list_new(actor="pytest", reason="test") == []


def test_stopping_clears_every_answer():
    _, events = run(ActionClearReport(), tracker(slots=ANSWERS))
    cleared = slot_events(events)
    assert set(report.ANSWER_SLOTS) <= set(cleared)
    assert all(value is None for value in cleared.values())


def test_yes_to_danger_now_stops_the_form_for_the_999_rule():
    _, events = run(ValidateConcernForm(), tracker("yes", "affirm", ANSWERS, "in_danger_now"))
    assert [event["event"] for event in events] == ["action_execution_rejected"]


def test_only_no_answers_danger_now():
    # Whatever else reaches the slot ("maybe", a stray value) is not an
    # answer: it is cleared and the question stays the one asked.
    for value in ("maybe", True):
        _, events = run(
            ValidateConcernForm(),
            tracker("maybe", "nlu_fallback", {**ANSWERS, "in_danger_now": value}, "in_danger_now"),
        )
        slots = slot_events(events)
        assert slots["in_danger_now"] is None and slots["requested_slot"] == "in_danger_now"


def test_no_to_danger_now_is_an_answer():
    _, events = run(
        ValidateConcernForm(),
        tracker("/deny", "deny", {**ANSWERS, "in_danger_now": False}, "in_danger_now"),
    )
    assert slot_events(events)["in_danger_now"] is False


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("she's my daughter", "family"),
        ("we work together", "colleague"),
        ("a person i know from church", "someone_else"),
        ("my mates", "friend"),
    ],
)
def test_a_typed_relationship_is_understood_by_whole_words(answer, expected):
    assert report.relationship_from(tracker(answer), answer) == expected
