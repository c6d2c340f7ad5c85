"""Build the assistant's own small English spaCy pipeline.

The official spaCy English models cannot be downloaded here, and re-uploads of
model weights by third parties are not acceptable for a police service, so the
pipeline is made from code and data in this repository:

* ``spacy.blank("en")``: spaCy's rule-based English tokenizer;
* a lookup lemmatizer (tables from spacy-lookups-data, copied into the
  pipeline when it is built, so nothing is read from that package at run time);
* an entity ruler that marks warning signs (``data/warning_signs.yml``),
  each match carrying its canonical sign id;
* a span ruler that marks relationships (``data/relationships.yml``). Spans,
  unlike entities, may overlap, so "sat outside my mum's house" keeps both the
  sign and the relationship;
* a span ruler that marks danger phrases (``data/danger_phrases.yml``) for the
  safety net, and one that marks the parts it builds danger from
  (``data/danger_cues.yml``: kinds of harm, signs that it is happening now,
  signs that it is past).

Run ``python -m bot.understanding.language [output_dir]``; ``make`` does it when a phrase
file changes. Rasa's ``SpacyNLP`` loads the result from ``config.yml``. With
``--language pl`` it builds another language's pipeline
(``build_other_language``), loaded from ``data/pl/config.yml``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, Optional, Sequence

import spacy
import spacy_lookups_data
from spacy.language import Language
from spacy.lookups import Lookups

from bot.understanding.lemmas import lemma_table, words_in
from bot.understanding.phrases import (
    WORDS_OF_TIME,
    PhraseCompiler,
    PhraseFileError,
    load_danger_cues,
    load_danger_parts,
    load_danger_phrases,
    load_relationships,
    load_warning_signs,
)
from bot.understanding.stems import StemPhraseCompiler

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT_DIR = PROJECT_DIR / "build" / "spacy-en-welfare"
WARNING_SIGNS_FILE = PROJECT_DIR / "data" / "warning_signs.yml"
RELATIONSHIPS_FILE = PROJECT_DIR / "data" / "relationships.yml"
DANGER_PHRASES_FILE = PROJECT_DIR / "data" / "danger_phrases.yml"
DANGER_CUES_FILE = PROJECT_DIR / "data" / "danger_cues.yml"

WARNING_SIGN_LABEL = "warning_sign"
RELATIONSHIP_LABEL = "relationship"
RELATIONSHIP_SPANS_KEY = "relationship"
DANGER_LABEL = "danger"
DANGER_SPANS_KEY = "danger"
# Each cue's label is its kind in data/danger_cues.yml ("harm", "now", ...).
DANGER_CUES_SPANS_KEY = "danger_cues"
# Another language's danger parts (data/<code>/danger_cues.yml), under another
# key: the safety net reads the English cues by English grammar.
DANGER_PARTS_SPANS_KEY = "danger_parts"
PIPELINE_NAME = "en_welfare"


def english_lemma_lookup() -> Dict[str, str]:
    """Returns spaCy's English lookup table, form to lemma."""
    return spacy.util.load_language_data(spacy_lookups_data.en["lemma_lookup"])


def add_phrase_rulers(
    nlp: Language,
    compiler: "PhraseCompiler | StemPhraseCompiler",
    warning_signs_file: Path,
    relationships_file: Path,
) -> None:
    """Adds the rulers that mark warning signs and relationships, each with its id.

    Signs are entities; relationships are spans, which unlike entities may
    overlap, so "sat outside my mum's house" keeps both.
    """
    sign_patterns = []
    for sign_id, sign in load_warning_signs(warning_signs_file).items():
        sign_patterns += compiler.patterns(
            sign["phrases"], label=WARNING_SIGN_LABEL, pattern_id=sign_id
        )
    nlp.add_pipe("entity_ruler", config={"overwrite_ents": True}).add_patterns(sign_patterns)

    relationship_patterns = []
    for relationship_id, entry in load_relationships(relationships_file).items():
        # "my sister" must not become "her sister": whose relationship it is matters.
        relationship_patterns += compiler.patterns(
            entry["phrases"],
            label=RELATIONSHIP_LABEL,
            pattern_id=relationship_id,
            any_person=False,
        )
    nlp.add_pipe(
        "span_ruler", name="relationship_ruler", config={"spans_key": RELATIONSHIP_SPANS_KEY}
    ).add_patterns(relationship_patterns)


