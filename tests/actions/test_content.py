"""The content files as the actions read them, in each language.

Expected words are read from the same files the comms team edits, never
copied here: the tests check which entry is used, not its wording.
"""

from pathlib import Path

import pytest

from actions import content
from actions.content import (
    agencies,
    content_file,
    describe_signs,
    kept_for,
    plain_list,
    report_words,
    said_as,
    support_services_text,
    warning_sign_labels,
)
from bot.understanding.phrases import read_yaml


def test_plain_list_reads_like_a_person():
    assert plain_list([]) == ""
    assert plain_list(["a"]) == "a"
    assert plain_list(["a", "b"]) == "a and b"
    assert plain_list(["a", "b", "c"]) == "a, b and c"


def test_a_list_is_joined_with_the_languages_own_and():
    joined = report_words("pl")["and"]
    assert joined != "and"
    assert plain_list(["a", "b", "c"], "pl") == f"a, b {joined} c"


def test_unknown_sign_ids_are_left_out():
    assert describe_signs(["injuries", "made_up"]) == "injuries"


def test_a_language_without_its_own_file_is_read_in_english():
    assert content_file("report_words.yml", "pl") == content.DATA_DIR / "pl" / "report_words.yml"
    assert content_file("report_words.yml", "xx") == content.DATA_DIR / "report_words.yml"
    assert content_file("agencies.yml", "en") == content.DATA_DIR / "agencies.yml"


def test_a_sign_the_language_has_not_labelled_yet_is_said_in_english(tmp_path, monkeypatch):
    (tmp_path / "xx").mkdir()
    english = read_yaml(content.DATA_DIR / "warning_signs.yml")
    (tmp_path / "warning_signs.yml").write_text(
        (content.DATA_DIR / "warning_signs.yml").read_text()
    )
    (tmp_path / "xx" / "warning_signs.yml").write_text(
        "warning_signs:\n  injuries:\n    label: zorp blat\n    phrases: [zorp]\n"
    )
    monkeypatch.setattr(content, "DATA_DIR", tmp_path)
    warning_sign_labels.cache_clear()
    try:
        labels = warning_sign_labels("xx")
        assert labels["injuries"] == "zorp blat"
        assert labels["curtains_closed"] == english["warning_signs"]["curtains_closed"]["label"]
    finally:
        warning_sign_labels.cache_clear()


def test_how_long_a_report_is_kept_in_each_language():
    for language in ("en", "pl"):
        assert kept_for(90, language) == report_words(language)["kept_for"].format(days=90)
    assert kept_for(90, "pl") != kept_for(90, "en")


@pytest.mark.parametrize("language", ["en", "pl"])
def test_fixed_answers_are_said_in_the_language_and_typed_ones_as_typed(language):
    words = report_words(language)
    assert said_as("relationships", "neighbour", language) == words["relationships"]["neighbour"]
    assert said_as("durations", "a few weeks", language) == words["durations"]["a few weeks"]
    assert said_as("durations", "since Easter (invented)", language) == "since Easter (invented)"
    assert said_as("whereabouts", None, language) == ""


def test_the_polish_support_list_gives_the_same_organisations_and_numbers():
    english, polish = support_services_text("en"), support_services_text("pl")
    assert polish != english
    for line in agencies("en")["national"]:
        assert f"{line['name']} (" in polish and line["phone"] in polish
    for name in agencies("en")["local"]:
        assert f"- {name}" in polish
    assert "999" in polish and "101" in polish
    assert Path(content_file("agencies.yml", "pl")).parent.name == "pl"
