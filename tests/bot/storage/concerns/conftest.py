"""What the concern store's tests share: a store on SQLite whose clocks a test moves by hand."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from bot.storage.concerns import ConcernStore

START = dt.datetime(2026, 3, 2, 9, 0)


class Clock:
    """The store's "now", moved on by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


class WallClock:
    """The authenticator's time, in seconds; moved on by whole 30-second steps."""

    def __init__(self) -> None:
        self.seconds = 1_800_000_000.0

    def __call__(self) -> float:
        return self.seconds

    def code(self, account, steps_on: int = 0) -> str:
        """Returns the account's authenticator code now, or ``steps_on`` steps later."""
        return pyotp.TOTP(account.totp_secret).at(self.seconds + 30 * steps_on)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def wall():
    return WallClock()


@pytest.fixture
def console_store(tmp_path, clock, wall):
    """A store for the console's accounts and sessions, on the two clocks below."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'concerns.db'}")
    store = ConcernStore(engine, Fernet.generate_key(), clock=clock)
    store.create_schema()
    store.credentials.wall_clock = wall
    yield store
    engine.dispose()


@pytest.fixture
def audited(console_store):
    """Returns the audit log's actions so far (of one actor, if named)."""

    def actions(actor=None):
        trail = console_store.audit.audit_trail()
        return [row["action"] for row in trail if actor is None or row["actor"] == actor]

    return actions
