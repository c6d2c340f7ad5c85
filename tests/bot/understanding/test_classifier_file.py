"""The learnt classifiers, saved as plain numbers and read back the same."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from bot.understanding.classifier_file import load_classifiers, save_classifiers
from tests.assistant import MODEL, PROJECT_DIR

RANDOM = np.random.default_rng(2026)
FEATURES = RANDOM.random((60, 12))


def fitted(labels) -> LogisticRegression:
    return LogisticRegression(C=30.0, class_weight="balanced", max_iter=500).fit(FEATURES, labels)


def test_classifiers_read_back_give_the_same_answers(tmp_path):
    intents = fitted(np.array(["greet", "report", "immediate_danger"] * 20))
    sign = fitted(np.arange(60) % 2 == 0)
    path = tmp_path / "saved.npz"
    thresholds = {"thresholds": {"followed": 0.6}}
    save_classifiers(path, {"intents": intents, "followed": sign}, thresholds)

    classifiers, extra = load_classifiers(path)
    assert list(classifiers) == ["intents", "followed"]
    assert extra == thresholds
    assert list(classifiers["intents"].classes_) == list(intents.classes_)
    for name, original in (("intents", intents), ("followed", sign)):
        assert np.array_equal(
            classifiers[name].predict_proba(FEATURES), original.predict_proba(FEATURES)
        )
        assert classifiers[name].get_params() == original.get_params()


def test_a_file_of_another_kind_is_refused(tmp_path):
    path = tmp_path / "saved.npz"
    np.savez(path, description=np.array('{"format": "something else"}'))
    with pytest.raises(ValueError):
        load_classifiers(path)


def test_a_file_that_would_run_code_is_refused(tmp_path):
    # An object array can only be read by unpickling it, which could run code.
    path = tmp_path / "saved.npz"
    np.savez(path, description=np.array([{"format": "x"}], dtype=object))
    with pytest.raises(ValueError):
        load_classifiers(path)


LOAD_AND_PARSE = """
import asyncio, sys
from rasa.core.agent import load_agent

agent = asyncio.run(load_agent(model_path=sys.argv[1]))
parsed = asyncio.run(agent.parse_message("hello there"))
print(parsed["intent"]["name"])
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_the_trained_model_loads_its_classifiers_without_skops():
    """skops imports all of scikit-learn: 8 s of the server's cold start (issue 11)."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: `make test` trains it first")
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD_AND_PARSE, str(MODEL)],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    intent, modules = loaded.stdout.strip().splitlines()[-2:]
    # The intent classifier was read from the model: an untrained one fails.
    assert intent == "greet"
    assert "bot" in modules.split()
    assert "skops" not in modules.split()
