"""The services some tests need, PostgreSQL and Redis, as `make services` starts them.

A test asks here for the URL of the service it needs. When the service is not
running, the test is skipped with a loud reason on a developer's machine, and
fails under CI (``CI=true``): CI must never pass with these tests unrun.
"""

from __future__ import annotations

import os
from typing import Iterator
from urllib.parse import urlsplit

import pytest

from tests.faults import Relay

POSTGRES = "CONCERNS_TEST_DATABASE_URL"
REDIS = "TEST_REDIS_URL"
NAMES = {POSTGRES: "PostgreSQL", REDIS: "Redis"}


def service_url(variable: str, needed_for: str) -> str:
    """Returns the running service's URL; skips the test, or under CI fails it, if none."""
    url = os.environ.get(variable)
    if url:
        return url
    message = (
        f"!!! {NAMES[variable]} is not running ({variable} unset): start it with "
        f"`make services`; {needed_for} did not run !!!"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def relay_to(variable: str, needed_for: str) -> Iterator[Relay]:
    """Yields a relay to the running service that a test can cut; closes it after."""
    relay = Relay(urlsplit(service_url(variable, needed_for)).port)
    yield relay
    relay.close()
