"""The names of what the insight page counts, and in what order it shows them.

Kept apart from the counting itself (``counting``, which reads Rasa's events
and so imports Rasa), so the page and the staff service can name the counts
without loading Rasa.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Text, Tuple

import yaml

MARKERS_FILE = Path(__file__).resolve().parents[2] / "data" / "markers.yml"
REPORT_FORM = "concern_form"
DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"


@lru_cache(maxsize=1)
def report_questions() -> Tuple[Text, ...]:
    """Returns the report's questions in the order the form asks them (domain.yml).

    The first required slot, ``answer_to_change``, is asked only when the
    person changes an answer, so it is no step of the report.
    """
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    slots = domain["forms"][REPORT_FORM]["required_slots"]
    return tuple(slot for slot in slots if slot != "answer_to_change")


REPORT_SENT_RESPONSE = "utter_concern_received"
REPHRASE_RESPONSE = "utter_please_rephrase"

# Each count is (measure, key); these are the measures.
CONVERSATIONS = "conversations"  # key "started"
ENDED = "ended"  # key: one of OUTCOMES, once per conversation
MARKER = "marker"  # key: a marker's name, once per conversation where it applied
DANGER_ANSWER = "danger_answer"  # key: who found the danger, once per 999 answer
REPHRASE_MEANT = "rephrase_meant"  # key: the classifier's likeliest intent, per prompt
TYPED_NOT_UNDERSTOOD = "typed_not_understood"  # key: the response whose buttons were typed at
SIGN = "sign"  # key: a warning sign's id, once per conversation
SIGNS_PER_CONVERSATION = "signs_per_conversation"  # key: "0", "1", "2", "3 or more"
RELATIONSHIP = "relationship"  # key: a relationship's id, once per conversation
QUESTION_REACHED = "question_reached"  # key: a report question, once per conversation
STOPPED_AT = "stopped_at"  # key: the last question of a report not sent
OTHER_LANGUAGE = "other_language"  # key: the language found, per message
SAFE_DEFAULT = "safe_default"  # key: why the web service answered for Rasa (bot/web)

# How a conversation ended, the first that holds, in this order.
OUTCOMES = (
    "report_sent",
    "follow_up_used",
    "report_stopped",
    "advice_given",
    "danger_answer_only",
    "left_mid_way",
)

# Each key as the page says it.
OUTCOME_WORDS = {
    "report_sent": "a report was sent",
    "follow_up_used": "came back to a report",
    "report_stopped": "a report was stopped",
    "advice_given": "advice given (101, or how to report)",
    "danger_answer_only": "the 999 answer, and nothing more",
    "left_mid_way": "left mid-way",
}
QUESTION_WORDS = {
    "concern_details": "what they noticed",
    "concern_duration": "how long it has gone on",
    "relationship": "who the person is to them",
    "whereabouts": "where the person is",
    "in_danger_now": "is anyone in danger now",
    "contact_preference": "may we contact you",
    "contact_detail": "your phone or email",
    "report_confirmed": "send the report?",
}
FOUND_BY_WORDS = {
    "safety_net": "the safety net (phrases and cues in data/)",
    "classifier": "the classifier (learnt from data/nlu/danger.yml)",
    "not_recorded": "not recorded",
}
SAFE_DEFAULT_WORDS = {
    "rasa_unavailable": "the assistant could not be reached",
    "actions_unavailable": "the action server could not be reached",
    "no_reply": "the assistant gave no reply",
    "forwarding_failed": "the message could not be passed on",
}


def words(key: Text) -> Text:
    """Returns an id in plain words: "left_mid_way" -> "left mid way"."""
    return key.replace("_", " ")
