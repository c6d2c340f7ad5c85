"""Which language's assistant answers: the person's choice, else what they write in.

The parts are tested on their own, then through the public service in front
of two stand-in Rasa servers, one per language, that say which one answered.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from bot.languages import load_languages
from bot.understanding.phrases import read_yaml
from bot.web.languages import (
    LanguageReader,
    OfferedLanguage,
    examples_in,
    folded,
    language_for,
    offered_languages,
)
from bot.web.messages import button_titles
from tests.assistant import PROJECT_DIR, WebService, free_port, start_web_service
from tests.web.test_public import SECRET, call

# Invented messages, written for these tests from what each language's
# assistant is for; none is taken from the training or the blind sets.
POLISH = [
    "Mój sąsiad nie wychodzi z domu od tygodnia",
    "moj sasiad nie wychodzi z domu od tygodnia",
    "boje sie o siostre",
    "on ma noz",
    "dzien dobry",
    "cześć",
    "mój flatmate ciągle siedzi sam w pokoju",
]
ENGLISH = [
    "my neighbour hasn't opened her curtains all week",
    "are you a bot",
    "he has a knife",
    "the bloke next door never goes out",
]
# The widget's words in Polish, as the translator's file has them.
POLISH_WORDS = read_yaml(PROJECT_DIR / "data" / "pl" / "widget.yml")
# Too short or too plain to tell: the conversation stays in its language.
UNCLEAR = ["ok", "yes", "12", "/affirm", "07700 900123", ""]


@pytest.fixture(scope="module")
def reader() -> LanguageReader:
    return LanguageReader.from_examples(["en", "pl"])


def test_folding_drops_accents_and_the_polish_l():
    assert folded("Zasłony ZAMKNIĘTE") == "zaslony zamkniete"
    assert folded("Łódź") == "lodz"


def test_examples_are_read_as_their_words_without_annotations_or_other_languages(tmp_path):
    (tmp_path / "signs.yml").write_text(
        "nlu:\n"
        "- intent: describe_concern\n"
        "  examples: |\n"
        "    - her [curtains are shut](warning_sign) all day\n"
        '    - [mum]{"entity": "relationship"} is quiet\n'
        "- intent: other_language\n"
        "  examples: |\n"
        "    - zasłony są zamknięte\n"
        "- synonym: mum\n"
        "  examples: |\n"
        "    - mam\n"
    )
    assert list(examples_in(tmp_path)) == ["her curtains are shut all day", "mum is quiet"]


@pytest.mark.parametrize("message", POLISH)
def test_a_polish_message_reads_as_polish(reader, message):
    assert reader.language_of(message) == "pl"


@pytest.mark.parametrize("message", ENGLISH)
def test_an_english_message_reads_as_english(reader, message):
    assert reader.language_of(message) == "en"


@pytest.mark.parametrize("message", UNCLEAR)
def test_a_message_too_short_or_plain_to_tell_reads_as_none(reader, message):
    assert reader.language_of(message) is None


def test_with_one_language_nothing_is_read_and_no_examples_are_loaded():
    reader = LanguageReader.from_examples(["en"], project_dir=Path("/nonexistent"))
    assert reader.language_of("Mój sąsiad nie wychodzi z domu") is None


def test_own_words_decide_before_the_identifier_is_loaded():
    reader = LanguageReader({"en": {"curtains", "shut", "the"}, "xx": {"zorp", "blat", "the"}})
    assert reader.language_of("the zorp blat") == "xx"
    assert reader.language_of("the curtains shut") == "en"
    assert reader.identifier._model is None


OFFERED = {
    "en": OfferedLanguage("en", "English", False),
    "pl": OfferedLanguage("pl", "Polski", True),
}


@pytest.mark.parametrize(
    ("body", "message", "answered_in"),
    [
        ({}, "Mój sąsiad nie wychodzi z domu od tygodnia", "pl"),
        ({}, "ok", "en"),
        ({"language": "pl"}, "ok", "pl"),
        ({"language": "pl"}, "my neighbour hasn't opened her curtains all week", "en"),
        # Detection stopped (a choice, or after the first messages): kept.
        ({"language": "en", "detect": False}, "Mój sąsiad nie wychodzi z domu", "en"),
        ({"language": "pl", "detect": False}, "he has a knife", "pl"),
        # Not offered, or not a code at all: English answers.
        ({"language": "ro"}, "ok", "en"),
        ({"language": ["pl"]}, "ok", "en"),
        ({"language": "ro", "detect": False}, "Mój sąsiad nie wychodzi z domu", "en"),
    ],
)
def test_the_choice_wins_then_what_the_message_reads_as(reader, body, message, answered_in):
    assert language_for(body, message, OFFERED, reader) == answered_in


def test_only_languages_the_file_lists_are_offered_with_their_review_state():
    languages = load_languages()
    offered = offered_languages(["pl", "xx"], languages)
    assert list(offered) == ["en", "pl"]
    assert offered["en"].draft is False
    assert offered["pl"] == OfferedLanguage(
        "pl", languages["pl"].name, draft=True, words=POLISH_WORDS
    )
    assert offered["en"].words == {}  # English is the widget's own
    assert list(offered_languages([], languages)) == ["en"]


# Through the public service ---------------------------------------------------


class StandInRasa(ThreadingHTTPServer):
    """Answers every message with its own language code, and keeps what it was sent."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.received: List[Tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.received.append((body["sender"], body["message"]))
                answer = json.dumps([{"recipient_id": body["sender"], "text": server.code}])
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer.encode())

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture(scope="module")
def two_languages(tmp_path_factory) -> Iterator[Tuple[WebService, StandInRasa, StandInRasa]]:
    english, polish = StandInRasa("en"), StandInRasa("pl")
    try:
        for web in start_web_service(
            tmp_path_factory.mktemp("languages"),
            "public",
            english.url,
            RASA_URL_PL=polish.url,
            WEB_SESSION_SECRET=SECRET,
            WEB_REQUESTS_PER_MINUTE="1000",
        ):
            yield web, english, polish
    finally:
        english.shutdown()
        polish.shutdown()


