"""Turn the comms team's plain phrases into spaCy token patterns.

The phrase files (``data/warning_signs.yml``, ``data/danger_phrases.yml``) are
written by people who are not developers, so a phrase is just words: each word
matches any inflection of itself in any case ("curtain close" matches "Curtains
closed"), and the word ``...`` matches a short gap of any words.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Sequence, Set

import yaml

if TYPE_CHECKING:  # the action server reads phrase files without loading spaCy
    from spacy.language import Language

GAP = "..."
# Three words is enough for "curtains are always shut" without letting a
# phrase stretch across unrelated clauses.
MAX_GAP_WORDS = 3
# spaCy splits "hasn't" into "has" + "n't"; phones type the curly apostrophe.
APOSTROPHES = ("'", "\u2019")

# People describe the same sign about anyone: "checks her phone", "checks his
# phone", "checks my phone". A pronoun in a phrase stands for any of its group.
PRONOUN_GROUPS = (
    frozenset({"her", "him", "his", "them", "their", "me", "my", "hers", "theirs"}),
    frozenset({"she", "he", "they", "i"}),
    frozenset({"herself", "himself", "themselves", "myself", "themself"}),
)

TokenPattern = List[Dict[str, Any]]
VOWELS = frozenset("aeiou")


def regular_inflections(word: str) -> Set[str]:
    """Returns the regular -s, -ed and -ing forms of a word, as English spells them.

    spaCy's lookup table lists the forms it has seen, and has gaps: it knows
    "torches" but neither "torched" nor "torching". Spelling rules fill them.
    """
    if word.endswith(("s", "sh", "ch", "x", "z")):
        forms = {word + "es", word + "ed", word + "ing"}
    elif word.endswith("e") and not word.endswith("ee"):
        forms = {word + "s", word + "d", word[:-1] + "ing"}
    elif word.endswith("y") and len(word) > 2 and word[-2] not in VOWELS:
        forms = {word[:-1] + "ies", word[:-1] + "ied", word + "ing"}
    else:
        forms = {word + "s", word + "ed", word + "ing"}
    # "stab", "rob", "mug": a short word ending consonant-vowel-consonant
    # doubles its last letter ("stabbed", "robbing").
    if (
        len(word) <= 4
        and len(word) >= 3
        and word[-1] not in VOWELS | {"w", "x", "y"}
        and word[-2] in VOWELS
        and word[-3] not in VOWELS
    ):
        forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}
    return forms


class PhraseFileError(ValueError):
    """A phrase file is not in the shape the comms guide describes."""


def read_yaml(path: Path) -> Any:
    """Returns the parsed content of a YAML file, with the file named in errors."""
    try:
        with path.open(encoding="utf-8") as stream:
            return yaml.safe_load(stream)
    except (OSError, yaml.YAMLError) as error:
        raise PhraseFileError(f"{path}: cannot be read as YAML ({error})") from error


def _load_entries(path: Path, section: str, *, fields: Sequence[str]) -> Dict[str, Dict]:
    content = read_yaml(path)
    entries = content.get(section) if isinstance(content, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise PhraseFileError(f"{path}: expected a '{section}:' section")
    for entry_id, entry in entries.items():
        if not isinstance(entry, dict) or not all(entry.get(field) for field in fields):
            raise PhraseFileError(f"{path}: '{entry_id}' needs {' and '.join(fields)}")
    return entries


def load_warning_signs(path: Path) -> Dict[str, Dict[str, Any]]:
    """Returns each warning sign id with its label and phrases."""
    return _load_entries(path, "warning_signs", fields=("label", "phrases"))


def load_relationships(path: Path) -> Dict[str, Dict[str, Any]]:
    """Returns each relationship id with its phrases."""
    return _load_entries(path, "relationships", fields=("phrases",))


def load_danger_phrases(path: Path) -> List[str]:
    """Returns the safety net's danger phrases."""
    content = read_yaml(path)
    phrases = content.get("danger_phrases") if isinstance(content, dict) else None
    if not isinstance(phrases, list) or not phrases:
        raise PhraseFileError(f"{path}: expected a 'danger_phrases:' list")
    return [str(phrase) for phrase in phrases]


DANGER_CUE_KINDS = (
    "harm",
    "menace",
    "now",
    "past",
    "habitual",
    "hypothetical",
    "story",
    "not_danger",
    "noisy_setting",
    "all_clear",
    "child",
    "perilous_place",
    "farewell",
    "high_place",
    "down",
    "no_response",
    "weapon",
    "unsafe",
    "person",
)
# The kinds that say when: their words match only as written, since tense is
# their meaning ("is happening" is now, "was happening" is not).
WORDS_OF_TIME = frozenset({"now", "past"})


def load_danger_cues(path: Path) -> Dict[str, List[str]]:
    """Returns the safety net's parts, each kind with its phrases."""
    content = read_yaml(path)
    if not isinstance(content, dict):
        raise PhraseFileError(f"{path}: expected the sections {', '.join(DANGER_CUE_KINDS)}")
    cues = {}
    for kind in DANGER_CUE_KINDS:
        phrases = content.get(kind)
        if not isinstance(phrases, list) or not phrases:
            raise PhraseFileError(f"{path}: expected a '{kind}:' list")
        cues[kind] = [str(phrase) for phrase in phrases]
    unknown = sorted(set(content) - set(DANGER_CUE_KINDS))
    if unknown:
        raise PhraseFileError(f"{path}: unknown section '{unknown[0]}'")
    return cues


