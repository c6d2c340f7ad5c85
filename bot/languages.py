"""The languages the assistant speaks, as ``data/languages.yml`` lists them.

English is the assistant's own: its replies are the responses of
``domain.yml``. Every other language keeps its replies in
``data/<code>/responses.yml``, so adding one is adding data, never code. Each
language carries a review state, because a translation nobody qualified has
checked must not reach a frightened person as if it had been.

``python -m bot.languages domain pl build/pl/domain.yml`` writes a language's
Rasa domain (``make train`` does): the English structure with its replies.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
LANGUAGES_FILE = PROJECT_DIR / "data" / "languages.yml"
ENGLISH = "en"
REVIEW_STATES = ("draft", "reviewed")


class LanguageFileError(ValueError):
    """``data/languages.yml`` is not in the shape its header describes."""


@dataclass(frozen=True)
class Language:
    """One language: its code (ISO 639-1), its own name and its review state."""

    code: str
    name: str
    english_name: str
    review: str
    reviewed_by: Optional[str]
    reviewed_on: Optional[str]

    @property
    def reviewed(self) -> bool:
        """Whether a qualified translator has checked every reply (always, for English)."""
        return self.review == "reviewed"

    def responses_file(self, project_dir: Path = PROJECT_DIR) -> Path:
        """Where this language's replies are: domain.yml for English."""
        if self.code == ENGLISH:
            return project_dir / "domain.yml"
        return project_dir / "data" / self.code / "responses.yml"


def load_languages(path: Path = LANGUAGES_FILE) -> Dict[str, Language]:
    """Returns each language by code, English first.

    Raises:
        LanguageFileError: the file is missing, has no English, or an entry
            lacks its name or has an unknown review state.
    """
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise LanguageFileError(f"{path}: cannot be read ({error})") from error
    entries = content.get("languages") if isinstance(content, dict) else None
    if not isinstance(entries, dict) or ENGLISH not in entries:
        raise LanguageFileError(f"{path}: expected a 'languages:' section with '{ENGLISH}'")
    languages: Dict[str, Language] = {}
    for code in [ENGLISH, *(code for code in entries if code != ENGLISH)]:
        entry = entries[code] or {}
        if not isinstance(code, str) or len(code) != 2 or not code.isalpha():
            raise LanguageFileError(f"{path}: {code!r} is not a two-letter language code")
        if not entry.get("name") or entry.get("review") not in REVIEW_STATES:
            raise LanguageFileError(
                f"{path}: '{code}' needs a name and a review state ({', '.join(REVIEW_STATES)})"
            )
        if entry["review"] == "reviewed" and code != ENGLISH and not entry.get("reviewed_by"):
            raise LanguageFileError(f"{path}: '{code}' is marked reviewed but names no reviewer")
        languages[code] = Language(
            code=code,
            name=str(entry["name"]),
            english_name=str(entry.get("english_name") or entry["name"]),
            review=entry["review"],
            reviewed_by=entry.get("reviewed_by"),
            reviewed_on=str(entry["reviewed_on"]) if entry.get("reviewed_on") else None,
        )
    return languages


def language_domain(language: Language, project_dir: Path = PROJECT_DIR) -> Dict[str, Any]:
    """Returns the domain of ``language``'s assistant: the English one, its replies and code.

    Intents, slots, forms and actions are the English assistant's, so every
    rule, form and safety path is the same in every language; only the
    replies and the ``language`` slot (which tags reports) differ.
    """
    domain = yaml.safe_load((project_dir / "domain.yml").read_text(encoding="utf-8"))
    if language.code != ENGLISH:
        replies = yaml.safe_load(language.responses_file(project_dir).read_text(encoding="utf-8"))
        domain["responses"] = replies["responses"]
    domain["slots"]["language"]["initial_value"] = language.code
    return domain


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Writes a language's domain: ``python -m bot.languages domain pl build/pl/domain.yml``."""
    parser = argparse.ArgumentParser(description="Writes a language's Rasa domain.")
    parser.add_argument("what", choices=["domain"])
    parser.add_argument("code")
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    try:
        languages = load_languages()
    except LanguageFileError as problem:
        print(problem, file=sys.stderr)
        return 2
    if args.code not in languages:
        print(f"data/languages.yml has no language {args.code!r}.", file=sys.stderr)
        return 2
    language = languages[args.code]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    written = yaml.safe_dump(language_domain(language), allow_unicode=True, sort_keys=False)
    args.out.write_text(
        "# Written by `python -m bot.languages domain`: edit domain.yml and "
        f"{language.responses_file().relative_to(PROJECT_DIR)} instead.\n" + written,
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
