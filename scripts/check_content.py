"""The content check: what the comms team writes, checked for safety and plain English.

Run by `make check` (after Rasa's own validation) in a few seconds, with no
training. Each problem is reported as ``file:line: what is wrong`` in plain
words. The replies of every language in ``data/languages.yml`` (English in
domain.yml, the others in data/<code>/responses.yml) are held to the same
rules, except reading ease, which is scored for English only. The rules, and why:

- every language: it has every reply the English has and no other, with the
  same button payloads, so no language loses a safety message or a step;

- phone numbers: only the verified numbers (VERIFIED_NUMBERS) may appear in a
  response, the agency list or the website; no web addresses in responses;
- 999 and 101: every response in the danger path must give 999, every one in
  the advice path 101 (DANGER_PATH, ADVICE_PATH);
- placeholders: a ``{name}`` must name a slot, or a value the action that
  sends the response passes to it;
- length: a response longer than MAX_CHARACTERS no longer fits the widget
  without scrolling on a phone;
- plain English: a response of at least MIN_WORDS_TO_SCORE words must score at
  least MIN_READING_EASE on the Flesch reading-ease scale (textstat);
- examples: every intent needs MIN_EXAMPLES example phrases, and no phrase may
  be an example of two intents;
- responses in use: every response must be said by a rule, a test story, a
  form (its questions) or an action;
- button payloads: braces are written twice ('/inform{{"choice": "email"}}'),
  or Rasa reads them as a placeholder and logs an error on every question.

Usage: python scripts/check_content.py [--root DIR]   (exit 1 if anything is wrong)
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Set, Tuple

import textstat
from ruamel.yaml import YAML

from bot.content_rules import ADVICE_PATH, DANGER_PATH, NUMBER, VERIFIED_NUMBERS, WIDGET_WORDS
from bot.languages import ENGLISH, Language, LanguageFileError, load_languages

PROJECT = Path(__file__).resolve().parent.parent
WEB_ADDRESS = re.compile(r"https?://|www\.|\.(?:co\.uk|com|org|gov\.uk)\b", re.IGNORECASE)
PLACEHOLDER = re.compile(r"\{(\w*)\}")
# What the actions fill in data/report_words.yml (actions/report_answers.py).
ANSWER_PLACEHOLDERS = {"days", "signs", "noticed", "how_long", "relationship", "where"}
ANSWER_PLACEHOLDERS |= {"contact", "detail"}
# About 18 lines of the widget at its narrowest: one screenful on a phone.
MAX_CHARACTERS = 700
# Flesch reading ease 60 and above is plain English; ours scores 72 or more.
MIN_READING_EASE = 60
# Shorter texts give unreliable scores.
MIN_WORDS_TO_SCORE = 15
MIN_EXAMPLES = 10
# Placeholders filled from outside the slots: by the form's check (summary).
FILLED_BY_ACTIONS_ALWAYS = {"report_summary", "retention_period"}
# Only the English assistant tells a message in another language that it
# understands only English; every other language's assistant is chosen for
# the language the person writes in.
ENGLISH_ONLY_INTENTS = {"other_language"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where it is."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Replies:
    """One language's replies: the responses section of its file."""

    language: Language
    path: Path
    responses: dict


