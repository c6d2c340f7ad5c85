"""A message read clause by clause: where each clause ends, the danger cues in
it, and whether each cue is negated, supposed, or told as now or as over.

The clause is the unit the safety net judges (``danger_now.py``): "he hit her
last week but he's hitting her again now" is two clauses, past and now.
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
        """Returns the everyday matters the clause names, noisy settings among them.

        "It's not the telly" says what it is not; "he's not moving out" still
        speaks of moving out.
        """
        noisy = [span for span in self.cues.get("noisy_setting", []) if not denied(span)]
        return self.harmless_frame() + noisy

    def harmless_frame(self) -> List[Span]:
        """Returns the everyday matters that make a danger phrase harmless: a film, a licence.

        A noisy setting does not: someone passed out at a party is in danger.
        """
        return [span for span in self.cues.get("not_danger", []) if not denied(span)]

    def told_as_over(self) -> bool:
        """Tells whether the clause says it happened before, not now.

        A past cue inside a danger phrase is part of the phrase: the "has
        stopped" of "she's stopped breathing" is not "it has stopped".
        """
        phrases = self.cues.get("phrase", [])
        return (
            any(
                not self.negated(span) and not any(overlap(span, phrase) for phrase in phrases)
                for span in self.cues.get("past", [])
            )
            and not self.strong_now()
        )

    def negated(self, span: Span) -> bool:
        """Tells whether a negation in this clause stands just before the span."""
        return is_negated(span, self.start, self._now_tokens)

    @cached_property
    def _now_tokens(self) -> Set[int]:
        # Read once the cues are all found (cues_by_clause), on the first question.
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


def cues_by_clause(doc: Doc) -> List[Clause]:
    clauses = list(clauses_of(doc))
    found = [(span.label_, span) for span in spans_of(doc, DANGER_CUES_SPANS_KEY)]
    found += [("phrase", span) for span in spans_of(doc, DANGER_SPANS_KEY)]
    for kind, span in found:
        for clause in clauses:
            if clause.start <= span.start < clause.end:
                clause.cues.setdefault(kind, []).append(span)
    for clause in clauses:
        # The "ago" of "five minutes ago" belongs to a word of now, and "since
        # this morning" runs up to now: "left alone since this morning".
        clause.cues["past"] = [
            span
            for span in clause.cues.get("past", [])
            if not _within(span, clause.cues.get("now", []))
            and not (span.start > 0 and doc[span.start - 1].lower_ in words.SINCE)
        ]
        # The "kept" of "being kept prisoner" is the menace, not the "kept"
        # of "kept hitting her".
        clause.cues["habitual"] = [
            span
            for span in clause.cues.get("habitual", [])
            if not _within(span, clause.cues.get("menace", []))
        ]
    return clauses


def _within(span: Span, others: List[Span]) -> bool:
    return any(other.start <= span.start and span.end <= other.end for other in others)


def used_to(span: Span) -> bool:
    """Tells whether "used to" comes shortly before: past, whatever else the clause says.

    "She's only now told me he used to threaten her with a hammer."
    """
    before = [
        token.lower_ for token in span.doc[max(span.start - words.USED_TO_WINDOW, 0) : span.start]
    ]
    return ("used", "to") in zip(before, before[1:], strict=False)


def spans_of(doc: Doc, key: str) -> List[Span]:
    return list(doc.spans[key]) if key in doc.spans else []


def denied(span: Span) -> bool:
    """Tells whether the span is denied as a thing: "not the telly", "not a film".

    A negation straight before ("he's not moving out") denies what is done,
    not the matter spoken of.
    """
    before = [token.lower_ for token in span.doc[max(span.start - 2, 0) : span.start]]
    return len(before) == 2 and before[0] in words.NEGATIONS and before[1] in words.DETERMINERS


def overlap(one: Span, other: Span) -> bool:
    return one.start <= other.start < one.end or other.start <= one.start < other.end
