"""The learnt classifiers, saved in the model as plain numbers.

Rasa 3.6 saves a logistic regression with skops, which is safe (no pickle)
but slow to start: importing ``skops.io`` imports every module of
scikit-learn to list the estimators it trusts, about 8 of the Rasa server's
24 seconds of cold start on the bench machine (issue 11's note). A logistic
regression is only its weights, its intercepts, its classes and its settings,
so that is all this file holds: arrays in a NumPy ``.npz`` read with
``allow_pickle=False`` (nothing in it can run code), and the settings as JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Mapping, Tuple

import numpy as np
from sklearn.linear_model import LogisticRegression

FORMAT = "welfare-logistic-regressions/1"
# What a fitted LogisticRegression needs to predict, beyond its settings.
LEARNT = ("coef_", "intercept_", "classes_")


def save_classifiers(
    path: Path, classifiers: Mapping[str, LogisticRegression], extra: Mapping[str, Any]
) -> None:
    """Writes fitted classifiers, by name, and ``extra`` (JSON-able) to ``path``."""
    arrays = {
        f"{index}{attribute}": getattr(classifier, attribute)
        for index, classifier in enumerate(classifiers.values())
        for attribute in LEARNT
    }
    described = {
        "format": FORMAT,
        "classifiers": [
            {"name": name, "settings": classifier.get_params()}
            for name, classifier in classifiers.items()
        ],
        "extra": dict(extra),
    }
    with path.open("wb") as file:
        np.savez(file, description=np.array(json.dumps(described)), **arrays)


def load_classifiers(path: Path) -> Tuple[Dict[str, LogisticRegression], Dict[str, Any]]:
    """Reads what ``save_classifiers`` wrote; raises ValueError if it is not that."""
    with np.load(path, allow_pickle=False) as saved:
        described = json.loads(str(saved["description"]))
        if described.get("format") != FORMAT:
            raise ValueError(f"{path.name} is not a saved classifier file")
        classifiers = {}
        for index, entry in enumerate(described["classifiers"]):
            classifier = LogisticRegression(**entry["settings"])
            for attribute in LEARNT:
                setattr(classifier, attribute, saved[f"{index}{attribute}"])
            classifier.n_features_in_ = classifier.coef_.shape[1]
            classifiers[entry["name"]] = classifier
    return classifiers, described["extra"]
