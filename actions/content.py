"""The comms team's content files, read when an action first needs them.

The warning-sign labels, the agency list and the words answers are written
with live in ``data/`` so that the words people see are edited in one place.
Each other language has its own copy in its folder (``data/pl/...``); a file a
language does not have yet is read in English. They are read lazily (never at
import) and kept for the life of the action server; `make run` restarts it.

Actions write in the language of the assistant that runs them (its
``language`` slot): a conversation that changes language is answered in the
new one from then on.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from rasa_sdk import Tracker

from bot.languages import ENGLISH, Language, load_languages
from bot.understanding.phrases import load_warning_signs, read_yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@functools.lru_cache(maxsize=1)
def languages() -> Dict[str, Language]:
    """Returns the languages of ``data/languages.yml``, by code."""
    return load_languages(DATA_DIR / "languages.yml")


def language_of(tracker: Tracker) -> str:
    """Returns the code of the language the conversation is answered in."""
    language = tracker.get_slot("language")
    return language if language in languages() else ENGLISH


def content_file(name: str, language: str = ENGLISH) -> Path:
    """Returns a language's copy of a content file, or the English if it has none."""
    own = DATA_DIR / language / name
    return own if language != ENGLISH and own.is_file() else DATA_DIR / name


@functools.lru_cache(maxsize=None)
def warning_sign_labels(language: str = ENGLISH) -> Dict[str, str]:
    """Returns each canonical warning-sign id with the plain words said back.

    A sign the language's file does not label yet is said in English rather
    than not at all.
    """
    english = load_warning_signs(DATA_DIR / "warning_signs.yml")
    own = load_warning_signs(content_file("warning_signs.yml", language))
    return {
        sign: (own.get(sign) or {}).get("label") or entry["label"]
        for sign, entry in english.items()
    }


@functools.lru_cache(maxsize=None)
def agencies(language: str = ENGLISH) -> Dict[str, Any]:
    """Returns the agency list as written in ``data/agencies.yml`` (or the language's)."""
    return read_yaml(content_file("agencies.yml", language))


@functools.lru_cache(maxsize=None)
def report_words(language: str = ENGLISH) -> Dict[str, Any]:
    """Returns the words answers are written with (``data/report_words.yml``)."""
    return read_yaml(content_file("report_words.yml", language))


def plain_list(items: Iterable[str], language: str = ENGLISH) -> str:
    """Joins items the way a person would: "a", "a and b", "a, b and c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {report_words(language)['and']} " + items[-1]


def describe_signs(sign_ids: Iterable[str], language: str = ENGLISH) -> str:
    """Returns the signs in plain words, in the order they were given."""
    labels = warning_sign_labels(language)
    return plain_list((labels[sign] for sign in sign_ids if sign in labels), language)


def kept_for(days: int, language: str = ENGLISH) -> str:
    """Returns how long a report is kept, in words: "90 days"."""
    return report_words(language)["kept_for"].format(days=days)


def said_as(group: str, value: Optional[str], language: str = ENGLISH) -> str:
    """Returns a fixed answer (a relationship, a duration button) as the language says it.

    Anything else, such as a duration the person typed, is shown as it is.
    """
    return str(report_words(language)[group].get(value, value or ""))


def support_services_text(language: str = ENGLISH) -> str:
    """Returns the support organisations written out as one message."""
    content = agencies(language)
    lines: List[str] = [content["intro"]]
    for line in content["national"]:
        about = f" ({line['about']})" if line.get("about") else ""
        lines.append(f"- {line['name']}{about}: {line['phone']}")
    lines += ["", content["local_intro"]]
    lines += [f"- {name}" for name in content["local"]]
    lines += ["", content["outro"]]
    return "\n".join(lines)