# Another language's danger parts (data/<code>/danger_cues.yml), which its
# classifiers learn from (bot/understanding/danger_parts.py): no grammar reads them.
DANGER_PART_KINDS = (
    "harm",
    "weapon",
    "threat",
    "now",
    "plea",
    "unresponsive",
    "self_harm",
    "fire",
    "taken",
    "break_in",
    "past",
    "habitual",
    "calm_now",
    "everyday",
    "child",
    "perilous_place",
)


def load_danger_parts(path: Path) -> Dict[str, List[str]]:
    """Returns another language's danger parts, each kind with its phrases."""
    content = read_yaml(path)
    parts = content.get("danger_cues") if isinstance(content, dict) else None
    if not isinstance(parts, dict) or not parts:
        raise PhraseFileError(f"{path}: expected a 'danger_cues:' section")
    for kind, phrases in parts.items():
        if kind not in DANGER_PART_KINDS:
            raise PhraseFileError(
                f"{path}: '{kind}' is not a kind of danger part ({', '.join(DANGER_PART_KINDS)})"
            )
        if not isinstance(phrases, list) or not phrases:
            raise PhraseFileError(f"{path}: '{kind}' needs a list of phrases")
    return {kind: [str(phrase) for phrase in phrases] for kind, phrases in parts.items()}


class PhraseCompiler:
    """Compiles phrases into token patterns that tolerate inflection and case.

    Args:
        nlp: the pipeline whose tokenizer splits phrases exactly as it will
            split messages.
        lemma_lookup: spaCy's English lookup table (form -> lemma), used to
            find every form of each word.
    """

    def __init__(self, nlp: "Language", lemma_lookup: Mapping[str, str]) -> None:
        self.nlp = nlp
        self.lemma_lookup = lemma_lookup
        forms_by_lemma: Dict[str, Set[str]] = defaultdict(set)
        for form, lemma in lemma_lookup.items():
            forms_by_lemma[lemma.lower()].add(form.lower())
        self.forms_by_lemma = forms_by_lemma
        self.known_words = {form.lower() for form in lemma_lookup} | set(forms_by_lemma)

    def forms(self, word: str, *, any_person: bool = True, any_tense: bool = True) -> List[str]:
        """Returns every lower-case form that the word should match.

        Args:
            word: one token of a phrase.
            any_person: whether a pronoun stands for its whole group.
            any_tense: whether the word matches its other inflections too.
                Words that say when ("going on", "has stopped") must not:
                "it went on for hours" is not "it's going on".
        """
        lower = word.lower()
        for group in PRONOUN_GROUPS if any_person else ():
            if lower in group:
                return sorted(group)
        if not any_tense:
            return self._spellings({lower} | self._dropped_g({lower}, ""))
        lemma = self.lemma_lookup.get(lower, lower).lower()
        # Forms of the word as written count too: the table maps "number" to
        # "numb", but "numbers" to "number".
        forms = {lower, lemma} | self.forms_by_lemma.get(lemma, set())
        forms |= self.forms_by_lemma.get(lower, set())
        if lemma in self.forms_by_lemma and lemma.isalpha():
            # A word the table knows, in the forms it does not: never a form
            # the table gives another lemma ("cared" is "care", not "car").
            forms |= {form for form in regular_inflections(lemma) if form not in self.lemma_lookup}
        forms |= self._dropped_g(forms, lemma)
        return self._spellings(forms)

    @staticmethod
    def _spellings(forms: Set[str]) -> List[str]:
        """Returns the forms with each apostrophe as phones type it."""
        return sorted(
            {form.replace("'", apostrophe) for form in forms for apostrophe in APOSTROPHES}
        )

    def _dropped_g(self, forms: Set[str], lemma: str) -> Set[str]:
        """Returns the "-in" forms people type and say for "-ing": "followin", "wakin'".

        Only for an "-ing" that inflects the word, and never when the shorter
        word is a word of its own: "ruing" gives no "ruin", "thing" no "thin".
        """
        return {
            form[:-1]
            for form in forms
            if form.endswith("ing")
            and form != lemma
            and len(form) >= 5
            and form[:-1] not in self.known_words
        }

    def compile(
        self, phrase: str, *, any_person: bool = True, any_tense: bool = True
    ) -> TokenPattern:
        """Returns the token pattern for one phrase."""
        pattern: TokenPattern = []
        for index, chunk in enumerate(phrase.split(GAP)):
            if index > 0:
                pattern.extend({"OP": "?"} for _ in range(MAX_GAP_WORDS))
            for token in self.nlp.make_doc(chunk.strip()):
                forms = self.forms(token.text, any_person=any_person, any_tense=any_tense)
                pattern.append({"LOWER": {"IN": forms}})
        if not pattern or "OP" in pattern[0] or "OP" in pattern[-1]:
            raise PhraseFileError(f"phrase '{phrase}' must start and end with a word")
        return pattern

    def patterns(
        self,
        phrases: Iterable[str],
        *,
        label: str,
        pattern_id: str,
        any_person: bool = True,
        any_tense: bool = True,
    ) -> List[dict]:
        """Returns ruler patterns for phrases, all with one label and id."""
        return [
            {
                "label": label,
                "pattern": self.compile(phrase, any_person=any_person, any_tense=any_tense),
                "id": pattern_id,
            }
            for phrase in phrases
        ]
