"""Another language's phrase files: stems, any case, with or without accents."""

import pytest
import spacy

from bot.understanding.entity_extractor import phrase_entities_in
from bot.understanding.language import PROJECT_DIR, build_other_language
from bot.understanding.phrases import PhraseFileError, load_relationships, load_warning_signs
from bot.understanding.stems import StemPhraseCompiler, plain, spellings, word_pattern

POLISH_DIR = PROJECT_DIR / "data" / "pl"
POLISH_SIGN_PHRASES = [
    (sign_id, phrase)
    for sign_id, sign in load_warning_signs(POLISH_DIR / "warning_signs.yml").items()
    for phrase in sign["phrases"]
]
POLISH_RELATIONSHIP_PHRASES = [
    (relationship_id, phrase)
    for relationship_id, entry in load_relationships(POLISH_DIR / "relationships.yml").items()
    for phrase in entry["phrases"]
]


@pytest.fixture(scope="module")
def polish():
    return build_other_language("pl")


def written_out(phrase):
    """Returns a phrase as a message may say it: a stem as itself, a gap as a word."""
    return phrase.replace("...", "chyba").replace("*", "")


def as_typed_on_an_english_keyboard(text):
    return "".join(plain(letter) for letter in text.lower())


def sign_ids(doc):
    return {ent.id_ for ent in doc.ents if ent.label_ == "warning_sign"}


def test_a_letter_is_typed_without_its_accent():
    assert [plain(letter) for letter in "ąćęłńóśźż"] == list("acelnoszz")
    assert plain("k") == "k"


def test_each_accent_may_be_kept_or_left_off():
    assert spellings("Łzy") == ["lzy", "łzy"]
    assert set(spellings("się")) == {"się", "sie"}


def test_a_stem_matches_every_ending_and_a_word_only_itself():
    assert word_pattern("zasłon*") == "^zas[łl]on"
    assert word_pattern("nie") == "^nie$"


def test_a_phrase_matches_inflections_case_and_missing_accents():
    nlp = spacy.blank("pl")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        StemPhraseCompiler(nlp).patterns(
            ["zasłon* zaciągnięt*", "nie odsłania ... rolet*"],
            label="warning_sign",
            pattern_id="curtains_closed",
        )
    )
    for text in (
        "ma zasłony zaciągnięte",
        "ZASLONY ZACIAGNIETE od rana",
        "zasłona zaciągnięta",
        "nie odsłania w ogóle rolet",
    ):
        assert sign_ids(nlp(text)) == {"curtains_closed"}, text
    assert sign_ids(nlp("zasłony są odsłonięte")) == set()


def test_a_stem_too_short_to_mean_one_word_is_refused():
    with pytest.raises(PhraseFileError, match="at least 3 letters"):
        StemPhraseCompiler(spacy.blank("pl")).compile("bi* ją")


def test_a_phrase_cannot_start_or_end_with_a_gap():
    with pytest.raises(PhraseFileError, match="start and end with a word"):
        StemPhraseCompiler(spacy.blank("pl")).compile("... rolety")


def test_a_language_without_data_has_only_its_tokenizer(tmp_path):
    (tmp_path / "xx").mkdir()
    assert build_other_language("pl", tmp_path).pipe_names == []


def test_the_polish_pipeline_has_its_lemmas_and_its_phrase_rulers(polish):
    assert polish.pipe_names == [
        "lemmatizer",
        "entity_ruler",
        "relationship_ruler",
        "danger_parts_ruler",
    ]


@pytest.mark.parametrize(("sign_id", "phrase"), POLISH_SIGN_PHRASES)
def test_each_polish_sign_phrase_is_recognised_with_and_without_accents(polish, sign_id, phrase):
    text = written_out(phrase)
    assert sign_id in sign_ids(polish(text))
    assert sign_id in sign_ids(polish(as_typed_on_an_english_keyboard(text)))


@pytest.mark.parametrize(("relationship_id", "phrase"), POLISH_RELATIONSHIP_PHRASES)
def test_each_polish_relationship_phrase_is_recognised(polish, relationship_id, phrase):
    # Overlapping phrases ("kumpel", "kumpel z pracy"): the longest, as the
    # extractor reads them.
    entities = phrase_entities_in(polish(f"{written_out(phrase)} się martwi"))
    assert {e["value"] for e in entities if e["entity"] == "relationship"} == {relationship_id}
