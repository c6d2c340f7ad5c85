"""The comms team's content files, read when an action first needs them.

Both the warning-sign labels and the agency list live in ``data/`` so that the
words people see are edited in one place. They are read lazily (never at
import) and kept for the life of the action server; `make run` restarts it.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict, Iterable, List

from bot.languages import Language, load_languages
from bot.understanding.phrases import load_warning_signs, read_yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@functools.lru_cache(maxsize=1)
def warning_sign_labels() -> Dict[str, str]:
    """Returns each canonical warning-sign id with the plain words said back."""
    signs = load_warning_signs(DATA_DIR / "warning_signs.yml")
    return {sign_id: sign["label"] for sign_id, sign in signs.items()}


@functools.lru_cache(maxsize=1)
def languages() -> Dict[str, Language]:
    """Returns the languages of ``data/languages.yml``, by code."""
    return load_languages(DATA_DIR / "languages.yml")


@functools.lru_cache(maxsize=1)
def agencies() -> Dict[str, Any]:
    """Returns the agency list as written in ``data/agencies.yml``."""
    return read_yaml(DATA_DIR / "agencies.yml")


def plain_list(items: Iterable[str]) -> str:
    """Joins items the way a person would: "a", "a and b", "a, b and c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def describe_signs(sign_ids: Iterable[str]) -> str:
    """Returns the signs in plain words, in the order they were given."""
    labels = warning_sign_labels()
    return plain_list(labels[sign_id] for sign_id in sign_ids if sign_id in labels)


def support_services_text() -> str:
    """Returns the support organisations written out as one message."""
    content = agencies()
    lines: List[str] = [content["intro"]]
    lines += [f"- {line['name']}: {line['phone']}" for line in content["national"]]
    lines += ["", content["local_intro"]]
    lines += [f"- {name}" for name in content["local"]]
    lines += ["", content["outro"]]
    return "\n".join(lines)
