"""Locust users for `make bench`: realistic conversations, message after message.

Each user is one person: they describe signs, hesitate, ask a question, then
make a report through the form to the end, and start again. BENCH_TARGET says
where messages go: "web" (POST /api/chat on the public web service) or "rasa"
(Rasa's REST webhook directly, to measure the web service's overhead). Every
message is recorded under the name "message", so the figures are per message.
BENCH_LANGUAGE=pl has each person choose Polish in the widget and say the
Polish conversation instead.
"""

from __future__ import annotations

import os
import uuid

from bench_conversation import CONVERSATION, POLISH_CONVERSATION  # scripts/, on Locust's path
from locust import HttpUser, constant, task

TARGET = os.environ.get("BENCH_TARGET", "web")
LANGUAGE = os.environ.get("BENCH_LANGUAGE", "en")
SAID = POLISH_CONVERSATION if LANGUAGE == "pl" else CONVERSATION
# As the widget sends them once the person has chosen a language.
CHOSEN = {"language": LANGUAGE, "detect": False} if LANGUAGE != "en" else {}


class Person(HttpUser):
    """One person talking to the assistant, with no pause between messages."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.sender = None
        # Through the test proxy: trust its throwaway certificate, and only it.
        if os.environ.get("BENCH_CA_BUNDLE"):
            self.client.verify = os.environ["BENCH_CA_BUNDLE"]

    def begin_conversation(self) -> None:
        if TARGET == "web":
            answer = self.client.post("/api/session", json=CHOSEN, name="session")
            self.sender = answer.json()["sender"] if answer.status_code == 200 else None
        else:
            self.sender = uuid.uuid4().hex

    @task
    def converse(self) -> None:
        self.begin_conversation()
        path = "/api/chat" if TARGET == "web" else "/webhooks/rest/webhook"
        for message in SAID[1:] if TARGET == "web" else SAID:
            with self.client.post(
                path,
                json={"sender": self.sender, "message": message, **CHOSEN},
                name="message",
                catch_response=True,
            ) as answer:
                if answer.status_code != 200 or not answer.json():
                    answer.failure(f"status {answer.status_code} or no reply")
