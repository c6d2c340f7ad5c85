"""Behind the force's proxy: nginx running docs/nginx-site.conf in front of
the web service with two workers, the rate limits counted in Redis.

Each client connects from its own loopback address (127.0.0.2, 127.0.0.3 ...),
so the proxy sees them as different people, as it would on the internet. The
proxy itself connects from 127.0.0.1, the one address the service trusts.
The chat API counts a request before it reads it, so an empty request ({},
answered 400) costs a place in the limit without needing Rasa.
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

import pytest

from tests.assistant import free_port, start_web_service
from tests.proxy import Proxy, start_proxy
from tests.services import REDIS, service_url

REDIS_URL = os.environ.get("TEST_REDIS_URL")
CHAT_LIMIT = 12
SESSION_LIMIT = CHAT_LIMIT // 3
TOO_MANY = 429


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory) -> Iterator[Tuple[Proxy, str]]:
    """The proxy's https URL and the web service's own, direct URL."""
    service_url(REDIS, "the proxy tests")
    workdir = tmp_path_factory.mktemp("behind_proxy")
    service = start_web_service(
        workdir,
        "public",
        workers=2,
        WEB_REQUESTS_PER_MINUTE=str(CHAT_LIMIT),
        WEB_TRUSTED_PROXIES="127.0.0.1",
        WEB_LIMITS_REDIS_URL=REDIS_URL,
    )
    web = next(service)
    try:
        proxy = start_proxy(workdir / "nginx", urlsplit(web.url).netloc, free_port())
        yield next(proxy), web.url
        proxy.close()
    finally:
        service.close()


def post(
    url: str,
    path: str,
    source: str,
    *,
    tls: Optional[ssl.SSLContext] = None,
    headers: Optional[Dict[str, str]] = None,
) -> int:
    """POSTs {} from the loopback address ``source``, on a new connection; returns the status."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, source_address=(source, 0), context=tls, timeout=30
        )
    else:
        connection = http.client.HTTPConnection(
            parts.hostname, parts.port, source_address=(source, 0), timeout=30
        )
    try:
        connection.request(
            "POST",
            path,
            body=json.dumps({}),
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def refused(statuses: List[int]) -> List[bool]:
    return [status == TOO_MANY for status in statuses]


def test_two_people_behind_the_proxy_are_limited_separately(behind_proxy):
    proxy, _ = behind_proxy
    first = [
        post(proxy.url, "/api/chat", "127.0.0.2", tls=proxy.tls) for _ in range(CHAT_LIMIT + 2)
    ]
    second = post(proxy.url, "/api/chat", "127.0.0.3", tls=proxy.tls)
    assert refused(first) == [False] * CHAT_LIMIT + [True, True]
    assert second != TOO_MANY


def test_an_address_a_browser_names_itself_through_the_proxy_is_replaced(behind_proxy):
    proxy, _ = behind_proxy
    statuses = [
        post(
            proxy.url,
            "/api/chat",
            "127.0.0.4",
            tls=proxy.tls,
            headers={"X-Forwarded-For": f"203.0.113.{number}"},
        )
        for number in range(CHAT_LIMIT + 1)
    ]
    assert refused(statuses) == [False] * CHAT_LIMIT + [True]


def test_an_address_sent_straight_to_the_service_is_ignored(behind_proxy):
    _, direct = behind_proxy
    statuses = [
        post(direct, "/api/chat", "127.0.0.5", headers={"X-Forwarded-For": f"203.0.113.{number}"})
        for number in range(CHAT_LIMIT + 1)
    ]
    assert refused(statuses) == [False] * CHAT_LIMIT + [True]


def test_the_limit_holds_across_both_workers(behind_proxy):
    proxy, _ = behind_proxy
    # Many at once, each on its own connection: the proxy opens several to
    # the service, and the two workers share them. Counted apart, each
    # worker would let the limit through.
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(
            pool.map(
                lambda _: post(proxy.url, "/api/session", "127.0.0.6", tls=proxy.tls),
                range(SESSION_LIMIT * 4),
            )
        )
    assert sum(not refused_ for refused_ in refused(statuses)) == SESSION_LIMIT


def test_the_widget_on_the_proxys_own_site_may_start_a_conversation(behind_proxy):
    proxy, _ = behind_proxy
    status = post(
        proxy.url, "/api/session", "127.0.0.7", tls=proxy.tls, headers={"Origin": proxy.url}
    )
    assert status == 200