class Content:
    """The content files, read with line numbers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.yaml = YAML(typ="rt")
        self.domain_path = root / "domain.yml"
        self.domain = self.load(self.domain_path)
        self.languages = load_languages(root / "data" / "languages.yml")
        self.replies: List[Replies] = []
        self.missing: List[Language] = []
        for language in self.languages.values():
            path = language.responses_file(root)
            if not path.exists():
                self.missing.append(language)
                continue
            source = self.domain if language.code == ENGLISH else self.load(path) or {}
            self.replies.append(Replies(language, path, source.get("responses") or {}))
        self.english = self.replies[0]

    def load(self, path: Path):
        with path.open(encoding="utf-8") as stream:
            return self.yaml.load(stream)

    def rel(self, path: Path) -> Path:
        return path.relative_to(self.root)

    def responses(self, replies: Replies | None = None) -> Iterator[Tuple[str, int, int, str]]:
        """Yields (name, variation number, line, text) for every variation (English by default)."""
        for name, variations in (replies or self.english).responses.items():
            for number, variation in enumerate(variations or [], start=1):
                line = variations.lc.item(number - 1)[0] + 1
                yield name, number, line, str(variation.get("text") or "")

    def slots(self) -> Set[str]:
        return set((self.domain.get("slots") or {}).keys())

    def files(self, folder: str) -> List[Path]:
        return sorted((self.root / folder).glob("*.yml"))


def where(name: str, number: int) -> str:
    return f"{name} (text {number})"


def check_numbers(content: Content) -> Iterator[Problem]:
    """Only verified numbers in responses, agencies and the demo page; no web addresses."""
    for replies in content.replies:
        path = content.rel(replies.path)
        for name, number, line, text in content.responses(replies):
            for found in set(NUMBER.findall(text)) - VERIFIED_NUMBERS:
                yield Problem(
                    path,
                    line,
                    f"{where(name, number)} gives the number {found!r}, which is not on the "
                    "verified list. Only these may be given: "
                    + ", ".join(sorted(VERIFIED_NUMBERS)),
                )
            if WEB_ADDRESS.search(text):
                yield Problem(
                    path, line, f"{where(name, number)} gives a web address: responses may not."
                )
    written = ("agencies.yml", "report_words.yml", "widget.yml")
    for path in [content.root / "data" / name for name in written] + [
        content.root / "data" / language.code / name
        for language in content.languages.values()
        for name in written
        if language.code != ENGLISH
    ]:
        if not path.exists():
            continue
        for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            for found in set(NUMBER.findall(line)) - VERIFIED_NUMBERS:
                yield Problem(
                    content.rel(path),
                    line_number,
                    f"the number {found!r} is not on the verified list.",
                )


def check_999_and_101(content: Content) -> Iterator[Problem]:
    """Danger and advice responses keep 999 and 101 in every variation, in every language."""
    for replies in content.replies:
        path = content.rel(replies.path)
        seen: Set[str] = set()
        for name, number, line, text in content.responses(replies):
            seen.add(name)
            if name in DANGER_PATH and "999" not in text:
                yield Problem(
                    path,
                    line,
                    f"{where(name, number)} has lost its 999: every message on the danger path "
                    "must tell people to call 999 if anyone is in danger.",
                )
            if name in ADVICE_PATH and "101" not in text:
                yield Problem(
                    path,
                    line,
                    f"{where(name, number)} has lost its 101: every advice message must give 101.",
                )
        for name in sorted(set(DANGER_PATH) - seen):
            yield Problem(path, 1, f"{name} is missing: it is on the danger path and must exist.")


def check_every_language_says_everything(content: Content) -> Iterator[Problem]:
    """Each language has every reply the English has, no other, and the same buttons."""
    for language in content.missing:
        yield Problem(
            content.rel(content.root / "data" / "languages.yml"),
            1,
            f"{language.english_name} ({language.code}) has no replies: "
            f"{content.rel(language.responses_file(content.root))} is missing.",
        )
    english = content.english.responses
    for replies in content.replies[1:]:
        path, named = content.rel(replies.path), replies.language.english_name
        for name in english:
            if name not in replies.responses:
                yield Problem(
                    path,
                    1,
                    f"{name} is missing: the English has it, so the {named} must have it too.",
                )
        for name, variations in replies.responses.items():
            line = replies.responses.lc.key(name)[0] + 1
            if name not in english:
                yield Problem(path, line, f"{name} is not a reply the English has.")
            elif payloads(variations) != payloads(english[name]):
                yield Problem(
                    path,
                    line,
                    f"{name}: its buttons must send the same payloads as the English "
                    f"({', '.join(sorted(payloads(english[name]))) or 'none'}); "
                    "translate only their titles.",
                )


def leaves(tree, trail: Tuple[str, ...] = ()) -> Iterator[Tuple[str, str]]:
    """Yields ("summary.signs", text) for every text in a nested content file."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from leaves(value, (*trail, str(key)))
    elif isinstance(tree, list):
        for number, value in enumerate(tree, start=1):
            yield from leaves(value, (*trail, str(number)))
    else:
        yield ".".join(trail), str(tree)


