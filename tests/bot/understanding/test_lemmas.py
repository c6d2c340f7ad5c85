"""Another language's lemmas: every form of the words its data uses, typed any way."""

import pytest

from bot.understanding.lemmas import lemma_table, words_in
from bot.understanding.stems import typed_plain


@pytest.fixture(scope="module")
def polish_table():
    # Two words of the data: a verb and a noun, one typed without accents.
    return lemma_table("pl", {"bije", "siniaki", "zaslony"})


def test_text_is_typed_plain():
    assert typed_plain("Zasłony ZACIĄGNIĘTE") == "zaslony zaciagniete"


def test_the_words_of_a_file_leave_out_the_annotation_markup(tmp_path):
    examples = tmp_path / "signs.yml"
    examples.write_text(
        '- ma [siniaki]{"entity": "warning_sign", "value": "injuries"} na rękach\n',
        encoding="utf-8",
    )
    assert words_in([examples]) == {"ma", "siniaki", "na", "rękach"}


def test_every_form_of_a_word_of_the_data_has_its_lemma(polish_table):
    # "bił" (he beat, past) was never in the data; it is the same word as "bije".
    for form in ("bije", "bił", "biła", "bijesz"):
        assert polish_table[form] == "bic", form
    assert polish_table["siniakami"] == "siniak"


def test_forms_are_found_without_accents_and_capitalised(polish_table):
    assert polish_table["bil"] == "bic"
    assert polish_table["Bije"] == "bic"
    # Typed without accents in the data, "zaslony" still finds "zasłona".
    assert polish_table["zasłonami"] == "zaslona"


def test_words_the_data_never_uses_are_left_out(polish_table):
    assert "telefon" not in polish_table
    assert "nie" not in polish_table  # a negation is never made a pronoun


def test_a_language_the_tables_do_not_cover_has_no_lemmas():
    assert lemma_table("xx", {"zorp"}) == {}
