"""The ceiling for `make bench`: the bench's conversations straight through
Rasa's ``Agent.handle_message`` in this process, with no HTTP and no database.

Conversations are kept in Rasa's in-memory tracker and lock stores, and the
action server's code (``actions/``) is called directly where Rasa would send
it a request. Nothing else of Rasa changes: the same model, the same changes
of bot/rasa_patches, the same checks of each action's reply. What the full
stack does above this is the cost of its web service, HTTP, the database and
the locks.

``scripts/bench.py`` starts one of these per core and adds up their figures.
Each loads the model, writes ``ready`` in its folder, waits for ``go`` there,
then talks for the given seconds and writes ``latencies.json``: the
milliseconds of every message, and the messages that failed.

Usage: python scripts/bench_ceiling.py MODEL FOLDER --users N --seconds S
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench_conversation import CONVERSATION  # noqa: E402  (scripts/ is on the path)


def direct_actions() -> Any:
    """Returns an action endpoint that runs the action server's code in this process."""
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig
    from rasa_sdk.executor import ActionExecutor
    from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

    executor = ActionExecutor()
    executor.register_package("actions")

    class DirectActions(EndpointConfig):
        """Answers as the action server's endpoint does, without HTTP."""

        async def request(self, method: str = "post", **kwargs: Any) -> Any:
            try:
                return await executor.run(kwargs["json"])
            except ActionExecutionRejection as rejection:
                body = {"error": rejection.message, "action_name": rejection.action_name}
                raise ClientResponseError(400, "Bad Request", json.dumps(body)) from rejection
            except ActionNotFoundException as missing:
                raise ClientResponseError(404, "Not Found", missing.message) from missing

    return DirectActions(url="in-process")


async def converse(agent: Any, until: float, latencies: List[float], failures: List[str]) -> None:
    """One person, conversation after conversation, until the time is up."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    while time.monotonic() < until:
        sender = f"ceiling-{uuid.uuid4().hex}"
        for text in CONVERSATION:
            if time.monotonic() >= until:
                return
            started = time.perf_counter()
            try:
                replies = await agent.handle_message(
                    UserMessage(text, CollectingOutputChannel(), sender)
                )
            except Exception as error:  # noqa: BLE001 - counted as a failed message
                failures.append(type(error).__name__)
                continue
            if replies:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                failures.append("no reply")


async def run(model: Path, folder: Path, users: int, seconds: float) -> Dict[str, Any]:
    # Before Rasa is imported, as bot.serve does: one change acts on imports.
    from bot import rasa_patches

    rasa_patches.apply("all")
    from rasa.core.agent import Agent
    from rasa.core.lock_store import InMemoryLockStore
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain

    domain = Domain.load(str(PROJECT / "domain.yml"))
    agent = Agent.load(
        str(model),
        tracker_store=InMemoryTrackerStore(domain),
        lock_store=InMemoryLockStore(),
        action_endpoint=direct_actions(),
    )
    (folder / "ready").write_text("ready")
    while not (folder / "go").exists():
        await asyncio.sleep(0.05)
    latencies: List[float] = []
    failures: List[str] = []
    started = time.monotonic()
    until = started + seconds
    await asyncio.gather(*(converse(agent, until, latencies, failures) for _ in range(users)))
    return {
        "users": users,
        "seconds": round(time.monotonic() - started, 2),
        "latencies_ms": latencies,
        "failures": failures,
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    args.folder.mkdir(parents=True, exist_ok=True)
    figures = asyncio.run(run(args.model, args.folder, args.users, args.seconds))
    (args.folder / "latencies.json").write_text(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
