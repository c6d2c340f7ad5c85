"""Phrases for a language whose word forms the English compiler does not know.

English phrases match every inflection through spaCy's lookup table of forms
(``bot.understanding.phrases``). Polish, and most languages a force will add
next, have far more forms per word than any table here lists ("zasłona",
"zasłony", "zasłonięte", "zasłonami", "zasłoniła" ...), so in their phrase
files (``data/<code>/warning_signs.yml``, ``data/<code>/relationships.yml``)
the writer says where the ending starts:

* a word ending in ``*`` matches every word it begins: ``zasłon*``;
* every word matches in any case, and with or without its accents, because
  people type on English phone keyboards: ``zasłony`` matches ``zaslony``;
* ``...`` is a gap of up to three words, as in English.

Words are matched by spaCy's token patterns: a word without ``*`` as a set of
spellings (fast), a stem as a regular expression.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import TYPE_CHECKING, Dict, Iterable, List

from bot.understanding.phrases import GAP, MAX_GAP_WORDS, PhraseFileError, TokenPattern

if TYPE_CHECKING:
    from spacy.language import Language

STEM = "*"
# A shorter stem starts too many unrelated words: "bi*" (to beat) also starts
# "bilet" (a ticket) and "biuro" (an office); "moj*" (my) is fine.
MIN_STEM_LETTERS = 3
# Letters whose accent Unicode does not take off as a separate mark.
UNMARKED = {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i"}
# Past this many accented letters, a word's spellings are a regular
# expression rather than a list: 2 ** 6 spellings is already 64.
MAX_LISTED_ACCENTS = 6


def plain(letter: str) -> str:
    """Returns a lower-case letter as typed without its accent: "ą" -> "a", "ł" -> "l"."""
    if letter in UNMARKED:
        return UNMARKED[letter]
    return unicodedata.normalize("NFD", letter)[0]


# Every accented Latin letter, as typed without its accent: for str.translate,
# which is fast enough for the millions of words of a dictionary.
TYPED_PLAIN = str.maketrans(
    {chr(code): plain(chr(code)) for code in range(0xC0, 0x250) if chr(code).islower()}
)


def typed_plain(text: str) -> str:
    """Returns lower-case text as typed on an English keyboard: "Zasłony" -> "zaslony"."""
    return text.lower().translate(TYPED_PLAIN)


def spellings(word: str) -> List[str]:
    """Returns the word as people may type it, each accent kept or left off."""
    choices = [sorted({letter, plain(letter)}) for letter in word.lower()]
    return sorted({"".join(letters) for letters in itertools.product(*choices)})


def word_pattern(word: str) -> str:
    """Returns a regular expression for a word, or a stem when it ends in ``*``."""
    stem = word.endswith(STEM)
    letters = word.lower().rstrip(STEM)
    body = "".join(
        f"[{re.escape(letter)}{re.escape(plain(letter))}]"
        if plain(letter) != letter
        else re.escape(letter)
        for letter in letters
    )
    return f"^{body}" if stem else f"^{body}$"


class StemPhraseCompiler:
    """Compiles stem phrases into token patterns, with the interface of ``PhraseCompiler``.

    Args:
        nlp: the language's pipeline, whose tokenizer splits each phrase
            exactly as it will split messages.
    """

    def __init__(self, nlp: "Language") -> None:
        self.nlp = nlp

    def token(self, word: str) -> Dict:
        """Returns the pattern for one word of a phrase."""
        letters = word.rstrip(STEM)
        if word.endswith(STEM):
            if sum(character.isalpha() for character in letters) < MIN_STEM_LETTERS:
                raise PhraseFileError(
                    f"'{word}': a stem needs at least {MIN_STEM_LETTERS} letters before the *"
                )
            return {"LOWER": {"REGEX": word_pattern(word)}}
        accented = sum(plain(letter) != letter for letter in letters.lower())
        if accented > MAX_LISTED_ACCENTS:
            return {"LOWER": {"REGEX": word_pattern(word)}}
        return {"LOWER": {"IN": spellings(letters)}}

    def compile(self, phrase: str) -> TokenPattern:
        """Returns the token pattern for one phrase."""
        pattern: TokenPattern = []
        for index, chunk in enumerate(phrase.split(GAP)):
            if index > 0:
                pattern.extend({"OP": "?"} for _ in range(MAX_GAP_WORDS))
            for written in chunk.split():
                # The tokenizer splits a word as it splits a message ("go,"
                # is two tokens); the stem mark belongs to the last piece.
                pieces = [token.text for token in self.nlp.make_doc(written.rstrip(STEM))]
                if written.endswith(STEM) and pieces:
                    pieces[-1] += STEM
                pattern.extend(self.token(piece) for piece in pieces)
        if not pattern or "OP" in pattern[0] or "OP" in pattern[-1]:
            raise PhraseFileError(f"phrase '{phrase}' must start and end with a word")
        return pattern

    def patterns(
        self, phrases: Iterable[str], *, label: str, pattern_id: str, **_: bool
    ) -> List[dict]:
        """Returns ruler patterns for phrases, all with one label and id.

        The English compiler's ``any_person`` and ``any_tense`` do not apply:
        a stem already says which forms a word may take.
        """
        return [
            {"label": label, "pattern": self.compile(str(phrase)), "id": pattern_id}
            for phrase in phrases
        ]
