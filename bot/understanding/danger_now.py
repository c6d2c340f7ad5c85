"""Reading a message for danger happening now: the harm and menace in its clauses.

``danger_reasons`` is the rule built from parts: the spaCy pipeline marks the
cues (``data/danger_cues.yml``: harm, menace, now, past, habitual,
hypothetical...) and the phrases (``data/danger_phrases.yml``), and this module
decides, clause by clause (``clauses.py``), whether they say that someone is
in danger now. Parts that mean danger only together (a child and a perilous
place, a weapon and a hand) are read in ``danger_together.py``. The words
it reads the grammar by are in ``danger_words.py``.
"""

from __future__ import annotations

from typing import List

from spacy.tokens import Doc, Span

from bot.understanding import danger_words as words
from bot.understanding.clauses import (
    Clause,
    cues_by_clause,
    is_negated,
    overlap,
    spans_of,
    used_to,
)
from bot.understanding.danger_together import armed_now, pairs_now, said_in_danger
from bot.understanding.language import DANGER_CUES_SPANS_KEY


def _harm_is_now(span: Span) -> bool:
    """Tells whether the form of a harm cue says it is happening now."""
    doc = span.doc
    first = span[0].lower_
    # An adverb between says nothing of when: "being sexually assaulted",
    # "getting badly beaten" read as "being assaulted", "getting beaten".
    before = [
        token.lower_
        for token in doc[max(span.start - words.LOOK_BACK - 1, 0) : span.start]
        if not token.lower_.endswith("ly")
    ][-words.LOOK_BACK :]
    if any(word in words.NOW_ADVERBS for word in before):
        return True
    # "Trying to snatch a baby", "tryna kick the door in": an attempt under way,
    # unless told as past ("he was trying to hit her").
    if before[-2:] in (["trying", "to"], ["tryin", "to"]) or before[-1:] == ["tryna"]:
        return not any(word in words.PAST_AUXILIARIES for word in before)
    if first.endswith("ing") or first.endswith("in"):
        if before[-1:] and before[-1] in words.DETERMINERS:
            return False
        return not any(word in words.NOT_NOW_BEFORE_ING for word in before)
    # "She'd been grabbed", "he had been hit": told as over before now.
    if before[-2:-1] and before[-2] in words.PAST_PERFECT and before[-1] == "been":
        return False
    # "He's got her pinned against the wall": someone held in harm now.
    if len(before) >= 3 and before[-3] in words.PRESENT_BEFORE_GOT and before[-2] == "got":
        return True
    return bool(before) and before[-1] in words.NOW_BEFORE_PARTICIPLE


def _at_me(span: Span) -> bool:
    """Tells whether a menace is done to the person writing: "following me", "behind us"."""
    doc = span.doc
    after = doc[span.end].lower_ if span.end < len(doc) else ""
    return after in ("me", "us") or span[-1].lower_ in ("me", "us")


def _at_me_now(span: Span) -> bool:
    """Tells whether a menace is being done to the person writing: "a car following me".

    The person themselves followed or threatened at this moment is danger; of
    someone else ("he's following her") it is more often the sign "followed".
    """
    doc = span.doc
    after = doc[span.end].lower_ if span.end < len(doc) else ""
    before = [token.lower_ for token in doc[max(span.start - words.LOOK_BACK, 0) : span.start]]
    return after in ("me", "us") and not any(word in words.NOT_NOW_BEFORE_ING for word in before)


def _told_as_past(doc: Doc, span: Span) -> bool:
    """Tells whether a danger phrase is told as past: "was broken into", "had a knife",
    "used to threaten her with a hammer", or named as an event: "arrested for a stabbing".
    """
    if used_to(span) or _named_event(span):
        return True
    before = doc[span.start - 1].lower_ if span.start > 0 else ""
    if before != "got":
        return before in words.PAST_AUXILIARIES
    return span.start < 2 or doc[span.start - 2].lower_ not in words.PRESENT_BEFORE_GOT


def _named_event(span: Span) -> bool:
    """Tells whether an "-ing" form is a noun after a determiner: "a stabbing", "the shooting"."""
    return (
        span[0].lower_.endswith("ing")
        and span.start > 0
        and span.doc[span.start - 1].lower_ in words.DETERMINERS
    )


def _outside(span: Span, exclusions: List[Span]) -> bool:
    """Tells whether the span overlaps none of the "not danger" phrases.

    An everyday matter just after the span is what it names: "shooting games".
    """
    return not any(overlap(span, ex) or ex.start == span.end for ex in exclusions)


