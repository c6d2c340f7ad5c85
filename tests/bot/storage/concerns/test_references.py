"""One reading of a reference: found as people type it, refused when it could never be drawn."""

import re

import pytest

from bot.storage.concerns.references import (
    FOLLOW_UP_WORDS,
    REFERENCE_ALPHABET,
    find_reference,
    new_follow_up_phrase,
    new_reference,
    normalise_reference,
)


@pytest.mark.parametrize(
    "typed",
    ["CON-7KQM-PX3D", "con 7kqm px3d", "it's CON7KQMPX3D thanks", "my ref: Con-7kqm px3d"],
)
def test_a_reference_is_found_however_it_is_typed(typed):
    assert find_reference(typed) == "CON-7KQM-PX3D"


@pytest.mark.parametrize(
    "look_alike", ["CON-7KQM-PX30", "CON-7KOM-PX3D", "CON-1KQM-PX3D", "CON-7KQM-IX3D"]
)
def test_a_reference_with_a_character_never_drawn_is_not_one(look_alike):
    assert find_reference(look_alike) is None


def test_every_reference_drawn_is_found_again_as_itself():
    for _ in range(200):
        reference = new_reference()
        assert find_reference(reference.lower().replace("-", " ")) == reference


def test_what_is_not_a_reference_is_kept_as_typed_for_the_record_of_wrong_tries():
    assert normalise_reference("  not a reference at all  ") == "not a reference at all"
    assert len(normalise_reference("x" * 500)) == 40


def test_the_alphabet_leaves_out_what_is_misread_over_the_phone():
    assert set("01OI") & set(REFERENCE_ALPHABET) == set()


def test_a_follow_up_phrase_is_three_listed_words_and_a_two_digit_number():
    *words, number = new_follow_up_phrase().split("-")
    assert all(word in FOLLOW_UP_WORDS for word in words) and len(words) == 3
    assert re.fullmatch(r"[1-9]\d", number)
    # The guess space the throttling comment in submissions.py counts on.
    assert len(set(FOLLOW_UP_WORDS)) == len(FOLLOW_UP_WORDS) == 119
