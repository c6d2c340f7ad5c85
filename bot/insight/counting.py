"""What one conversation adds to the daily counts: what the assistant did, never what was said.

The comms team's own markers (``data/markers.yml``, Rasa's marker language)
say which conversations the assistant gave the 999 answer in, asked to
rephrase, advised, and so on. What markers cannot see is read from the same
events here: how each conversation ended, which warning signs and
relationships were named (as the canonical ids of ``data/``), how far the
report got, and what the classifier thought people meant when it asked them
to rephrase. A message's text is only ever asked whether it is a button press
(it starts with "/"); it is never kept.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Text, Tuple

import sqlalchemy as sa
from cryptography.fernet import MultiFernet
from rasa.core.evaluation.marker_base import Marker
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered

from bot.insight.daily import add_counts, ensure_table
from bot.insight.measures import (
    CONVERSATIONS,
    DANGER_ANSWER,
    ENDED,
    MARKER,
    MARKERS_FILE,
    OTHER_LANGUAGE,
    QUESTION_REACHED,
    RELATIONSHIP,
    REPHRASE_MEANT,
    REPHRASE_RESPONSE,
    REPORT_SENT_RESPONSE,
    SIGN,
    SIGNS_PER_CONVERSATION,
    STOPPED_AT,
    TYPED_NOT_UNDERSTOOD,
    report_questions,
)
from bot.understanding.language_detection import LANGUAGE_FOUND, OTHER_LANGUAGE_INTENT
from bot.understanding.safety_net import DANGER_FOUND_BY, DANGER_INTENT

FALLBACK_INTENT = "nlu_fallback"
# Every key counted is a name the project gave (an intent, a response, a
# sign's or a relationship's id, a language code): a value that does not look
# like one is counted as "other", so no words could ever reach the counts.
A_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}|[0-9] or more|[0-9]")


def load_markers(path: Path = MARKERS_FILE) -> Marker:
    """Returns the comms team's markers, all of them, as Rasa loads them."""
    return Marker.from_path(path)


def marker_names(markers: Marker) -> List[Text]:
    return [str(marker) for marker in getattr(markers, "sub_markers", [markers])]


def as_events(stored: Iterable[Dict[Text, Any]]) -> List[Event]:
    """Returns the events of stored event dictionaries, skipping any Rasa cannot read."""
    events = []
    for parameters in stored:
        event = Event.from_parameters(dict(parameters))
        if event is not None:
            events.append(event)
    return events


def _intent(event: UserUttered) -> Optional[Text]:
    return (event.intent or {}).get("name")


def _likeliest_meaning(event: Optional[UserUttered]) -> Text:
    """Returns the classifier's first intent that is not the fallback itself."""
    if event is None:
        return "unknown"
    ranking = event.parse_data.get("intent_ranking") or []
    return next(
        (
            intent["name"]
            for intent in ranking
            if intent.get("name") and intent.get("name") != FALLBACK_INTENT
        ),
        "unknown",
    )


def _pressed_a_button(event: UserUttered) -> bool:
    return (event.text or "").startswith("/")


