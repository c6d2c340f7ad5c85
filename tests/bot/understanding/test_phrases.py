from pathlib import Path

import pytest
import spacy

from bot.understanding.phrases import (
    MAX_GAP_WORDS,
    PhraseCompiler,
    PhraseFileError,
    load_danger_phrases,
    load_warning_signs,
    regular_inflections,
)

LOOKUP = {"curtains": "curtain", "closed": "close", "closes": "close", "closing": "close"}


@pytest.fixture
def compiler() -> PhraseCompiler:
    return PhraseCompiler(spacy.blank("en"), LOOKUP)


def test_a_word_matches_every_form_of_its_lemma(compiler):
    assert compiler.forms("Closed") == ["close", "closed", "closes", "closin", "closing"]


def test_a_word_of_time_matches_only_as_written(compiler):
    # "Went on" is not "going on", nor "is stopping" "has stopped".
    assert compiler.forms("closing", any_tense=False) == ["closin", "closing"]
    assert compiler.forms("Closed", any_tense=False) == ["closed"]


def test_a_word_outside_the_table_matches_only_itself(compiler):
    assert compiler.forms("curtians") == ["curtians"]


@pytest.mark.parametrize(
    "word, forms",
    [
        ("torch", {"torches", "torched", "torching"}),
        ("smoke", {"smokes", "smoked", "smoking"}),
        ("stab", {"stabbed", "stabbing", "stabs"}),
        ("bully", {"bullies", "bullied", "bullying"}),
        ("follow", {"follows", "followed", "following"}),
    ],
)
def test_regular_inflections_follow_english_spelling(word, forms):
    assert forms <= regular_inflections(word)


def test_a_known_word_gains_the_forms_its_table_lacks():
    compiler = PhraseCompiler(spacy.blank("en"), {"torches": "torch", "cared": "care"})
    assert {"torch", "torches", "torched", "torching"} <= set(compiler.forms("torch"))


def test_a_form_the_table_gives_another_word_is_not_added():
    compiler = PhraseCompiler(spacy.blank("en"), {"cars": "car", "cared": "care"})
    assert "cared" not in compiler.forms("car")


def test_an_ing_form_is_also_matched_with_its_g_dropped():
    # "sum1 followin me", "she's not wakin' up": spaCy splits off the apostrophe.
    table = {"following": "follow", "waking": "wake", "woke": "wake"}
    compiler = PhraseCompiler(spacy.blank("en"), table)
    assert "followin" in compiler.forms("follow")
    assert "wakin" in compiler.forms("woke")


def test_a_dropped_g_never_makes_another_word():
    table = {"ruing": "rue", "ruin": "ruin", "thing": "thing", "rings": "ring"}
    compiler = PhraseCompiler(spacy.blank("en"), table)
    assert "ruin" not in compiler.forms("rue")
    # "thing" is no inflection: nothing is dropped from it.
    assert "thin" not in compiler.forms("thing")


def test_contractions_match_both_apostrophes(compiler):
    assert {"n't", "n\u2019t"} <= set(compiler.forms("n't"))


def test_the_gap_becomes_optional_wildcards(compiler):
    pattern = compiler.compile("curtains ... closed")
    assert pattern[1 : 1 + MAX_GAP_WORDS] == [{"OP": "?"}] * MAX_GAP_WORDS
    assert len(pattern) == 2 + MAX_GAP_WORDS


@pytest.mark.parametrize("phrase", ["... closed", "curtains ...", "", "   "])
def test_a_phrase_must_start_and_end_with_a_word(compiler, phrase):
    with pytest.raises(PhraseFileError):
        compiler.compile(phrase)


def test_patterns_carry_the_label_and_id(compiler):
    [pattern] = compiler.patterns(["curtains closed"], label="warning_sign", pattern_id="x")
    assert (pattern["label"], pattern["id"]) == ("warning_sign", "x")


def test_a_sign_without_phrases_is_refused(tmp_path: Path):
    path = tmp_path / "signs.yml"
    path.write_text("warning_signs:\n  withdrawn:\n    label: withdrawing\n")
    with pytest.raises(PhraseFileError, match="withdrawn"):
        load_warning_signs(path)


def test_broken_yaml_names_the_file(tmp_path: Path):
    path = tmp_path / "danger.yml"
    path.write_text("danger_phrases: [unclosed\n")
    with pytest.raises(PhraseFileError, match="danger.yml"):
        load_danger_phrases(path)


def test_a_pronoun_stands_for_any_person(compiler):
    assert {"her", "his", "my", "their"} <= set(compiler.forms("her"))
    assert {"she", "he", "i", "they"} <= set(compiler.forms("She"))


def test_forms_whose_lemma_is_the_word_as_written_count():
    table = {"number": "numb", "numbers": "number"}
    compiler = PhraseCompiler(spacy.blank("en"), table)
    assert "numbers" in compiler.forms("number")
