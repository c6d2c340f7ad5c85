"""The danger safety net: danger now always means ``immediate_danger``.

A classifier is a statistical guess; a person saying "he's got a knife" must
never depend on one. This component runs last in the NLU pipeline, after the
intent classifier and the ``FallbackClassifier``, and overrides their intent
when any of these holds:

* a phrase from ``data/danger_phrases.yml`` is present, not negated, not in a
  question about what might happen, and not in a sentence that is clearly in
  the past ("someone broke in last night");
* danger is built from parts (``data/danger_cues.yml``): a kind of harm that
  is happening now ("is hitting", "being hit", "just stabbed", "still kicking",
  "hit her right now"), or a menace with a word that says now ("screaming
  right now", "following me now") or told as going on ("there's banging",
  "they're smashing the place up"), in a sentence that is not negated, past,
  habitual ("every night") or hypothetical ("what if he hits her");
* or the intent classifier, trained on far more varied danger examples,
  thinks danger the likeliest reading (``CLASSIFIER_DANGER_FLOOR``), even if
  the ``FallbackClassifier`` found it too unsure: the net and the classifier
  each catch what the other misses.

Every channel and ``/model/parse`` therefore see ``immediate_danger``. The
signs in the message are kept (so that if the person is safe and carries on,
nothing they said is lost), except ``shouting``: screaming now is the danger
itself, not a sign heard before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Dict, Iterator, List, Set, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from spacy.tokens import Doc, Span

from bot.intent_classifier import override_intent
from bot.language import DANGER_CUES_SPANS_KEY, DANGER_SPANS_KEY, WARNING_SIGN_LABEL

DANGER_INTENT = "immediate_danger"
FALLBACK_INTENT = "nlu_fallback"
PAST_ONLY_SIGN = "shouting"
LEARNT_SIGNS = "WarningSignClassifier"
# Whenever the intent classifier thinks danger the likeliest reading, with at
# least this probability, the message is danger, even when the
# FallbackClassifier found it too unsure to act on. Its features no longer
# grow surer with a message's length (bot/features.py), so its danger is rarer
# and truer than before: on the development sets (closing note of issue 10)
# trusting it from 0.3 rather than 0.6 caught 2 more of 120 danger messages
# for 3 more false alarms in 577 other messages.
CLASSIFIER_DANGER_FLOOR = 0.3
# "he's not got a knife", "he hasn't got a knife": a negation within four
# words before the phrase, in the same clause, cancels it. Another clause's
# negation does not ("I don't know what to do, he's got a knife").
NEGATIONS = frozenset({"not", "n't", "n\u2019t", "no", "never", "nt", "nobody", "noone"})
NEGATION_WINDOW = 4
# Words that end one clause and start another: each is judged on its own, so
# "he hit her last week but he's hitting her again now" is danger.
CLAUSE_BREAKS = frozenset({".", "!", "?", ";", ",", "\n", "but", "though", "tho", "although"})
# "and", "then" or "so" start a new clause when a new subject or time follows:
# "he's been watching her for weeks and he has just grabbed her".
JOINS = frozenset({"and", "then", "so", "n", "&"})
NEW_CLAUSE_STARTS = frozenset(
    {
        "he",
        "she",
        "they",
        "i",
        "we",
        "someone",
        "somebody",
        "someones",
        "somebodys",
        "there",
        "theres",
        "hes",
        "shes",
        "now",
        "just",
        "tonight",
        "today",
    }
)
# Before an "-ing" form of harm, these make it past or habitual rather than
# happening now: "was hitting", "been hitting", "keeps hitting", "about hitting".
NOT_NOW_BEFORE_ING = frozenset(
    {
        "was",
        "were",
        "been",
        "keep",
        "keeps",
        "kept",
        "stop",
        "stopped",
        "about",
        "for",
        "of",
        "from",
        "without",
        "after",
        "before",
        "like",
        "used",
        "start",
        "started",
        "by",
    }
)
# Before a past participle of harm, these make it happening now or just now:
# "being hit", "getting battered", "been stabbed", "just hit".
NOW_BEFORE_PARTICIPLE = frozenset({"being", "getting", "gettin", "get", "been", "just", "still"})
# Before any form of harm, these make it now: "he's just hit her", "still kicking".
NOW_ADVERBS = frozenset({"just", "still", "jus"})
# After one of these an -ing word is a noun, an event named, not one happening:
# "how police investigate a stabbing", "the shooting on the news".
DETERMINERS = frozenset({"a", "an", "the", "this", "that", "another", "any"})
LOOK_BACK = 3
PAST_AUXILIARIES = frozenset({"was", "were", "had", "got"})
# Before "been": "she'd been hit", typed as "shed been hit" on a phone.
PAST_PERFECT = frozenset({"had", "'d", "\u2019d", "shed", "hed", "theyd"})
CONDITIONALS = frozenset({"would", "'d", "\u2019d", "d", "wud", "wd", "might", "could"})
# "Got" is past ("the shed got broken into") unless these come just before it:
# "he's got a knife", "they've got her in the car".
PRESENT_BEFORE_GOT = frozenset({"'s", "\u2019s", "s", "has", "have", "'ve", "\u2019ve", "ve"})
# "now" also ends "for a week now" and starts "now she never goes out": after
# a length of time, or as the first word of a clause, it does not say "now".
DURATIONS = frozenset(
    {
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "while",
        "ages",
        "fortnight",
        "time",
        "times",
        "then",
        "by",
        "until",
        "till",
        "til",
    }
)
WEAK_NOW = frozenset({"can hear", "i can hear"})
# Just before a menace's -ing form, these say it is going on as the person
# writes: "he's smashing the door in", "there's banging", "they're fighting".
PRESENT_PROGRESSIVE = frozenset(
    {"'s", "\u2019s", "is", "are", "'re", "\u2019re", "am", "'m", "\u2019m", "s", "re"}
)
# Menaces that, even as "-ing", are more often told as what someone keeps
# doing ("he's following her", "he's threatening her"): the sign, unless a
# word says now.
ONGOING_MENACES = ("follow", "threat")
# "A fight going on", "screaming going on": said of the harm or menace just
# before it, in a clause with no word of the past or of habit. Elsewhere it
# is "what's going on with her", or "it's been going on for months".
GOING_ON = "going on"
# What someone fears may happen is a warning sign, not danger now: "she's
# scared he's going to hurt her".
FEARS = frozenset(
    {
        "worried",
        "worry",
        "worries",
        "scared",
        "afraid",
        "frightened",
        "fear",
        "fears",
        "terrified",
        "petrified",
        "frit",
        "nervous",
        "anxious",
        "think",
        "thinks",
        "might",
    }
)
FUTURE_CUES = frozenset({"going to", "gonna", "gunna", "gona", "about to"})
# A message of nothing but a cry for help ("HELP", "help me please!!").
CRY_WORDS = frozenset(
    {
        "help",
        "hlp",
        "halp",
        "sos",
        "emergency",
        "urgent",
        "quick",
        "hurry",
        "come",
        "cum",
        "send",
        "fire",
        "ambulance",
    }
)
CRY_COMPANIONS = frozenset(
    {
        "me",
        "us",
        "please",
        "pls",
        "plz",
        "someone",
        "somebody",
        "now",
        "quick",
        "urgent",
        "her",
        "him",
        "need",
        "i",
        "hurry",
        "it",
        "s",
        "is",
        "an",
        "this",
        "its",
        "very",
        "fast",
        "police",
        "sum1",
        "some1",
        "round",
        "here",
    }
)


def is_negated(span: Span, clause_start: int = 0, spoken_for: Set[int] = frozenset()) -> bool:
    """Tells whether a negation stands just before the span, in its clause.

    A negation that belongs to another cue (``spoken_for``: the "n't" of "won't
    stop" or "hasn't stopped") says nothing against the span: "it won't stop
    bleeding" is bleeding now.
    """
    before = span.doc[max(span.start - NEGATION_WINDOW, clause_start, 0) : span.start]
    return any(token.lower_ in NEGATIONS and token.i not in spoken_for for token in before)


@dataclass
class Clause:
    """One clause of a message, with the danger cues found in it, by kind."""

    start: int
    end: int
    cues: Dict[str, List[Span]] = field(default_factory=dict)

    def has(self, kind: str) -> bool:
        """Tells whether a cue of this kind, not negated, is in the clause."""
        return any(not self.negated(span) for span in self.cues.get(kind, []))

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
        would = span.start > 0 and span.doc[span.start - 1].lower_ in CONDITIONALS
        return any(cue.start < span.start or would for cue in hypotheticals)

    def strong_now(self) -> bool:
        """Tells whether the clause says plainly that it is happening now."""
        return any(self._says_now(span) for span in self.cues.get("now", []))

    def _says_now(self, span: Span) -> bool:
        text = span.text.lower()
        # "could hear" is the past of "can hear".
        if text in WEAK_NOW or "could" in text or self.negated(span):
            return False
        if text == GOING_ON:
            return self._going_on_after_danger(span)
        if text == "now":
            before = span.doc[span.start - 1].lower_ if span.start > self.start else None
            return before is not None and before not in DURATIONS
        if text in FUTURE_CUES:
            before = span.doc[self.start : span.start]
            return not any(token.lower_ in FEARS for token in before)
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
        if token is None or token.lower_ in CLAUSE_BREAKS or "\n" in token.text:
            end = len(doc) if token is None else token.i
        elif token.lower_ in JOINS and token.i + 1 < len(doc):
            if doc[token.i + 1].lower_ not in NEW_CLAUSE_STARTS:
                continue
            end = token.i
        else:
            continue
        if end > start:
            yield Clause(start, end)
        start = end + 1


def _cues_by_clause(doc: Doc) -> List[Clause]:
    clauses = list(clauses_of(doc))
    found = [(span.label_, span) for span in _spans(doc, DANGER_CUES_SPANS_KEY)]
    found += [("phrase", span) for span in _spans(doc, DANGER_SPANS_KEY)]
    for kind, span in found:
        for clause in clauses:
            if clause.start <= span.start < clause.end:
                clause.cues.setdefault(kind, []).append(span)
    return clauses


def _spans(doc: Doc, key: str) -> List[Span]:
    return list(doc.spans[key]) if key in doc.spans else []


def _harm_is_now(span: Span) -> bool:
    """Tells whether the form of a harm cue says it is happening now."""
    doc = span.doc
    first = span[0].lower_
    # An adverb between says nothing of when: "being sexually assaulted",
    # "getting badly beaten" read as "being assaulted", "getting beaten".
    before = [
        token.lower_
        for token in doc[max(span.start - LOOK_BACK - 1, 0) : span.start]
        if not token.lower_.endswith("ly")
    ][-LOOK_BACK:]
    if any(word in NOW_ADVERBS for word in before):
        return True
    # "Trying to snatch a baby", "tryna kick the door in": an attempt under way,
    # unless told as past ("he was trying to hit her").
    if before[-2:] in (["trying", "to"], ["tryin", "to"]) or before[-1:] == ["tryna"]:
        return not any(word in PAST_AUXILIARIES for word in before)
    if first.endswith("ing") or first.endswith("in"):
        if before[-1:] and before[-1] in DETERMINERS:
            return False
        return not any(word in NOT_NOW_BEFORE_ING for word in before)
    # "She'd been grabbed", "he had been hit": told as over before now.
    if before[-2:-1] and before[-2] in PAST_PERFECT and before[-1] == "been":
        return False
    return bool(before) and before[-1] in NOW_BEFORE_PARTICIPLE


def _at_me_now(span: Span) -> bool:
    """Tells whether a menace is being done to the person writing: "a car following me".

    The person themselves followed or threatened at this moment is danger; of
    someone else ("he's following her") it is more often the sign "followed".
    """
    doc = span.doc
    after = doc[span.end].lower_ if span.end < len(doc) else ""
    before = [token.lower_ for token in doc[max(span.start - LOOK_BACK, 0) : span.start]]
    return after in ("me", "us") and not any(word in NOT_NOW_BEFORE_ING for word in before)


def _told_as_past(doc: Doc, span: Span) -> bool:
    """Tells whether a danger phrase is told as past: "was broken into", "had a knife"."""
    before = doc[span.start - 1].lower_ if span.start > 0 else ""
    if before != "got":
        return before in PAST_AUXILIARIES
    return span.start < 2 or doc[span.start - 2].lower_ not in PRESENT_BEFORE_GOT


def _overlap(one: Span, other: Span) -> bool:
    return one.start <= other.start < one.end or other.start <= one.start < other.end


def _outside(span: Span, exclusions: List[Span]) -> bool:
    """Tells whether the span overlaps none of the "not danger" phrases."""
    return not any(_overlap(span, ex) for ex in exclusions)


def danger_reasons(doc: Doc) -> List[str]:
    """Returns why the doc means danger now (empty when it does not).

    Each reason names the kind of cue and its words, for tests and for the
    comms team's understanding of a false alarm. Never logged.
    """
    reasons = []
    words = [token.lower_ for token in doc if token.is_alpha]
    if words and set(words) & CRY_WORDS and set(words) <= CRY_WORDS | CRY_COMPANIONS:
        reasons.append("a cry for help")
    clauses = _cues_by_clause(doc)
    for before, clause in zip([None, *clauses[:-1]], clauses, strict=True):
        if before is not None and _only_says_now(clause):
            # "loud thuds from over the road, it's still going": the clause
            # that says now speaks of the one before it.
            reasons += [f"{reason} ({_now_words(clause)})" for reason in _harm_or_menace(before)]
        exclusions = clause.cues.get("not_danger", [])
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
            if clause.negated(span) or clause.supposed(span) or not _outside(span, exclusions):
                continue
            if clause.strong_now() or _harm_is_now(span):
                reasons.append(f"harm now: {span.text}")
        if exclusions:
            continue
        for span in clause.cues.get("menace", []):
            # Here even the "n't" of "won't stop" counts: a menace that won't
            # stop ("he won't stop following her") is most often told as
            # something that goes on and on, a warning sign.
            if is_negated(span, clause.start) or clause.supposed(span):
                continue
            ing = span[0].lower_.endswith(("ing", "in"))
            being = span.start > 0 and doc[span.start - 1].lower_ in ("being", "getting")
            going_on = (
                ing
                and span.start > 0
                and doc[span.start - 1].lower_ in PRESENT_PROGRESSIVE
                and not span[0].lower_.startswith(ONGOING_MENACES)
            )
            if clause.strong_now() or being or going_on or (ing and clause.has("now")):
                reasons.append(f"menace now: {span.text}")
            elif ing and _at_me_now(span):
                reasons.append(f"menace now: {span.text}")
    return reasons


def _only_says_now(clause: Clause) -> bool:
    """Tells whether the clause says it is happening now, and nothing else of danger."""
    own = ("harm", "menace", "phrase", "past", "habitual", "hypothetical", "story", "not_danger")
    return clause.strong_now() and not any(clause.cues.get(kind) for kind in own)


def _now_words(clause: Clause) -> str:
    return " ".join(span.text for span in clause.cues.get("now", []))


def _harm_or_menace(clause: Clause) -> List[str]:
    """Returns the harm and menace of a clause that nothing in it puts in the past."""
    if clause.cues.get("not_danger") or clause.has("past") or clause.has("habitual"):
        return []
    return [
        f"{kind} now: {span.text}"
        for kind in ("harm", "menace")
        for span in clause.cues.get(kind, [])
        if not (is_negated(span, clause.start) or clause.supposed(span))
    ]


def _inside_danger(entity: Dict[Text, Any], spans: List[Span]) -> bool:
    """Tells whether a warning-sign entity's words are words of the danger."""
    if entity.get(ENTITY_ATTRIBUTE_TYPE) != WARNING_SIGN_LABEL:
        return False
    start, end = entity.get(ENTITY_ATTRIBUTE_START, 0), entity.get(ENTITY_ATTRIBUTE_END, 0)
    return any(span.start_char < end and start < span.end_char for span in spans)


def classifier_says_danger(message: Message) -> bool:
    """Tells whether the intent classifier's likeliest reading is danger, above the floor."""
    ranking = [
        intent
        for intent in message.get(INTENT_RANKING_KEY) or []
        if intent.get(INTENT_NAME_KEY) != FALLBACK_INTENT
    ]
    return bool(ranking) and (
        ranking[0].get(INTENT_NAME_KEY) == DANGER_INTENT
        and (ranking[0].get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= CLASSIFIER_DANGER_FLOOR
    )


def names_an_everyday_matter(doc: Doc) -> bool:
    """Tells whether the doc names an everyday matter: a party, a film, a scam, a licence."""
    return any(span.label_ == "not_danger" for span in _spans(doc, DANGER_CUES_SPANS_KEY))


def danger_phrases_in(doc: Doc) -> List[Span]:
    """Returns the danger phrases in the doc that are not negated."""
    return [span for span in _spans(doc, DANGER_SPANS_KEY) if not is_negated(span)]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DangerSafetyNet(GraphComponent, IntentClassifier):
    """Sets the intent to ``immediate_danger`` whenever the message means danger now."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Returns the components that must come earlier in the pipeline."""
        return [SpacyNLP, IntentClassifier]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DangerSafetyNet:
        """Returns a new safety net."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Overrides the intent of each message that means danger now, or only seems to."""
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None:
                continue
            if danger_reasons(doc):
                self._mark_as_danger(message, doc)
                continue
            if not classifier_says_danger(message):
                continue
            if names_an_everyday_matter(doc):
                # Only the classifier reads danger, and the message names an
                # everyday police matter: "a massive party next door right
                # now" was danger at 0.81, "a film where a woman gets
                # kidnapped" at 0.58. Asked to rephrase, which still gives 999
                # and 101. Setting aside the classifier's danger also for signs
                # told with no word of now was tried and dropped (issue 10's
                # note): it missed three blind danger messages.
                override_intent(message, FALLBACK_INTENT)
            else:
                self._mark_as_danger(message, doc)
        return messages

    @staticmethod
    def _mark_as_danger(message: Message, doc: Doc) -> None:
        # The signs kept are those said beside the danger ("she's had bruises
        # for months and now ..."), not the danger itself: "shouting" means
        # shouting heard before, and "he's hitting her" is not the sign
        # "injuries" but the attack. The learnt sign classifier is left out
        # here: on danger messages it reads the danger's words as signs.
        danger_spans = [
            span
            for key in (DANGER_SPANS_KEY, DANGER_CUES_SPANS_KEY)
            for span in _spans(doc, key)
            if key == DANGER_SPANS_KEY or span.label_ in ("harm", "menace")
        ]
        kept = [
            entity
            for entity in message.get(ENTITIES) or []
            if entity.get(ENTITY_ATTRIBUTE_VALUE) != PAST_ONLY_SIGN
            and entity.get(EXTRACTOR) != LEARNT_SIGNS
            and not _inside_danger(entity, danger_spans)
        ]
        message.set(ENTITIES, kept, add_to_output=True)
        override_intent(message, DANGER_INTENT)
