"""Lemmas for another language: one word feature for all of a word's forms.

A Polish verb has dozens of forms ("bije", "bił", "biła", "bijąc", "bijesz"),
and a message may use one that no example phrase used. The classifiers see
the forms as written (their tense is often the difference between danger now
and harm in the past) and, beside them, each word's lemma, so a form never
seen still counts as its word. spacy-lookups-data carries form-to-lemma tables
for some languages (for Polish, from the PoliMorf dictionary); they are read
when the pipeline is built and copied into it.

The full tables hold millions of forms. Only the words of the language's own
data can carry weight in a classifier trained on that data, so only their
lemmas are kept, with every form of each: a few tens of thousands of entries.
Lemmas and forms are kept as typed without accents too
(``bot.understanding.stems``): "bic" and "bić" are one word to someone typing
on an English keyboard.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterable, Set

import spacy
import spacy_lookups_data

from bot.understanding.stems import typed_plain

# The tables used, most trusted first: a form listed in two takes the first's
# lemma ("mam" is "mieć", I have, before "mama", mums). Pronouns, particles
# and prepositions are left as written: the table gives "nie" (not) the lemma
# "on" (him), which would make a negation a pronoun.
PARTS_OF_SPEECH = ("verb", "noun", "adj", "adv", "num")
WORD = re.compile(r"\w+")
# Rasa's markup around an annotated example: "[siniaki]{...}".
MARKUP = re.compile(r"\{[^}]*\}|[\[\]]")


def words_in(paths: Iterable[Path]) -> Set[str]:
    """Returns every lower-case word of the given text files (examples, phrases)."""
    words: Set[str] = set()
    for path in paths:
        text = MARKUP.sub(" ", path.read_text(encoding="utf-8"))
        words.update(word.lower() for word in WORD.findall(text))
    return words


def lemma_table(code: str, words: Set[str]) -> Dict[str, str]:
    """Returns form -> lemma (typed without accents) for the lemmas of the given words.

    Empty when spacy-lookups-data has no tables for the language.
    """
    sources = getattr(spacy_lookups_data, code, None) or {}
    tables = [
        spacy.util.load_language_data(sources[name])
        for name in (f"lemma_lookup_{part}" for part in PARTS_OF_SPEECH)
        if name in sources
    ]
    typed = {typed_plain(word) for word in words}
    wanted: Set[str] = set()
    for table in tables:
        for form, lemma in table.items():
            if form.lower() in words or typed_plain(form) in typed:
                wanted.add(lemma.lower())
    lemma_of: Dict[str, str] = {}
    for table in tables:
        for form, lemma in table.items():
            if lemma.lower() in wanted:
                lemma_of.setdefault(form.lower(), typed_plain(lemma))
    # A form typed without its accents takes the lemma of the accented form,
    # unless it is itself a word with its own lemma ("ja", I, is not "ją", her).
    for form, lemma in list(lemma_of.items()):
        lemma_of.setdefault(typed_plain(form), lemma)
    # spaCy looks a word up as written: "Bije" at the start of a message too.
    for form, lemma in list(lemma_of.items()):
        lemma_of.setdefault(form.capitalize(), lemma)
    return lemma_of
