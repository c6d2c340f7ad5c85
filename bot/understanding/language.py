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
``--language pl`` it builds another language's pipeline: for now its tokenizer
alone (``build_tokenizer_only``), loaded from ``data/pl/config.yml``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, Optional, Sequence

import spacy
import spacy_lookups_data
from spacy.language import Language

from bot.understanding.phrases import (
    WORDS_OF_TIME,
    PhraseCompiler,
    PhraseFileError,
    load_danger_cues,
    load_danger_phrases,
    load_relationships,
    load_warning_signs,
)

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
PIPELINE_NAME = "en_welfare"


def english_lemma_lookup() -> Dict[str, str]:
    """Returns spaCy's English lookup table, form to lemma."""
    return spacy.util.load_language_data(spacy_lookups_data.en["lemma_lookup"])


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


def build_tokenizer_only(code: str) -> Language:
    """Returns spaCy's blank pipeline for another language: its tokenizer, no phrases yet.

    The phrase files above are English, and their compiler knows English
    forms; until a language has its own, its assistant understands from its
    example phrases alone (data/<code>/nlu/).
    """
    nlp = spacy.blank(code)
    nlp.meta["name"] = f"{code}_welfare"
    nlp.meta["description"] = "Built from this repository by bot/understanding/language.py"
    return nlp


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Builds the pipeline and saves it; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output_dir", nargs="?", type=Path, default=DEFAULT_OUTPUT_DIR)
    parser.add_argument("--language", default="en", help="a code of data/languages.yml")
    args = parser.parse_args(argv)
    try:
        nlp = build_pipeline() if args.language == "en" else build_tokenizer_only(args.language)
    except PhraseFileError as error:
        print(f"Cannot build the language pipeline: {error}", file=sys.stderr)
        return 1
    args.output_dir.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.output_dir)
    print(f"Built the spaCy pipeline in {args.output_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
