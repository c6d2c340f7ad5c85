"""Parts that mean danger only together, told as now.

A young child and a perilous place ("a toddler wandering on the dual
carriageway"), a farewell and a height ("ringing from the multi storey saying
she can't do it anymore"), someone down who does not respond ("on the
floor, she's not answering me"), a weapon and a hand ("stood there with a
cleaver"), a person and a state of danger ("our mum is in danger"): each
part alone is everyday, together and now they are danger.
The parts are lists in ``data/danger_cues.yml``; ``danger_now.py`` asks this
module about each clause it has not already set aside as past or habit.
"""

from __future__ import annotations

from typing import List, Optional

from spacy.tokens import Doc, Span

from bot.understanding import danger_words as words
from bot.understanding.clauses import Clause, spans_of, used_to
from bot.understanding.language import RELATIONSHIP_SPANS_KEY


def pairs_now(doc: Doc, clause: Clause, previous: Optional[Clause] = None) -> List[str]:
    """Returns the pairs of parts that mean danger together, told as now.

    "A little lad wandering down the dual carriageway" (child, perilous_place);
    "she rang crying from the multi storey saying she can't do it anymore"
    (farewell, high_place). Not "the kids play by the canal" or "what if a
    child runs into the road". Someone down may be told in the clause before
    (``previous``, if it too is told as now): "I can see her on the floor,
    she's not answering me". The caller has already set past and habit aside.
    """
    reasons = []
    for one, other, reason in words.PAIRS:
        told = [clause]
        if previous is not None and one in words.PAIRS_ACROSS_A_BREAK:
            told.append(previous)
        first = [span for part in told for span in part.cues.get(one, []) if _counts(part, span)]
        second = [span for span in clause.cues.get(other, []) if _counts(clause, span)]
        if first and second:
            reasons.append(f"{reason}: {first[0].text} ... {second[0].text}")
    # Most clauses hold no pair: the tense is read only for those that do.
    if not reasons or clause.everyday() or not _told_as_now(doc, clause):
        return []
    return reasons


def _counts(clause: Clause, span: Span) -> bool:
    if clause.negated(span) or clause.supposed(span):
        return False
    if span.label_ == "no_response":
        after = span.doc[span.end : min(span.end + words.LOOK_BACK, clause.end)]
        return not any(token.lower_ in words.UNANSWERED_THINGS for token in after)
    # "A 4 year old", not "her 15 year old" or "a 40 year old man".
    if span[0].lower_ in words.AGE_WORDS:
        before = span.doc[span.start - 1] if span.start > 0 else None
        return before is not None and _young_age(before.lower_)
    return True


def _young_age(word: str) -> bool:
    if word.isdigit():
        return int(word) <= words.YOUNG_CHILD_AGE
    return word in words.YOUNG_AGES


def armed_now(doc: Doc, clause: Clause) -> List[str]:
    """Returns the weapons held now: "stood in the kitchen with a meat cleaver"."""
    if clause.harmless_frame():
        # "He's got a shotgun licence."
        return []
    held = [
        f"armed now: {span.text}"
        for span in clause.cues.get("weapon", [])
        if not (clause.negated(span) or clause.supposed(span) or used_to(span))
        and _in_hand(doc, clause, span)
    ]
    return held if held and _told_as_now(doc, clause) else []


def _in_hand(doc: Doc, clause: Clause, span: Span) -> bool:
    """Tells whether a word just before the weapon puts it in a hand: "with", "waving"."""
    start = max(span.start - words.LOOK_BACK, clause.start)
    return any(token.lower_ in words.HOLDING for token in doc[start : span.start])


def _told_as_now(doc: Doc, clause: Clause) -> bool:
    """Tells whether the clause says how things are now, rather than in general.

    "Wandering", "climbing", "there's a bairn on the windowsill", "she's been
    left", "he's got him by the ankles", "on his own", or a word of now.
    """
    if clause.strong_now():
        return True
    said = [token.lower_ for token in doc[clause.start : clause.end]]
    if said and said[0] in words.QUESTION_STARTS:
        return False
    if any(word in words.UNWATCHED for word in said) or any(
        pair in words.UNWATCHED_PAIRS for pair in zip(said, said[1:], strict=False)
    ):
        return True
    for before, word in zip(["", *said], said, strict=False):
        if before in words.NOW_BEFORE_PARTICIPLE or before in words.PRESENT_PROGRESSIVE:
            return True
        if word == "got" and before in words.PRESENT_BEFORE_GOT:
            return True
        if word in words.THERE_IS:
            return True
        if len(word) > 4 and word.isalpha() and word.endswith("ing"):
            if before not in words.DETERMINERS and before not in words.NOT_NOW_BEFORE_ING:
                return True
    return False


def said_in_danger(doc: Doc, clause: Clause) -> List[str]:
    """Returns the people said plainly to be in danger now: "my sister is in danger".

    Not "she could be in danger", "is she in danger?", "I don't think she's in
    danger", "in danger of losing her flat" or "the bridge isn't safe". The
    caller has already set past and habit aside.
    """
    said = [token.lower_ for token in doc[clause.start : clause.end]]
    if not clause.cues.get("unsafe") or (said and said[0] in words.QUESTION_STARTS):
        return []
    if clause.harmless_frame():
        return []
    return [
        f"said in danger now: {span.text}"
        for span in clause.cues["unsafe"]
        if _a_person_is(doc, clause, span)
        and not clause.supposed(span)
        and not _denied_before(doc, clause, span)
        and not (span.end < len(doc) and doc[span.end].lower_ in words.NOT_A_PERSON_AT_RISK)
    ]


def _a_person_is(doc: Doc, clause: Clause, span: Span) -> bool:
    """Tells whether a person comes before a present "is" just before the state."""
    index = span.start - 1
    while index >= clause.start and (
        doc[index].lower_ in words.STATE_ADVERBS or doc[index].lower_.endswith("ly")
    ):
        index -= 1
    if index <= clause.start or doc[index].lower_ not in words.PRESENT_PROGRESSIVE:
        return False
    if doc[index - 1].lower_ in words.PEOPLE:
        return True
    # "The lady across the landing isn't safe": a person named within a few
    # words before.
    people = [*clause.cues.get("person", []), *spans_of(doc, RELATIONSHIP_SPANS_KEY)]
    return any(0 <= index - person.end <= words.LOOK_BACK for person in people)


def _denied_before(doc: Doc, clause: Clause, span: Span) -> bool:
    """Tells whether a negation comes anywhere before the state in its clause.

    "I don't believe my sister is in danger": the "n't" stands further back
    than a harm word's negation window.
    """
    return any(token.lower_ in words.NEGATIONS for token in doc[clause.start : span.start])
