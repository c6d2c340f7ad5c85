"""Making a confidential report in the chat: the form's checks, sending it, clearing it.

The questions themselves are the ``utter_ask_<slot>`` responses in
``domain.yml``; the order is the form's ``required_slots``. This module decides
what counts as an answer, lets the person change one before sending, and
stores the report through the shared concern store.

A message that interrupts the form (danger, "stop", a question about
confidentiality...) is never taken as an answer: the validation rejects the
form's turn, and the rules in ``data/rules/report_form.yml`` answer instead.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.content import describe_signs, kept_for, language_of
from actions.conversation import action_before_form, interrupts, latest_intent, latest_text
from actions.follow_up import FOLLOW_UP_SLOTS
from actions.report_answers import (
    ANSWER_SLOTS,
    CHANGEABLE,
    EMAIL,
    NO_ANSWER,
    RELATIONSHIPS,
    button_choice,
    concern_from,
    contact_choice,
    normalise_phone,
    relationship_from,
    summary_of,
)
from actions.signs import signs_in_latest_message
from actions.store import concern_store, retention_days
from bot.settings import MESSAGE_LIMIT
from bot.storage.concerns import ConcernStoreError

logger = logging.getLogger(__name__)

FORM = "concern_form"
# Everything the report leaves in the conversation, cleared once it is sent or
# stopped, so that a shared device does not keep it.
REPORT_SLOTS = ANSWER_SLOTS + (
    "report_confirmed",
    "report_summary",
    "retention_period",
    "answer_to_change",
    "changing_answer",
    "submission_failed",
    "warning_signs",
    "signs_so_far",
    "new_signs",
)


class ValidateConcernForm(FormValidationAction):
    """Checks each answer to the report form, and builds the summary to confirm."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "validate_concern_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Validates the latest answer, or rejects the turn if it interrupts the form."""
        if interrupts(tracker, FORM) or self.danger_now(tracker):
            return [ActionExecutionRejected(FORM)]
        events = await super().run(dispatcher, tracker, domain)
        slots = dict(tracker.slots)
        for event in events:
            if event.get("event") == "slot":
                slots[event["name"]] = event["value"]
        if all(slots.get(name) is not None for name in self.answers_needed(slots)):
            events += [
                SlotSet("report_summary", summary_of(slots)),
                SlotSet("retention_period", kept_for(retention_days(), language_of(tracker))),
            ]
        return events

    @staticmethod
    def danger_now(tracker: Tracker) -> bool:
        """Returns whether this is "yes" to "is the person in danger right now?".

        It is an emergency, not an answer: the form stops for the rule that
        gives 999 first (data/rules/report_form.yml).
        """
        return (
            tracker.get_slot("requested_slot") == "in_danger_now"
            and action_before_form(tracker) == "action_listen"
            and latest_intent(tracker) == "affirm"
        )

    @staticmethod
    def answers_needed(slots: Dict[str, Any]) -> List[str]:
        """Returns the answers this report needs: no contact detail for anonymous."""
        needed = list(ANSWER_SLOTS)
        if slots.get("contact_preference") not in ("phone", "email"):
            needed.remove("contact_detail")
        return needed

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        """Returns the questions still to ask, with "which answer?" while changing one."""
        # The domain lists answer_to_change first so that its list and this one
        # agree while an answer is being changed.
        needed = self.answers_needed(tracker.slots)
        if tracker.get_slot("changing_answer"):
            return ["answer_to_change"] + needed + ["report_confirmed"]
        return needed + ["report_confirmed"]

    def validate_concern_details(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Takes what they noticed in their own words; adds any signs it names."""
        gathered = list(tracker.get_slot("warning_signs") or [])
        if gathered and (value == "" or latest_intent(tracker) == "deny"):
            return {"concern_details": ""}  # the signs already given are enough
        text = str(value or "").strip()
        if len(text) > MESSAGE_LIMIT:
            dispatcher.utter_message(response="utter_answer_too_long")
            return {"concern_details": None}
        if len(re.findall(r"\w+", text)) < 2 or text.startswith("/"):
            dispatcher.utter_message(response="utter_need_more_detail")
            return {"concern_details": None}
        if text == latest_text(tracker):
            gathered += [sign for sign in signs_in_latest_message(tracker) if sign not in gathered]
        return {
            "concern_details": text,
            "warning_signs": gathered or None,
            "signs_so_far": describe_signs(gathered, language_of(tracker)) or None,
        }

    def validate_concern_duration(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Takes any short answer; "not sure" is an answer too."""
        return {"concern_duration": self._short_answer(value, dispatcher, tracker)}

    def validate_relationship(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Maps the answer to one of the relationship values."""
        for answer in (button_choice(tracker), value):
            if answer in RELATIONSHIPS:
                return {"relationship": answer}
        return {"relationship": relationship_from(tracker, str(value or ""))}

    def validate_whereabouts(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Takes a place as precise as they like, or "not given"."""
        answer = self._short_answer(value, dispatcher, tracker)
        if answer and any(words in answer.lower() for words in NO_ANSWER):
            answer = "not given"
        return {"whereabouts": answer}

    def validate_in_danger_now(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Only "no" fills this: "yes" is handled by the danger rules, never stored."""
        return {"in_danger_now": False if value is False else None}

    def validate_contact_preference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Maps the answer to phone, email or anonymous; asks again if unclear."""
        choice = button_choice(tracker)
        if choice not in ("phone", "email", "anonymous"):
            choice = contact_choice(str(value or ""), latest_intent(tracker))
        events: Dict[Text, Any] = {"contact_preference": choice}
        if choice == "anonymous":
            events["contact_detail"] = None
        return events

    def validate_contact_detail(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Checks the phone number or email address has the right shape."""
        text = str(value or "").strip()
        if tracker.get_slot("contact_preference") == "email":
            if EMAIL.match(text) and len(text) <= 254:
                return {"contact_detail": text}
            dispatcher.utter_message(response="utter_invalid_email")
            return {"contact_detail": None}
        phone = normalise_phone(text[:200])
        if phone:
            return {"contact_detail": phone}
        dispatcher.utter_message(response="utter_invalid_phone")
        return {"contact_detail": None}

    def validate_report_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """ "Yes" sends; "change" or "no" asks which answer to change."""
        intent = latest_intent(tracker)
        if intent == "affirm":
            return {"report_confirmed": "send"}
        if intent in ("change_answer", "deny"):
            return {"report_confirmed": None, "changing_answer": True}
        return {"report_confirmed": None}  # unclear: the question is asked again

    def validate_answer_to_change(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Clears the chosen answer so the form asks it again, then the summary."""
        chosen = button_choice(tracker)
        lowered = str(value or "").lower()
        for slot, words in CHANGEABLE:
            if chosen == slot or (chosen is None and any(word in lowered for word in words)):
                cleared: Dict[Text, Any] = {
                    slot: None,
                    "answer_to_change": None,
                    "changing_answer": False,
                    "report_confirmed": None,
                }
                if slot == "contact_preference":
                    cleared["contact_detail"] = None
                if slot == "concern_details":
                    cleared.update(warning_signs=None, signs_so_far=None)
                return cleared
        return {"answer_to_change": None}  # not one of the answers: asked again

    @staticmethod
    def _short_answer(
        value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Optional[str]:
        """Returns a button's choice, or the typed answer if it is not too long."""
        text = (button_choice(tracker) or str(value or "")).strip()
        if not text or text.startswith("/"):
            return None
        if len(text) > MESSAGE_LIMIT:
            dispatcher.utter_message(response="utter_answer_too_long")
            return None
        return text


class ActionSubmitConcern(Action):
    """Stores the confirmed report; gives the reference only once it is committed."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_submit_concern"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Stores the report, then gives the receipt, or says plainly that it failed."""
        slots = dict(tracker.slots)
        if slots.get("report_confirmed") != "send":
            dispatcher.utter_message(response="utter_nothing_to_send")
            return []
        try:
            store = concern_store()
            receipt = await asyncio.to_thread(store.submissions.submit, concern_from(slots))
        except (ConcernStoreError, OSError) as error:
            # Only the kind of failure is logged: never what the person wrote.
            logger.error("A concern could not be stored: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_concern_not_stored")
            # Asking to confirm again on "try again" shows the same answers.
            return [SlotSet("report_confirmed", None), SlotSet("submission_failed", True)]
        dispatcher.utter_message(
            response="utter_concern_received",
            reference=receipt.reference,
            follow_up_phrase=receipt.follow_up_phrase,
        )
        return [SlotSet(slot, None) for slot in REPORT_SLOTS]


class ActionClearReport(Action):
    """Forgets a report that was stopped, and any follow-up details, in this chat."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_clear_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Returns the events that empty every report and follow-up slot."""
        return [SlotSet(slot, None) for slot in REPORT_SLOTS + FOLLOW_UP_SLOTS]