def check_every_language_writes_answers_alike(content: Content) -> Iterator[Problem]:
    """Each language's report words, signs and agencies match the English in shape and facts.

    Report words: the same entries, each with the same {placeholders}.
    Signs: a label for every sign the English has, and no other sign.
    Agencies: the same organisations by their English names, with the same
    numbers in the same order; only the words around them are translated.
    """
    data = content.root / "data"
    for entry, text in leaves(content.load(data / "report_words.yml")):
        for unknown in set(PLACEHOLDER.findall(text)) - ANSWER_PLACEHOLDERS:
            yield Problem(
                Path("data/report_words.yml"),
                1,
                f"{entry} has {{{unknown}}}, which nothing fills: the actions fill only "
                + ", ".join(f"{{{name}}}" for name in sorted(ANSWER_PLACEHOLDERS)),
            )
    for language in list(content.languages.values())[1:]:
        named = language.english_name
        words = data / language.code / "report_words.yml"
        if words.exists():
            english = dict(leaves(content.load(data / "report_words.yml")))
            own = dict(leaves(content.load(words)))
            for entry in sorted(set(english) - set(own)):
                yield Problem(content.rel(words), 1, f"{entry} is missing: the English has it.")
            for entry in sorted(set(own) - set(english)):
                yield Problem(content.rel(words), 1, f"{entry} is not an entry the English has.")
            for entry in sorted(set(own) & set(english)):
                kept = sorted(PLACEHOLDER.findall(english[entry]))
                if sorted(PLACEHOLDER.findall(own[entry])) != kept:
                    shown = ", ".join(f"{{{name}}}" for name in kept) or "none"
                    yield Problem(
                        content.rel(words),
                        1,
                        f"{entry} must keep the English's placeholders ({shown}).",
                    )
        signs = data / language.code / "warning_signs.yml"
        if signs.exists():
            english = (content.load(data / "warning_signs.yml") or {})["warning_signs"]
            own = (content.load(signs) or {}).get("warning_signs") or {}
            for sign in sorted(
                set(english) - {s for s, e in own.items() if (e or {}).get("label")}
            ):
                yield Problem(
                    content.rel(signs), 1, f"{sign} has no label: the English says it back."
                )
            for sign in sorted(set(own) - set(english)):
                yield Problem(content.rel(signs), 1, f"{sign} is not a sign the English has.")
        agencies = data / language.code / "agencies.yml"
        if agencies.exists():
            english, own = content.load(data / "agencies.yml"), content.load(agencies) or {}

            def facts(listing) -> List[Tuple[str, str]]:
                national = [(line.get("name"), line.get("phone")) for line in listing["national"]]
                return national + [(name, "") for name in listing.get("local") or []]

            try:
                differs = facts(own) != facts(english)
            except (KeyError, TypeError, AttributeError):
                differs = True
            if differs:
                yield Problem(
                    content.rel(agencies),
                    1,
                    f"the {named} must name the same organisations as data/agencies.yml, by "
                    "their English names, with the same numbers in the same order.",
                )


def check_widget_words(content: Content) -> Iterator[Problem]:
    """Each other language has the widget's words, every one, with 999 and 101 where needed."""
    for language in list(content.languages.values())[1:]:
        path = content.root / "data" / language.code / "widget.yml"
        if not path.exists():
            yield Problem(
                content.rel(path),
                1,
                f"is missing: the {language.english_name} widget needs its words "
                f"({', '.join(WIDGET_WORDS)}).",
            )
            continue
        said = content.load(path) or {}
        own = [r.responses for r in content.replies if r.language.code == language.code]
        titles = {
            str(button.get("title", "")).strip().lower()
            for responses in own
            for variations in responses.values()
            for variation in variations or []
            for button in variation.get("buttons") or []
        }
        for name in ("send", "clear", "close", "leave"):
            if str(said.get(name, "")).strip().lower() in titles:
                yield Problem(
                    content.rel(path),
                    said.lc.key(name)[0] + 1,
                    f"{name} is also the title of a reply's button: a screen reader would "
                    "offer two buttons of that name. Make one of them say more.",
                )
        for name in WIDGET_WORDS:
            if not said.get(name):
                yield Problem(content.rel(path), 1, f"{name} is missing: the widget needs it.")
        for name, text in said.items():
            line = said.lc.key(name)[0] + 1
            if name not in WIDGET_WORDS:
                yield Problem(content.rel(path), line, f"{name} is not one of the widget's words.")
                continue
            for number in WIDGET_WORDS[name]:
                if number not in NUMBER.findall(str(text)):
                    yield Problem(
                        content.rel(path), line, f"{name} has lost its {number}: it must give it."
                    )
            if WEB_ADDRESS.search(str(text)):
                yield Problem(content.rel(path), line, f"{name} gives a web address: it may not.")


