"""Reading a message for danger happening now: clauses, and the harm and menace in them.

``danger_reasons`` is the rule built from parts: the spaCy pipeline marks the
cues (``data/danger_cues.yml``: harm, menace, now, past, habitual,
hypothetical...) and the phrases (``data/danger_phrases.yml``), and this module
decides, clause by clause, whether they say that someone is in danger now.
The words it reads the grammar by are in ``danger_words.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Dict, Iterator, List, Set

from spacy.tokens import Doc, Span

from bot.understanding import danger_words as words
from bot.understanding.language import DANGER_CUES_SPANS_KEY, DANGER_SPANS_KEY


def is_negated(span: Span, clause_start: int = 0, spoken_for: Set[int] = frozenset()) -> bool:
    """Tells whether a negation stands just before the span, in its clause.

    A negation that belongs to another cue (``spoken_for``: the "n't" of "won't
    stop" or "hasn't stopped") says nothing against the span: "it won't stop
    bleeding" is bleeding now.
    """
    before = span.doc[max(span.start - words.NEGATION_WINDOW, clause_start, 0) : span.start]
    return any(token.lower_ in words.NEGATIONS and token.i not in spoken_for for token in before)


@dataclass
class Clause:
    """One clause of a message, with the danger cues found in it, by kind."""

    start: int
    end: int
    cues: Dict[str, List[Span]] = field(default_factory=dict)

    def has(self, kind: str) -> bool:
        """Tells whether a cue of this kind, not negated, is in the clause."""
        return any(not self.negated(span) for span in self.cues.get(kind, []))

    def everyday(self) -> List[Span]:
        """Returns the everyday matters the clause names.

        "It's not the telly" says what it is not; "he's not moving out" still
        speaks of moving out.
        """
        return [span for span in self.cues.get("not_danger", []) if not _denied(span)]

    def told_as_over(self) -> bool:
        """Tells whether the clause says it happened before, not now.

        A past cue inside a danger phrase is part of the phrase: the "has
        stopped" of "she's stopped breathing" is not "it has stopped".
        """
        phrases = self.cues.get("phrase", [])
        return (
            any(
                not self.negated(span) and not any(_overlap(span, phrase) for phrase in phrases)
                for span in self.cues.get("past", [])
            )
            and not self.strong_now()
        )

    def negated(self, span: Span) -> bool:
        """Tells whether a negation in this clause stands just before the span."""
        return is_negated(span, self.start, self._now_tokens)

    @cached_property
    def _now_tokens(self) -> Set[int]:
        # Read once the cues are all found (_cues_by_clause), on the first question.
        return {token.i for cue in self.cues.get("now", []) for token in cue}

    def supposed(self, span: Span) -> bool:
        """Tells whether the span is only supposed: "what if he hits her", "if he comes back",
        or a story: "in the game a man gets stabbed".

        Only a hypothetical before the span counts: in "he's banging on my door
        saying he'll kill me if I don't open it" the threat is real and the
        "if" belongs to what follows.
        """
        hypotheticals = [
            cue
            for kind in ("hypothetical", "story")
            for cue in self.cues.get(kind, [])
            if not self.negated(cue)
        ]
        # "She'd kill me if she knew": "would" with an "if" anywhere in the
        # clause is a supposition, where "he'll kill me if" is a threat.
        would = span.start > 0 and span.doc[span.start - 1].lower_ in words.CONDITIONALS
        return any(cue.start < span.start or would for cue in hypotheticals)

    def strong_now(self) -> bool:
        """Tells whether the clause says plainly that it is happening now."""
        return any(self._says_now(span) for span in self.cues.get("now", []))

    def _says_now(self, span: Span) -> bool:
        text = span.text.lower()
        # "could hear" is the past of "can hear".
        if text == "still":
            # "Still behind me", "still right behind us", "it's still going";
            # not "I still think about it" or "he still has a key".
            after = span.doc[span.end : min(span.end + 2, self.end)]
            return any(token.lower_.endswith(("ing", "in")) for token in after[:1]) or any(
                0 <= cue.start - span.end <= 1
                for kind in ("harm", "menace", "phrase", "now")
                for cue in self.cues.get(kind, [])
            )
        if text in words.WEAK_NOW or "could" in text or self.negated(span):
            return False
        if text == words.GOING_ON:
            return self._going_on_after_danger(span)
        if text == "now":
            before = span.doc[span.start - 1].lower_ if span.start > self.start else None
            return before is not None and before not in words.DURATIONS
        if text in words.FUTURE_CUES:
            before = span.doc[self.start : span.start]
            # "She was screaming that he was going to kill her": what was
            # about to happen then, told after.
            if before and before[-1].lower_ in words.PAST_AUXILIARIES:
                return False
            return not any(token.lower_ in words.FEARS for token in before)
        return True

    def _going_on_after_danger(self, span: Span) -> bool:
        if self.cues.get("past") or self.cues.get("habitual"):
            return False
        # One word may stand between: "a fight is going on".
        return any(
            0 <= span.start - cue.end <= 1
            for kind in ("harm", "menace")
            for cue in self.cues.get(kind, [])
        )


def clauses_of(doc: Doc) -> Iterator[Clause]:
    """Yields the clauses of the doc, each with its danger cues."""
    start = 0
    for token in list(doc) + [None]:
        if token is None or token.lower_ in words.CLAUSE_BREAKS or "\n" in token.text:
            end = len(doc) if token is None else token.i
        elif token.lower_ in words.JOINS and token.i + 1 < len(doc):
            if doc[token.i + 1].lower_ not in words.NEW_CLAUSE_STARTS:
                continue
            end = token.i
        else:
            continue
        if end > start:
            yield Clause(start, end)
        start = end + 1


def _cues_by_clause(doc: Doc) -> List[Clause]:
    clauses = list(clauses_of(doc))
    found = [(span.label_, span) for span in spans_of(doc, DANGER_CUES_SPANS_KEY)]
    found += [("phrase", span) for span in spans_of(doc, DANGER_SPANS_KEY)]
    for kind, span in found:
        for clause in clauses:
            if clause.start <= span.start < clause.end:
                clause.cues.setdefault(kind, []).append(span)
    for clause in clauses:
        # The "ago" of "five minutes ago" belongs to a word of now.
        if "past" in clause.cues:
            clause.cues["past"] = [
                span
                for span in clause.cues["past"]
                if not any(
                    now.start <= span.start and span.end <= now.end
                    for now in clause.cues.get("now", [])
                )
            ]
    return clauses


def spans_of(doc: Doc, key: str) -> List[Span]:
    return list(doc.spans[key]) if key in doc.spans else []


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
    if _used_to(span) or _named_event(span):
        return True
    before = doc[span.start - 1].lower_ if span.start > 0 else ""
    if before != "got":
        return before in words.PAST_AUXILIARIES
    return span.start < 2 or doc[span.start - 2].lower_ not in words.PRESENT_BEFORE_GOT


def _denied(span: Span) -> bool:
    """Tells whether the span is denied as a thing: "not the telly", "not a film".

    A negation straight before ("he's not moving out") denies what is done,
    not the matter spoken of.
    """
    before = [token.lower_ for token in span.doc[max(span.start - 2, 0) : span.start]]
    return len(before) == 2 and before[0] in words.NEGATIONS and before[1] in words.DETERMINERS


def _used_to(span: Span) -> bool:
    """Tells whether "used to" comes shortly before: past, whatever else the clause says.

    "She's only now told me he used to threaten her with a hammer."
    """
    before = [
        token.lower_ for token in span.doc[max(span.start - words.USED_TO_WINDOW, 0) : span.start]
    ]
    return ("used", "to") in zip(before, before[1:], strict=False)


def _named_event(span: Span) -> bool:
    """Tells whether an "-ing" form is a noun after a determiner: "a stabbing", "the shooting"."""
    return (
        span[0].lower_.endswith("ing")
        and span.start > 0
        and span.doc[span.start - 1].lower_ in words.DETERMINERS
    )


def _overlap(one: Span, other: Span) -> bool:
    return one.start <= other.start < one.end or other.start <= one.start < other.end


def _outside(span: Span, exclusions: List[Span]) -> bool:
    """Tells whether the span overlaps none of the "not danger" phrases.

    An everyday matter just after the span is what it names: "shooting games".
    """
    return not any(_overlap(span, ex) or ex.start == span.end for ex in exclusions)


def danger_reasons(doc: Doc) -> List[str]:
    """Returns why the doc means danger now (empty when it does not).

    Each reason names the kind of cue and its words, for tests and for the
    comms team's understanding of a false alarm. Never logged.
    """
    reasons = []
    said = [token.lower_ for token in doc if token.is_alpha]
    if said and set(said) & words.CRY_WORDS and set(said) <= words.CRY_WORDS | words.CRY_COMPANIONS:
        reasons.append("a cry for help")
    clauses = _cues_by_clause(doc)
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
                or exclusions
                or _told_as_past(doc, span)
                or clause.supposed(span)
            ):
                reasons.append(f"phrase: {span.text}")
        if past or habitual:
            continue
        for span in clause.cues.get("harm", []):
            if (
                clause.negated(span)
                or clause.supposed(span)
                or _used_to(span)
                or not _outside(span, exclusions)
            ):
                continue
            if clause.strong_now() or _harm_is_now(span):
                reasons.append(f"harm now: {span.text}")
        for span in clause.cues.get("menace", []):
            # Here even the "n't" of "won't stop" counts: a menace that won't
            # stop ("he won't stop following her") is most often told as
            # something that goes on and on, a warning sign.
            if is_negated(span, clause.start) or clause.supposed(span) or _used_to(span):
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
    return any(clause.everyday() for clause in _cues_by_clause(doc))


def harm_apart_from_everyday(doc: Doc) -> bool:
    """Tells whether harm or a danger phrase is told in a clause that names no everyday matter.

    "We're playing a game online and my mate says his dad is coming up the
    stairs with a knife": the game is where he is, not what the knife is.
    Menace alone ("people screaming") is not enough: a noisy party is full of it.
    """
    for clause in _cues_by_clause(doc):
        if clause.everyday():
            continue
        for span in clause.cues.get("harm", []) + clause.cues.get("phrase", []):
            if not (clause.negated(span) or clause.supposed(span)):
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
    clauses = _cues_by_clause(doc)
    return any(clause.has("past") for clause in clauses) and not any(
        clause.strong_now() for clause in clauses
    )
