"""The sentence encoder: the same meanings as the reference implementation, in numpy."""

import json
from pathlib import Path

import numpy as np
import pytest

from bot.understanding import sentence_encoder
from bot.understanding.sentence_encoder import (
    MAX_TOKENS,
    SentenceEncoder,
    SentenceEncoderMissing,
    weights_directory,
)

# Made outside the project by sentence-transformers on PyTorch, from the same
# weights: the numpy forward pass must agree with it.
REFERENCE = json.loads((Path(__file__).parent / "sentence_encoder_reference.json").read_text())


@pytest.fixture(scope="module")
def encoder():
    return SentenceEncoder()


def test_meanings_agree_with_the_reference_implementation(encoder):
    found = encoder.encode_many(REFERENCE["sentences"])
    assert np.abs(found - np.array(REFERENCE["vectors"])).max() < 1e-5


def test_a_meaning_is_the_same_alone_or_in_a_batch(encoder):
    sentences = ["help", "he has been shouting at her every night for a month now", "hiya"]
    batched = encoder.encode_many(sentences)
    alone = np.array([encoder.encode(sentence) for sentence in sentences])
    assert np.abs(batched - alone).max() < 1e-5


def test_each_meaning_is_of_unit_length(encoder):
    meanings = encoder.encode_many(["", "   ", "!!!", "she's being dragged into a van"])
    assert np.allclose(np.linalg.norm(meanings, axis=1), 1.0, atol=1e-5)


def test_like_meanings_lie_closer_than_unlike(encoder):
    # Few words in common, the same meaning: what the word features cannot see.
    attack, also_attack, curtains = encoder.encode_many(
        [
            "he's hitting her right now",
            "she is being battered as we speak",
            "her blinds have been shut all week",
        ]
    )
    assert attack @ also_attack > attack @ curtains + 0.1


@pytest.mark.parametrize(
    "text, words",
    [
        ("Me MAM's gone!!", ["me", "mam", "'", "s", "gone", "!", "!"]),
        ("Café… naïve", ["cafe", "…", "naive"]),
        ("a\tb\nc\x00d", ["a", "b", "cd"]),
    ],
)
def test_words_are_lower_cased_split_at_punctuation_and_freed_of_accents(encoder, text, words):
    assert encoder.tokenize.words(text) == words


def test_a_word_longer_than_any_real_one_is_unknown(encoder):
    assert encoder.tokenize.pieces("a" * 101) == [encoder.tokenize.unknown]


def test_a_long_message_is_cut_to_the_models_limit(encoder):
    ids = encoder.tokenize("worried " * 1000)
    assert len(ids) == MAX_TOKENS
    assert (ids[0], ids[-1]) == (encoder.tokenize.first, encoder.tokenize.last)


def test_the_weights_missing_says_how_to_install_them(monkeypatch):
    monkeypatch.setattr(sentence_encoder.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SentenceEncoderMissing, match="make install"):
        weights_directory()


def test_a_damaged_weights_file_is_refused(tmp_path):
    header = json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}}).encode()
    damaged = tmp_path / "model.safetensors"
    damaged.write_bytes(len(header).to_bytes(8, "little") + header + bytes(8))
    with pytest.raises(ValueError, match="damaged"):
        sentence_encoder.read_safetensors(damaged)
