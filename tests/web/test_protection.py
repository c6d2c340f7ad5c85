"""Whose address a request is counted under, and the rate limit shared in Redis."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from sanic.compat import Header

from bot.web.protection import SharedRateLimiter, client_address, own_origin
from tests.assistant import run_coroutine
from tests.services import REDIS, service_url

REDIS_URL = os.environ.get("TEST_REDIS_URL")
PROXY = "127.0.0.1"


def arriving(peer: str, **headers: str) -> SimpleNamespace:
    """A request as the web service sees it: who connected, and the headers."""
    names = {name.replace("_", "-"): value for name, value in headers.items()}
    return SimpleNamespace(ip=peer, headers=Header(names), scheme="http", host="chat.force.example")


def test_the_proxy_names_the_browser():
    assert client_address(arriving(PROXY, x_forwarded_for="203.0.113.7"), [PROXY]) == (
        "203.0.113.7"
    )


def test_anyone_else_naming_a_browser_is_not_believed():
    request = arriving("198.51.100.4", x_forwarded_for="203.0.113.7")
    assert client_address(request, [PROXY]) == "198.51.100.4"


def test_with_no_proxy_configured_nobody_is_believed():
    assert client_address(arriving(PROXY, x_forwarded_for="203.0.113.7")) == PROXY


def test_the_last_address_is_the_one_the_proxy_saw():
    request = arriving(PROXY, x_forwarded_for="10.9.9.9, 203.0.113.7")
    assert client_address(request, [PROXY]) == "203.0.113.7"


@pytest.mark.parametrize("forwarded", ["", "not-an-address", " , "])
def test_a_proxy_request_without_a_usable_address_counts_as_the_proxy(forwarded):
    assert client_address(arriving(PROXY, x_forwarded_for=forwarded), [PROXY]) == PROXY


def test_the_https_the_browser_used_is_believed_only_from_the_proxy():
    assert own_origin(arriving(PROXY, x_forwarded_proto="https"), [PROXY]) == (
        "https://chat.force.example"
    )
    assert own_origin(arriving("198.51.100.4", x_forwarded_proto="https"), [PROXY]) == (
        "http://chat.force.example"
    )


@pytest.fixture
def redis_client():
    service_url(REDIS, "the shared rate limit tests")
    import redis.asyncio

    return redis.asyncio.from_url(REDIS_URL)


def test_the_shared_limit_counts_every_worker_together(redis_client):
    async def run():
        secret = os.urandom(16)
        # Two workers' limiters, on one store.
        one = SharedRateLimiter(redis_client, 3, name="test", secret=secret)
        other = SharedRateLimiter(redis_client, 3, name="test", secret=secret)
        answers = [await limiter.admit("203.0.113.7") for limiter in (one, other) * 3]
        someone_else = await other.admit("203.0.113.8")
        keys = [key async for key in redis_client.scan_iter(match=f"{one.prefix}*")]
        await redis_client.close()
        return answers, someone_else, keys

    answers, someone_else, keys = run_coroutine(run())
    assert answers == [True, True, True, False, False, False]
    assert someone_else
    # Clients are named by a keyed hash, never by their address.
    assert keys and not any(b"203.0.113" in key for key in keys)


def test_with_the_store_down_each_worker_counts_alone():
    import redis.asyncio

    # Nothing listens on port 1: every call fails at once.
    unreachable = redis.asyncio.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)

    async def run():
        limiter = SharedRateLimiter(unreachable, 2, name="test", secret=b"s")
        return [await limiter.admit("203.0.113.7") for _ in range(3)]

    assert run_coroutine(run()) == [True, True, False]
