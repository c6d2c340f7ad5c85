"""Which language's assistant answers a message: the person's choice, else what they write in.

Each language offered has its own Rasa servers (``RASA_URL`` for English,
``RASA_URL_<CODE>`` for the others), and they share the conversations (the
tracker store), so a conversation can move from one to another and keep
everything said so far.

The conversation's language is carried by the client, as its id is. Each
answer names its language in ``Content-Language``, and the client sends it
back as ``"language"``. While ``"detect"`` is not false, a message that
clearly reads as another offered language moves the conversation there; a
message too short or unclear to tell ("ok", a name, a button) stays where it
is. The widget stops detection (``"detect": false``) once the person has
chosen a language from its menu, and after the first messages, so that a
Polish name in an English report cannot move the report into Polish.

What a message reads as comes from the words of each language's training
examples (the words only one language uses), backed by py3langid among the
offered languages for words none of them has seen. Both are data: a third
language needs its examples and its servers, not code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

from bot.languages import ENGLISH, PROJECT_DIR, Language
from bot.understanding.identifier import Identifier
from bot.understanding.phrases import read_yaml

WORD = re.compile(r"[^\W\d_]+")
# An example's annotations, "[curtains shut](warning_sign)", read as their words.
ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")
# The English assistant's examples of "someone writing in another language"
# are other languages' words: they must not count as English ones.
OTHER_LANGUAGE_INTENT = "other_language"
# Of a message's words, at least this share must be ones only the winning
# language's examples use ("mój flatmate nie wychodzi": three of four).
OWN_WORDS_SHARE = 1 / 3
# py3langid decides only a message of two words or more, when it is this sure
# among the offered languages; below that the conversation stays as it is.
IDENTIFIER_MIN_WORDS = 2
IDENTIFIER_MIN_PROBABILITY = 0.9


def folded(word: str) -> str:
    """Returns a word in lower case without accents: many people type "zaslony" for "zasłony"."""
    word = word.lower().replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def words_of(text: str) -> List[str]:
    """Returns a text's words, folded."""
    return [folded(word) for word in WORD.findall(text)]


def examples_in(nlu_dir: Path) -> Iterable[str]:
    """Yields the text of every training example in a language's NLU files."""
    for path in sorted(nlu_dir.glob("*.yml")):
        for block in (read_yaml(path) or {}).get("nlu") or []:
            if block.get("intent") in (None, OTHER_LANGUAGE_INTENT):
                continue
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    yield ANNOTATION.sub(lambda match: match.group(1) or match.group(2), line[2:])


def nlu_dir_of(code: str, project_dir: Path = PROJECT_DIR) -> Path:
    """Where a language's training examples are: ``data/nlu`` for English."""
    return project_dir / "data" / ("nlu" if code == ENGLISH else f"{code}/nlu")


@dataclass(frozen=True)
class OfferedLanguage:
    """A language this service offers: its code, its own name, whether it is a draft,
    and the widget's words in it (none for English: they are the widget's own).
    """

    code: str
    name: str
    draft: bool
    words: Mapping[str, str] = field(default_factory=dict)

    def as_json(self) -> Dict[str, Any]:
        return {"code": self.code, "name": self.name, "draft": self.draft, "words": self.words}


def offered_languages(
    codes: Iterable[str], languages: Mapping[str, Language], project_dir: Path = PROJECT_DIR
) -> Dict[str, OfferedLanguage]:
    """Returns English and each language with servers, as data/languages.yml describes them.

    A code the file does not list is left out: production refuses to start
    with one (bot/serve.py), and elsewhere it is simply not offered.
    """
    offered = {}
    for code in [ENGLISH, *sorted(set(codes) - {ENGLISH})]:
        if code in languages:
            language = languages[code]
            words = project_dir / "data" / code / "widget.yml"
            offered[code] = OfferedLanguage(
                code,
                language.name,
                not language.reviewed,
                {str(key): str(text) for key, text in (read_yaml(words) or {}).items()}
                if code != ENGLISH and words.is_file()
                else {},
            )
    return offered


class LanguageReader:
    """Tells which offered language a message is written in, when it can be told."""

    def __init__(self, vocabularies: Mapping[str, Iterable[str]]) -> None:
        self.codes: Tuple[str, ...] = tuple(vocabularies)
        words = {code: frozenset(vocabulary) for code, vocabulary in vocabularies.items()}
        # Each language's own words: those no other offered language's examples use.
        self.own_words: Dict[str, FrozenSet[str]] = {
            code: vocabulary.difference(*(words[other] for other in words if other != code))
            for code, vocabulary in words.items()
        }
        self.identifier = Identifier(self.codes)

    @classmethod
    def from_examples(cls, codes: Sequence[str], project_dir: Path = PROJECT_DIR) -> LanguageReader:
        """Returns a reader that knows the words of each language's training examples."""
        return cls(
            {
                code: {
                    word
                    for text in examples_in(nlu_dir_of(code, project_dir))
                    for word in words_of(text)
                }
                for code in codes
            }
        )

    def language_of(self, text: str) -> Optional[str]:
        """Returns the offered language the text is clearly written in, or None."""
        if len(self.codes) < 2 or text.startswith("/"):
            return None
        words = words_of(text)
        if not words:
            return None
        own = sorted(
            ((sum(word in self.own_words[code] for word in words), code) for code in self.codes),
            reverse=True,
        )
        (most, best), (second, _) = own[0], own[1]
        if most >= OWN_WORDS_SHARE * len(words) and most > 2 * second:
            return best
        if len(words) < IDENTIFIER_MIN_WORDS:
            return None
        language, probability = self.identifier.classify(text)
        return language if probability >= IDENTIFIER_MIN_PROBABILITY else None


def language_for(
    body: Mapping[str, Any],
    message: str,
    offered: Mapping[str, OfferedLanguage],
    reader: LanguageReader,
) -> str:
    """Returns the language whose assistant answers this message.

    ``body`` is the request: its ``language`` (the conversation's so far, or
    the person's choice) and ``detect``. A language not offered (a stale
    widget after a language was withdrawn) counts as none: English answers.
    """
    current = body.get("language")
    current = current if isinstance(current, str) and current in offered else ENGLISH
    if body.get("detect") is False:
        return current
    written = reader.language_of(message)
    return written if written in offered else current
