"""What the counts suggest the comms team do, each with the file to edit and the guide's section."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Text

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


def findings(summed: Dict[Text, Counter], files: Dict[Text, Text]) -> List[Finding]:
    """Returns what the counts suggest doing, most useful first."""
    found: List[Finding] = []
    meant = summed.get(c.REPHRASE_MEANT, Counter())
    if sum(meant.values()) >= SMALLEST_SHOWN:
        intent, count = meant.most_common(1)[0]
        found.append(
            Finding(
                title="People were asked to rephrase",
                detail=(
                    f"Asked to rephrase {shown(sum(meant.values()))} times. Most often the "
                    f"assistant's best guess was '{words(intent)}' ({shown(count)})."
                ),
                action=(
                    f"Add new, varied examples of '{words(intent)}', in people's own words, "
                    "to the file named here. Never add a message someone typed."
                ),
                file=files.get(intent, "data/nlu/"),
                section="Adding a phrase people use",
            )
        )
    stopped = summed.get(c.STOPPED_AT, Counter())
    if sum(stopped.values()) >= SMALLEST_SHOWN:
        question, count = stopped.most_common(1)[0]
        asked = QUESTION_WORDS.get(question, words(question))
        found.append(
            Finding(
                title="Reports stopped part-way",
                detail=(
                    f"{shown(sum(stopped.values()))} reports were begun and not sent; the "
                    f"question they stopped at most often was '{asked}' "
                    f"({shown(count)})."
                ),
                action=(
                    f"Read the question (utter_ask_{question}) and its buttons: is it plain, "
                    "does it say why we ask and that the person can skip or stop?"
                ),
                file="domain.yml",
                section="Changing a message",
            )
        )
    typed = summed.get(c.TYPED_NOT_UNDERSTOOD, Counter())
    if sum(typed.values()) >= SMALLEST_SHOWN:
        response, count = typed.most_common(1)[0]
        found.append(
            Finding(
                title="People typed instead of pressing a button, and were not understood",
                detail=(
                    f"{shown(sum(typed.values()))} typed answers to a question with buttons "
                    f"were not understood; most often after {response} ({shown(count)})."
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
