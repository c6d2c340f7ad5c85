"""What the counts suggest the comms team do, each with the file to edit and the guide's section."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Optional, Text, Tuple

from bot.insight import measures as c
from bot.insight.daily import SMALLEST_SHOWN, shown
from bot.insight.measures import QUESTION_WORDS, words


@dataclass(frozen=True)
class Finding:
    """Something the counts show, and what the comms team can do about it."""

    title: Text
    detail: Text
    action: Text
    file: Text
    section: Text  # the content guide's section heading

    @property
    def anchor(self) -> Text:
        return re.sub(r"[^a-z0-9 -]", "", self.section.lower()).replace(" ", "-")


def _enough(summed: Dict[Text, Counter], measure: Text) -> Optional[Tuple[int, Text, int]]:
    """Returns a measure's total, its commonest key and that key's count, if 5 or more."""
    counts = summed.get(measure, Counter())
    if sum(counts.values()) < SMALLEST_SHOWN:
        return None
    key, count = counts.most_common(1)[0]
    return sum(counts.values()), key, count


def findings(summed: Dict[Text, Counter], files: Dict[Text, Text]) -> List[Finding]:
    """Returns what the counts suggest doing, most useful first.

    A finding shows only with 5 or more conversations behind it, and gives
    its numbers as the page does, so no finding tells a small number.
    """
    found: List[Finding] = []
    if meant := _enough(summed, c.REPHRASE_MEANT):
        total, intent, count = meant
        found.append(
            Finding(
                title="People were asked to rephrase",
                detail=(
                    f"Asked to rephrase {shown(total)} times. Most often the assistant's "
                    f"best guess was '{words(intent)}' ({shown(count)})."
                ),
                action=(
                    f"Add new, varied examples of '{words(intent)}', in people's own words, "
                    "to the file named here. Never add a message someone typed."
                ),
                file=files.get(intent, "data/nlu/"),
                section="Adding a phrase people use",
            )
        )
    if stopped := _enough(summed, c.STOPPED_AT):
        total, question, count = stopped
        asked = QUESTION_WORDS.get(question, words(question))
        found.append(
            Finding(
                title="Reports stopped part-way",
                detail=(
                    f"{shown(total)} reports were begun and not sent; the question they "
                    f"stopped at most often was '{asked}' ({shown(count)})."
                ),
                action=(
                    f"Read the question (utter_ask_{question}) and its buttons: is it plain, "
                    "does it say why we ask and that the person can skip or stop?"
                ),
                file="domain.yml",
                section="Changing a message",
            )
        )
    if typed := _enough(summed, c.TYPED_NOT_UNDERSTOOD):
        total, response, count = typed
        found.append(
            Finding(
                title="People typed instead of pressing a button, and were not understood",
                detail=(
                    f"{shown(total)} typed answers to a question with buttons were not "
                    f"understood; most often after {response} ({shown(count)})."
                ),
                action=(
                    "Check that the buttons of that response say what people want to say, "
                    "and add examples of how people answer it in their own words."
                ),
                file="domain.yml",
                section="Changing a message",
            )
        )
    none = summed.get(c.SIGNS_PER_CONVERSATION, Counter()).get("0", 0)
    if none >= SMALLEST_SHOWN:
        found.append(
            Finding(
                title="Conversations with no warning sign recognised",
                detail=f"In {shown(none)} conversations no warning sign was recognised.",
                action=(
                    "If people describe signs in words the assistant misses, add those ways "
                    "of saying it (never a message someone typed) as phrases of the sign."
                ),
                file="data/warning_signs.yml",
                section="Adding a warning-sign synonym",
            )
        )
    return found