def tally(events: Sequence[Event], markers: Marker) -> Tuple[Optional[dt.date], Counter]:
    """Returns the day a conversation began and the counts it adds.

    A conversation in which nobody said anything (the widget opened and was
    closed) adds nothing, and its day is None.
    """
    said = [event for event in events if isinstance(event, UserUttered)]
    if not said:
        return None, Counter()
    first = min(event.timestamp for event in events)
    day = dt.datetime.fromtimestamp(first, dt.timezone.utc).date()
    counts: Counter = Counter({(CONVERSATIONS, "started"): 1})

    applied = set()
    for session in markers.evaluate_events(list(events)):
        applied.update(name for name, where in session.items() if where)
    counts.update((MARKER, name) for name in applied)

    signs, relationships, reached = set(), set(), []
    last_user: Optional[UserUttered] = None
    last_buttons: Optional[Text] = None
    report_sent = False
    for event in events:
        if isinstance(event, UserUttered):
            if _intent(event) == DANGER_INTENT:
                found_by = event.parse_data.get(DANGER_FOUND_BY) or "not_recorded"
                counts[(DANGER_ANSWER, found_by)] += 1
            if _intent(event) == OTHER_LANGUAGE_INTENT:
                language = event.parse_data.get(LANGUAGE_FOUND) or "not_recorded"
                counts[(OTHER_LANGUAGE, language)] += 1
            if last_buttons and _intent(event) == FALLBACK_INTENT and not _pressed_a_button(event):
                counts[(TYPED_NOT_UNDERSTOOD, last_buttons)] += 1
            signs.update(
                entity.get("value")
                for entity in event.entities
                if entity.get("entity") == "warning_sign" and entity.get("value")
            )
            last_user, last_buttons = event, None
        elif isinstance(event, BotUttered):
            response = (event.metadata or {}).get("utter_action")
            last_buttons = response if event.data.get("buttons") else None
            report_sent = report_sent or response == REPORT_SENT_RESPONSE
        elif isinstance(event, ActionExecuted) and event.action_name == REPHRASE_RESPONSE:
            counts[(REPHRASE_MEANT, _likeliest_meaning(last_user))] += 1
        elif isinstance(event, SlotSet) and event.value is not None:
            if event.key == "relationship":
                relationships.add(event.value)
            elif event.key == "requested_slot" and event.value in report_questions():
                reached.append(event.value)

    counts.update((SIGN, sign) for sign in signs)
    bucket = str(len(signs)) if len(signs) < 3 else "3 or more"
    counts[(SIGNS_PER_CONVERSATION, bucket)] += 1
    counts.update((RELATIONSHIP, str(relationship)) for relationship in relationships)
    counts.update((QUESTION_REACHED, question) for question in set(reached))
    if reached and not report_sent:
        counts[(STOPPED_AT, reached[-1])] += 1
    counts[(ENDED, outcome(applied, report_sent))] += 1
    named: Counter = Counter()
    for (measure, key), count in counts.items():
        named[(measure, key if A_NAME.fullmatch(str(key)) else "other")] += count
    return day, named


def outcome(applied: Iterable[Text], report_sent: bool) -> Text:
    """Returns how a conversation ended, from the markers that applied in it."""
    applied = set(applied)
    if report_sent:
        return "report_sent"
    for name in ("follow_up_used", "report_stopped", "advice_given"):
        if name in applied:
            return name
    if "danger_answer_given" in applied:
        return "danger_answer_only"
    return "left_mid_way"


def fold_conversations(
    connection: Any, senders: Sequence[Text], cipher: MultiFernet, markers: Any = None
) -> int:
    """Adds the conversations about to be purged to the daily counts; returns how many.

    Reads each conversation's events from Rasa's table (sealed, so opened
    with the concern store's cipher), in the order they were written.
    """
    if not senders:
        return 0
    ensure_table(connection)
    markers = markers or load_markers()
    events = sa.Table("events", sa.MetaData(), autoload_with=connection)
    folded = 0
    for start in range(0, len(senders), 500):
        chosen = list(senders[start : start + 500])
        rows = connection.execute(
            sa.select(events.c.sender_id, events.c.data)
            .where(events.c.sender_id.in_(chosen))
            .order_by(events.c.sender_id, events.c.id)
        )
        stored: Dict[Text, List[Dict[Text, Any]]] = {}
        for row in rows:
            if row.data:
                opened = cipher.decrypt(row.data.encode("ascii")).decode()
                stored.setdefault(row.sender_id, []).append(json.loads(opened))
        for conversation in stored.values():
            day, counts = tally(as_events(conversation), markers)
            if day is not None:
                add_counts(connection, day, counts)
                folded += 1
    return folded