def payloads(variations) -> Set[str]:
    """Returns every button payload of a reply's variations."""
    return {
        str(button.get("payload", ""))
        for variation in variations or []
        for button in variation.get("buttons") or []
    }


def action_arguments(actions_dir: Path) -> Dict[str, Set[str]]:
    """Returns, per response, the values actions pass to fill its placeholders."""
    passed: Dict[str, Set[str]] = {}
    for path in sorted(actions_dir.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            keywords = {k.arg: k.value for k in node.keywords if k.arg}
            response = keywords.get("response")
            if isinstance(response, ast.Constant) and isinstance(response.value, str):
                passed.setdefault(response.value, set()).update(
                    k for k in keywords if k != "response"
                )
    return passed


def responses_named_in(actions_dir: Path) -> Set[str]:
    """Returns every response name the actions mention, however they send it."""
    return {
        node.value
        for path in sorted(actions_dir.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"utter_\w+", node.value)
    }


def check_placeholders(content: Content) -> Iterator[Problem]:
    """Each {placeholder} names a slot or a value the sending action passes."""
    slots = content.slots() | FILLED_BY_ACTIONS_ALWAYS
    passed = action_arguments(content.root / "actions")
    for replies in content.replies:
        for name, number, line, text in content.responses(replies):
            for placeholder in PLACEHOLDER.findall(text):
                if placeholder not in slots and placeholder not in passed.get(name, set()):
                    known = ", ".join(sorted(slots | passed.get(name, set())))
                    yield Problem(
                        content.rel(replies.path),
                        line,
                        f"{where(name, number)} uses {{{placeholder}}}, which nothing fills: "
                        f"check the spelling (known: {known}).",
                    )


def check_button_payloads(content: Content) -> Iterator[Problem]:
    """A payload's braces are doubled, so Rasa sends them rather than filling them."""
    for replies in content.replies:
        for name, variations in replies.responses.items():
            for number, variation in enumerate(variations or [], start=1):
                for index, button in enumerate(variation.get("buttons") or []):
                    payload = str(button.get("payload", ""))
                    if set(payload.replace("{{", "").replace("}}", "")) & {"{", "}"}:
                        yield Problem(
                            content.rel(replies.path),
                            variation["buttons"].lc.item(index)[0] + 1,
                            f"{where(name, number)}: the button {button.get('title')!r} has a "
                            "single brace in its payload, which Rasa reads as a placeholder: "
                            "write {{ and }}.",
                        )


def check_length_and_reading_ease(content: Content) -> Iterator[Problem]:
    """Responses fit a screen in every language, and read as plain English.

    The reading-ease formula is English's; a translator judges the others.
    """
    for replies in content.replies:
        for name, number, line, text in content.responses(replies):
            if len(text) > MAX_CHARACTERS:
                yield Problem(
                    content.rel(replies.path),
                    line,
                    f"{where(name, number)} is {len(text)} characters long: more than a "
                    f"screenful in the chat widget ({MAX_CHARACTERS}). Shorten it or split it.",
                )
    domain = content.rel(content.domain_path)
    for name, number, line, text in content.responses():
        words = PLACEHOLDER.sub("", text).split()
        if len(words) >= MIN_WORDS_TO_SCORE:
            score = textstat.flesch_reading_ease(" ".join(words))
            if score < MIN_READING_EASE:
                yield Problem(
                    domain,
                    line,
                    f"{where(name, number)} is hard to read (reading ease {score:.0f}, at least "
                    f"{MIN_READING_EASE} needed): use shorter sentences and everyday words.",
                )


EXAMPLE_MARKUP = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")


def nlu_folders(content: Content) -> List[Tuple[str, str]]:
    """Returns each language's name with the folder of its example phrases."""
    others = list(content.languages.values())[1:]
    return [("English", "data/nlu")] + [
        (language.english_name, f"data/{language.code}/nlu") for language in others
    ]


def examples(content: Content, folder: str = "data/nlu") -> Iterator[Tuple[str, Path, int, str]]:
    """Yields (intent, file, line, example) for every example phrase of one language."""
    for path in content.files(folder):
        data = content.load(path) or {}
        for item in data.get("nlu") or []:
            if "intent" not in item:
                continue
            # The block starts on the line after "examples: |" (0-based in ruamel).
            first = item.lc.value("examples")[0] + 2
            for offset, line in enumerate(str(item.get("examples") or "").splitlines()):
                if line.strip().startswith("- "):
                    text = EXAMPLE_MARKUP.sub(r"\1", line.strip()[2:])
                    yield item["intent"], content.rel(path), first + offset, text


def check_examples(content: Content) -> Iterator[Problem]:
    """In every language: enough examples per intent; no example shared by two intents."""
    for named, folder in nlu_folders(content):
        yield from _check_examples_of(content, named, folder)


def _check_examples_of(content: Content, named: str, folder: str) -> Iterator[Problem]:
    counts: Dict[str, int] = {}
    first_seen: Dict[str, Tuple[str, Path, int]] = {}
    for intent, path, line, text in examples(content, folder):
        counts[intent] = counts.get(intent, 0) + 1
        key = " ".join(text.lower().split())
        if key in first_seen and first_seen[key][0] != intent:
            other_intent, other_path, other_line = first_seen[key]
            yield Problem(
                path,
                line,
                f'"{text}" is an example of both {intent} and {other_intent} '
                f"({other_path}:{other_line}): keep it under one intent only.",
            )
        first_seen.setdefault(key, (intent, path, line))
    intents = content.domain.get("intents") or []
    domain = content.rel(content.domain_path)
    for intent in intents:
        name = intent if isinstance(intent, str) else next(iter(intent))
        if named != "English" and name in ENGLISH_ONLY_INTENTS:
            continue
        if counts.get(name, 0) < MIN_EXAMPLES:
            yield Problem(
                domain,
                intents.lc.item(intents.index(intent))[0] + 1,
                f"the intent {name} has {counts.get(name, 0)} example phrases in {named} "
                f"({folder}): it needs at least {MIN_EXAMPLES} to be understood reliably.",
            )


def names_in(value) -> Iterator[str]:
    """Yields every action named anywhere in parsed rules or stories."""
    if isinstance(value, dict):
        if isinstance(value.get("action"), str):
            yield value["action"]
        for inner in value.values():
            yield from names_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from names_in(inner)


def check_responses_in_use(content: Content) -> Iterator[Problem]:
    """Every response is said by a rule, a story, a form or an action."""
    used: Set[str] = set()
    for path in content.files("data/rules") + content.files("data/stories"):
        used.update(names_in(content.load(path)))
    for path in sorted((content.root / "tests" / "stories").glob("*.yml")):
        used.update(names_in(content.load(path)))
    used.update(responses_named_in(content.root / "actions"))
    for spec in (content.domain.get("forms") or {}).values():
        used.update(f"utter_ask_{slot}" for slot in (spec or {}).get("required_slots") or [])
    responses = content.english.responses
    domain = content.rel(content.domain_path)
    for name in responses:
        if name not in used:
            yield Problem(
                domain,
                responses.lc.key(name)[0] + 1,
                f"{name} is never said: no rule, story, form or action uses it.",
            )


CHECKS = (
    check_numbers,
    check_999_and_101,
    check_every_language_says_everything,
    check_every_language_writes_answers_alike,
    check_widget_words,
    check_placeholders,
    check_button_payloads,
    check_length_and_reading_ease,
    check_examples,
    check_responses_in_use,
)


def problems_in(root: Path) -> List[Problem]:
    """Returns every problem found in the content under ``root``."""
    try:
        content = Content(root)
    except LanguageFileError as error:
        return [Problem(Path("data/languages.yml"), 1, str(error).split(": ", 1)[-1])]
    found: List[Problem] = []
    for check in CHECKS:
        found.extend(check(content))
    return found


def main(argv: Iterable[str] | None = None) -> int:
    """Checks the content; prints each problem; returns 1 if there are any."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=PROJECT)
    args = parser.parse_args(list(argv) if argv is not None else None)
    found = problems_in(args.root.resolve())
    for problem in found:
        print(problem, file=sys.stderr)
    if found:
        print(f"check_content: {len(found)} problem(s) to fix.", file=sys.stderr)
        return 1
    print("check_content: the content is safe and plain.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