def build_pipeline(
    *,
    warning_signs_file: Path = WARNING_SIGNS_FILE,
    relationships_file: Path = RELATIONSHIPS_FILE,
    danger_phrases_file: Path = DANGER_PHRASES_FILE,
    danger_cues_file: Path = DANGER_CUES_FILE,
) -> Language:
    """Returns the pipeline, ready to save, with the phrase files compiled in."""
    nlp = spacy.blank("en")
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["description"] = "Built from this repository by bot/understanding/language.py"
    lemma_lookup = english_lemma_lookup()
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # initialize() copies the lookup table into the pipeline, so the saved
    # pipeline does not need spacy-lookups-data to run.
    nlp.initialize()

    compiler = PhraseCompiler(nlp, lemma_lookup)
    add_phrase_rulers(nlp, compiler, warning_signs_file, relationships_file)

    danger_ruler = nlp.add_pipe(
        "span_ruler", name="danger_ruler", config={"spans_key": DANGER_SPANS_KEY}
    )
    danger_ruler.add_patterns(
        compiler.patterns(
            load_danger_phrases(danger_phrases_file),
            label=DANGER_LABEL,
            pattern_id=DANGER_LABEL,
        )
    )

    cue_patterns = []
    for kind, phrases in load_danger_cues(danger_cues_file).items():
        # "killing me" (my back is) must not become "killing her".
        cue_patterns += compiler.patterns(
            phrases,
            label=kind,
            pattern_id=kind,
            any_person=kind != "not_danger",
            any_tense=kind not in WORDS_OF_TIME,
        )
    nlp.add_pipe(
        "span_ruler", name="danger_cue_ruler", config={"spans_key": DANGER_CUES_SPANS_KEY}
    ).add_patterns(cue_patterns)
    return nlp


def build_other_language(code: str, data_dir: Path = PROJECT_DIR / "data") -> Language:
    """Returns another language's pipeline: spaCy's tokenizer, lemmas and phrase rulers.

    Its lemmas come from spacy-lookups-data, for the words of its own data
    (``bot.understanding.lemmas``), where that package has the language.

    Its phrase files (``data/<code>/warning_signs.yml`` and
    ``relationships.yml``) are written with stems (``bot.understanding.stems``),
    since a phrase may use words no example does. A language without them
    understands from its example phrases alone (``data/<code>/nlu/``). Its
    danger parts (``data/<code>/danger_cues.yml``) are marked for its
    classifiers to learn from (``bot.understanding.danger_parts``): the
    safety net's phrases and grammar are English.
    """
    nlp = spacy.blank(code)
    nlp.meta["name"] = f"{code}_welfare"
    nlp.meta["description"] = "Built from this repository by bot/understanding/language.py"
    own_files = sorted((data_dir / code).glob("*.yml")) + sorted(
        (data_dir / code).glob("nlu/*.yml")
    )
    lemma_of = lemma_table(code, words_in(own_files))
    if lemma_of:
        lookups = Lookups()
        lookups.add_table("lemma_lookup", lemma_of)
        # Copied into the pipeline: nothing is read from spacy-lookups-data at run time.
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"}).initialize(lookups=lookups)
    compiler = StemPhraseCompiler(nlp)
    signs_file = data_dir / code / WARNING_SIGNS_FILE.name
    relationships_file = data_dir / code / RELATIONSHIPS_FILE.name
    if signs_file.exists() and relationships_file.exists():
        add_phrase_rulers(nlp, compiler, signs_file, relationships_file)
    parts_file = data_dir / code / DANGER_CUES_FILE.name
    if parts_file.exists():
        patterns = []
        for kind, phrases in load_danger_parts(parts_file).items():
            patterns += compiler.patterns(phrases, label=kind, pattern_id=kind)
        nlp.add_pipe(
            "span_ruler", name="danger_parts_ruler", config={"spans_key": DANGER_PARTS_SPANS_KEY}
        ).add_patterns(patterns)
    return nlp


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Builds the pipeline and saves it; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output_dir", nargs="?", type=Path, default=DEFAULT_OUTPUT_DIR)
    parser.add_argument("--language", default="en", help="a code of data/languages.yml")
    args = parser.parse_args(argv)
    try:
        nlp = build_pipeline() if args.language == "en" else build_other_language(args.language)
    except PhraseFileError as error:
        print(f"Cannot build the language pipeline: {error}", file=sys.stderr)
        return 1
    args.output_dir.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.output_dir)
    print(f"Built the spaCy pipeline in {args.output_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
