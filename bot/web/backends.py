"""The servers behind the public service: one or more Rasa servers, and the action server.

Several Rasa servers may share the conversations (PostgreSQL tracker store,
Redis lock store, see docs/deploy.md): each message goes to the next in turn,
and to another one if a server cannot even be reached. A message is never
sent twice after it may have arrived (a timeout, a broken answer), because
that could run a turn twice.

The action server is checked before a message is passed on: with it down,
Rasa would run half a turn (its actions' events lost) and answer without
them, so the person is given the safe default instead and the conversation
is left as it was, to carry on once the action server is back.
"""

from __future__ import annotations

import itertools
from typing import Any, Optional, Sequence, Tuple

import aiohttp

HEALTH_TIMEOUT_SECONDS = 2.0


class RasaUnavailable(Exception):
    """No Rasa server answered; the message says why, for the log."""


class RasaServers:
    """Forwards messages to the Rasa servers in turn, skipping any that cannot be reached."""

    def __init__(self, urls: Sequence[str], session: aiohttp.ClientSession) -> None:
        self.urls = tuple(urls)
        self.session = session
        self._turns = itertools.cycle(range(len(self.urls)))

    async def send(self, sender: str, message: str) -> Any:
        """Returns the first reachable server's JSON answer; raises RasaUnavailable."""
        first = next(self._turns)
        refused = []
        for offset in range(len(self.urls)):
            url = self.urls[(first + offset) % len(self.urls)]
            try:
                async with self.session.post(
                    f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message}
                ) as answer:
                    if answer.status != 200:
                        raise RasaUnavailable(f"rasa status {answer.status}")
                    return await answer.json()
            except aiohttp.ClientConnectorError:
                # Not connected, so the message never arrived: the next may take it.
                refused.append(url)
        raise RasaUnavailable(f"rasa unavailable ({len(refused)} of {len(self.urls)} refused)")


class ActionServerHealth:
    """Answers whether the action server is up, asking it before every message.

    Asked every time, not remembered: a remembered "up" would let the first
    messages after a crash through to a half-run turn. On loopback over a kept
    connection the question costs about a millisecond (see `make bench`).
    """

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.session = session

    async def available(self) -> Tuple[bool, Optional[str]]:
        """Returns (True, None), or (False, why) when the action server does not answer."""
        if not self.url:
            return True, None
        try:
            async with self.session.get(
                f"{self.url}/health", timeout=aiohttp.ClientTimeout(total=HEALTH_TIMEOUT_SECONDS)
            ) as answer:
                if answer.status != 200:
                    return False, f"action server status {answer.status}"
        except Exception as error:  # noqa: BLE001 - any failure means "not available"
            return False, f"action server unavailable ({type(error).__name__})"
        return True, None