def danger_reasons(doc: Doc) -> List[str]:
    """Returns why the doc means danger now (empty when it does not).

    Each reason names the kind of cue and its words, for tests and for the
    comms team's understanding of a false alarm. Never logged.
    """
    reasons = []
    said = [token.lower_ for token in doc if token.is_alpha]
    if said and set(said) & words.CRY_WORDS and set(said) <= words.CRY_WORDS | words.CRY_COMPANIONS:
        reasons.append("a cry for help")
    clauses = cues_by_clause(doc)
    # The clause before, when it was neither past nor habit: where someone
    # down may be told ("I can see her on the floor, she's not answering me").
    previous_clause = None
    for before, clause in zip([None, *clauses[:-1]], clauses, strict=True):
        if before is not None and _only_says_now(clause):
            # "loud thuds from over the road, it's still going": the clause
            # that says now speaks of the one before it.
            reasons += [f"{reason} ({_now_words(clause)})" for reason in _harm_or_menace(before)]
        exclusions = clause.everyday()
        past = clause.told_as_over()
        habitual = clause.has("habitual") and not clause.strong_now()
        for span in clause.cues.get("phrase", []):
            if not (
                clause.negated(span)
                or past
                or clause.harmless_frame()
                or _told_as_past(doc, span)
                or clause.supposed(span)
            ):
                reasons.append(f"phrase: {span.text}")
        if past or habitual:
            previous_clause = None
            continue
        reasons += pairs_now(doc, clause, previous_clause) + armed_now(doc, clause)
        reasons += said_in_danger(doc, clause)
        previous_clause = clause
        for span in clause.cues.get("harm", []):
            if (
                clause.negated(span)
                or clause.supposed(span)
                or used_to(span)
                or not _outside(span, exclusions)
            ):
                continue
            if clause.strong_now() or _harm_is_now(span):
                reasons.append(f"harm now: {span.text}")
        for span in clause.cues.get("menace", []):
            # Here even the "n't" of "won't stop" counts: a menace that won't
            # stop ("he won't stop following her") is most often told as
            # something that goes on and on, a warning sign.
            if is_negated(span, clause.start) or clause.supposed(span) or used_to(span):
                continue
            # An everyday matter makes the noise of one ("fireworks banging
            # right now"), but the person themselves followed from the petrol
            # station is followed all the same.
            if exclusions and not _at_me(span):
                continue
            ing = span[0].lower_.endswith(("ing", "in"))
            being = span.start > 0 and doc[span.start - 1].lower_ in ("being", "getting")
            going_on = (
                ing
                and span.start > 0
                and doc[span.start - 1].lower_ in words.PRESENT_PROGRESSIVE
                and not span[0].lower_.startswith(words.ONGOING_MENACES)
            )
            if clause.strong_now() or being or going_on or (ing and clause.has("now")):
                reasons.append(f"menace now: {span.text}")
            elif ing and _at_me_now(span):
                reasons.append(f"menace now: {span.text}")
    return reasons


def _only_says_now(clause: Clause) -> bool:
    """Tells whether the clause says it is happening now, and nothing else of danger."""
    own = ("harm", "menace", "phrase", "past", "habitual", "hypothetical", "story")
    return (
        clause.strong_now()
        and not clause.everyday()
        and not any(clause.cues.get(kind) for kind in own)
    )


def _now_words(clause: Clause) -> str:
    return " ".join(span.text for span in clause.cues.get("now", []))


def _harm_or_menace(clause: Clause) -> List[str]:
    """Returns the harm and menace of a clause that nothing in it puts in the past."""
    if clause.everyday() or clause.has("past") or clause.has("habitual"):
        return []
    return [
        f"{kind} now: {span.text}"
        for kind in ("harm", "menace")
        for span in clause.cues.get(kind, [])
        if not (is_negated(span, clause.start) or clause.supposed(span))
    ]


def _names(doc: Doc, kind: str) -> bool:
    return any(span.label_ == kind for span in spans_of(doc, DANGER_CUES_SPANS_KEY))


def names_an_everyday_matter(doc: Doc) -> bool:
    """Tells whether the doc names an everyday matter: a party, a film, a scam, a licence."""
    return any(clause.everyday() for clause in cues_by_clause(doc))


def harm_apart_from_everyday(doc: Doc) -> bool:
    """Tells whether harm or a danger phrase is told in a clause that names no everyday matter.

    "We're playing a game online and my mate says his dad is coming up the
    stairs with a knife": the game is where he is, not what the knife is.
    Menace alone ("people screaming") is not enough: a noisy party is full of it.
    """
    for clause in cues_by_clause(doc):
        # A danger phrase at a party is still danger; harm beside any
        # everyday matter may be the matter's own ("the music's killing me").
        told = [] if clause.harmless_frame() else clause.cues.get("phrase", [])
        if not clause.everyday():
            told = told + clause.cues.get("harm", [])
        if any(not (clause.negated(span) or clause.supposed(span)) for span in told):
            return True
    return False


def says_it_is_not_now(doc: Doc) -> bool:
    """Tells whether the doc says that nobody is in danger now.

    Either plainly ("he's not violent", data/danger_cues.yml all_clear), or by
    telling it as past with no word of now anywhere: "he threw a plate at her
    last month and cut her arm".
    """
    if _names(doc, "all_clear"):
        return True
    clauses = cues_by_clause(doc)
    return any(clause.has("past") for clause in clauses) and not any(
        clause.strong_now() for clause in clauses
    )
