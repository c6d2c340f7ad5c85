"""What counts as an answer to the report form, and what is made of the answers.

Plain functions of the answers and the latest message, kept apart from the
form (``actions/report.py``) so that each is read, and tested, on its own.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional

from rasa_sdk import Tracker

from actions.content import describe_signs, languages, report_words, said_as, warning_sign_labels
from bot.languages import ENGLISH

# The form's answers, in the order they are shown back in the summary.
ANSWER_SLOTS = (
    "concern_details",
    "concern_duration",
    "relationship",
    "whereabouts",
    "in_danger_now",
    "contact_preference",
    "contact_detail",
)
RELATIONSHIP_WORDS = {
    "neighbour": ("neighbour", "neighbor", "next door"),
    "friend": ("friend", "mate"),
    "family": ("family", "relative", "sister", "brother", "mum", "dad", "daughter", "son"),
    "colleague": ("colleague", "work", "coworker", "co-worker"),
}
# Who the person can be to the one reporting (data/report_words.yml says each).
RELATIONSHIPS = ("neighbour", "friend", "family", "colleague", "someone_else")
# Which answer each choice in `utter_ask_answer_to_change` (or a few words
# like it) means.
CHANGEABLE = (
    ("concern_details", ("noticed", "what i", "details", "signs", "what happened")),
    ("concern_duration", ("how long", "how often", "long", "often", "when")),
    ("relationship", ("who they are", "who", "relationship", "to me")),
    ("whereabouts", ("where", "address", "street", "location", "live")),
    ("contact_preference", ("contact", "phone", "email", "number", "anonymous")),
)
NO_ANSWER = ("rather not say", "prefer not", "don't want to say", "dont want to say")
UK_PHONE = re.compile(r"^(?:\+44|0)\d{9,10}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_phone(text: str) -> Optional[str]:
    """Returns a UK number without spaces or punctuation, or None if it is not one.

    Anything after the number ("after 6pm only") is kept: people say when it
    is safe to call.
    """
    match = re.match(r"^\s*(\+?[\d\s().-]{10,20})(.*)$", text)
    if not match:
        return None
    digits = re.sub(r"[\s().-]", "", match.group(1))
    if not UK_PHONE.match(digits):
        return None
    note = match.group(2).strip(" ,;-")
    return f"{digits} ({note})" if note else digits


def button_choice(tracker: Tracker) -> Optional[str]:
    """Returns the choice a button put in the latest message, if one did.

    The form's buttons send '/inform{"choice": ...}', which Rasa reads without
    the language model, so a pressed button is never misunderstood.
    """
    for found in tracker.latest_message.get("entities", []):
        if found.get("entity") == "choice" and isinstance(found.get("value"), str):
            return found["value"]
    return None


def contact_choice(text: str, intent: Optional[str]) -> Optional[str]:
    """Returns phone, email or anonymous for a typed answer to the contact question."""
    lowered = text.lower()
    if "email" in lowered or "e-mail" in lowered:
        return "email"
    if any(word in lowered for word in ("phone", "call", "ring", "text", "mobile")):
        return "phone"
    if intent == "deny" or any(word in lowered for word in ("anonymous", "no ", "rather not")):
        return "anonymous"
    if lowered in ("no", "nope", "no thanks"):
        return "anonymous"
    return None


def relationship_from(tracker: Tracker, text: str) -> str:
    """Returns who the person is to the user from an answer, "someone_else" if unclear."""
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") == "relationship" and entity.get("value") in RELATIONSHIP_WORDS:
            return entity["value"]
    lowered = text.lower()
    for value, words in RELATIONSHIP_WORDS.items():
        # Whole words only: "son" must not be found in "person".
        if any(re.search(rf"\b{re.escape(word)}s?\b", lowered) for word in words):
            return value
    return "someone_else"


def summary_of(slots: Dict[str, Any]) -> str:
    """Returns the answers written out, one line each, as they will be sent.

    In the conversation's language (its ``language`` slot): the person's own
    words as they wrote them, and fixed answers as data/report_words.yml says.
    """
    language = slots.get("language") if slots.get("language") in languages() else ENGLISH
    words = report_words(language)
    preference = slots.get("contact_preference")
    contact = words["contact"].get(preference) or words["contact"]["anonymous"]
    answers = {
        "signs": describe_signs(slots.get("warning_signs") or [], language),
        "noticed": slots.get("concern_details"),
        "how_long": said_as("durations", slots.get("concern_duration"), language),
        "relationship": said_as("relationships", slots.get("relationship"), language),
        "where": said_as("whereabouts", slots.get("whereabouts"), language),
        "contact": contact.format(detail=slots.get("contact_detail")),
    }
    return "\n".join(
        "- " + line.format(**answers)
        for name, line in words["summary"].items()
        # Signs and their own words are left out when there are none.
        if name not in ("signs", "noticed") or answers[name]
    )


def concern_from(slots: Dict[str, Any]) -> Dict[str, Any]:
    """Returns what is stored for the concern team, from the form's answers.

    The language is the assistant's own (its ``language`` slot), one of
    data/languages.yml, else English: what the person wrote is kept in their
    words, and the team needs to know which language those are in.
    """
    labels = warning_sign_labels()
    language = slots.get("language")
    return {
        "language": language if language in languages() else ENGLISH,
        "noticed": slots.get("concern_details") or "",
        "warning_signs": [labels.get(sign, sign) for sign in slots.get("warning_signs") or []],
        "how_long": slots.get("concern_duration"),
        "relationship": slots.get("relationship"),
        "location": slots.get("whereabouts"),
        "in_danger_now": False,
        "contact_by": slots.get("contact_preference"),
        "contact": slots.get("contact_detail") or "",
    }