def chat(web: WebService, body: dict) -> Tuple[str, str]:
    """Returns which stand-in answered, and the Content-Language the answer gave."""
    status, headers, replies = call(f"{web.url}/api/chat", body)
    assert status == 200, replies
    return replies[0]["text"], headers["Content-Language"]


def test_a_session_lists_the_languages_and_starts_in_the_chosen_one(two_languages):
    web, english, polish = two_languages
    status, headers, body = call(f"{web.url}/api/session", {})
    assert status == 200 and body["language"] == "en" and headers["Content-Language"] == "en"
    assert body["replies"][0]["text"] == "en"
    assert body["languages"] == [
        {"code": "en", "name": "English", "draft": False, "words": {}},
        {"code": "pl", "name": load_languages()["pl"].name, "draft": True, "words": POLISH_WORDS},
    ]
    status, headers, body = call(f"{web.url}/api/session", {"language": "pl"})
    assert body["language"] == "pl" and headers["Content-Language"] == "pl"
    assert polish.received[-1] == (body["sender"], "/greet")
    assert call(f"{web.url}/api/session", raw=b"{not json")[0] == 400
    # A language that is not a code, or not offered, starts in English.
    for odd in (["pl"], {"code": "pl"}, 12, None, "xx", "PL"):
        status, headers, body = call(f"{web.url}/api/session", {"language": odd})
        assert status == 200 and body["language"] == "en", odd


def test_one_conversation_moves_between_the_languages_servers(two_languages):
    web, english, polish = two_languages
    sender = call(f"{web.url}/api/session", {})[2]["sender"]
    assert chat(web, {"sender": sender, "message": POLISH[0]}) == ("pl", "pl")
    assert chat(web, {"sender": sender, "message": "ok", "language": "pl"}) == ("pl", "pl")
    # The person picks English from the menu: it sticks, whatever they write.
    chosen = {"sender": sender, "language": "en", "detect": False}
    assert chat(web, {**chosen, "message": POLISH[1]}) == ("en", "en")
    assert [sent for sent, _ in polish.received[-2:]] == [sender, sender]
    assert english.received[-1] == (sender, POLISH[1])


def test_typed_button_titles_count_as_presses_in_each_language(two_languages):
    web, english, polish = two_languages
    sender = call(f"{web.url}/api/session", {})[2]["sender"]
    responses = load_languages()["pl"].responses_file()
    title, payload = next(iter(button_titles(responses).items()))
    body = {"sender": sender, "message": title, "language": "pl", "detect": False}
    assert chat(web, body) == ("pl", "pl")
    assert polish.received[-1] == (sender, payload)


def test_the_log_says_which_language_answered_and_nothing_typed(two_languages):
    web, _, _ = two_languages
    sender = call(f"{web.url}/api/session", {})[2]["sender"]
    chat(web, {"sender": sender, "message": POLISH[2]})
    log = web.log.read_text()
    assert "language=pl outcome=ok" in log
    assert POLISH[2] not in log and folded(POLISH[2]) not in log


def test_when_a_languages_assistant_cannot_answer_the_safe_default_is_in_that_language(
    tmp_path,
):
    english = StandInRasa("en")
    try:
        for web in start_web_service(
            tmp_path,
            "public",
            english.url,
            RASA_URL_PL=f"http://127.0.0.1:{free_port()}",  # nothing listens there
            WEB_SESSION_SECRET=SECRET,
        ):
            status, _, body = call(f"{web.url}/api/session", {"language": "pl"})
            assert status == 200
            assert body["replies"] == [{"text": POLISH_WORDS["safe_default"], "buttons": []}]
            assert "999" in POLISH_WORDS["safe_default"] and "101" in POLISH_WORDS["safe_default"]
            assert chat(web, {"sender": body["sender"], "message": "ok"}) == ("en", "en")
    finally:
        english.shutdown()
