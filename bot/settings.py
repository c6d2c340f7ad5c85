"""Settings of the concern store, from the environment, with safe local defaults.

Defaults suit one machine: an SQLite file and a key file in ``var/`` (ignored
by git), both created on first use. In production set
``CONCERNS_DATABASE_URL`` (any SQLAlchemy URL, e.g. PostgreSQL) and
``CONCERNS_KEY`` (a Fernet key) instead, and ``CONVERSATIONS_DATABASE_URL``
for the conversations Rasa keeps (``bot/storage/tracker_store.py``), sealed with the
same key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

import sqlalchemy as sa
from cryptography.fernet import MultiFernet

from bot.storage.concerns import ConcernStore, load_or_create_key
from bot.storage.concerns.records import keyring

PROJECT_DIR = Path(__file__).resolve().parent.parent
# 90 days: long enough for the concern team to act and for a follow-up, short
# enough that reports about people are not kept without purpose.
DEFAULT_RETENTION_DAYS = 90
# A day: long enough to come back to a conversation the same evening, short
# enough that what people typed does not linger once they have gone.
DEFAULT_CONVERSATION_IDLE_HOURS = 24
DEFAULT_CONVERSATIONS_KEPT = 500
# The longest message, and the longest answer a form takes: long enough for a
# detailed account, short enough to stay one chat message. The web service
# refuses longer ones (WEB_MESSAGE_LIMIT may lower it); the action server
# checks again, as it can be reached without the web service.
MESSAGE_LIMIT = 2000
# Where the service keeps what people report, and the keys that seal it: a
# throwaway stack (the tests, the benchmark) must never inherit these from
# the shell that starts it, or it would write into a real store.
STORE_SETTINGS = (
    "CONCERNS_DATABASE_URL",
    "CONCERNS_KEY",
    "CONCERNS_KEY_FILE",
    "CONCERNS_OLD_KEYS",
    "CONVERSATIONS_DATABASE_URL",
)
ENDPOINTS_FILE = PROJECT_DIR / "endpoints.yml"
# The action server endpoints.yml names, as `make run` starts it.
DEFAULT_ACTIONS_URL = "http://127.0.0.1:5055"


def endpoints_with_actions_at(actions_url: str, *, selective_domain: bool = True) -> str:
    """Returns endpoints.yml as it would read for an action server at ``actions_url``.

    For a stack started on other ports (the tests, the benchmark); with
    ``selective_domain`` off, each action gets the whole domain, as Rasa ships.
    """
    text = ENDPOINTS_FILE.read_text().replace(DEFAULT_ACTIONS_URL, actions_url)
    if not selective_domain:
        text = text.replace("enable_selective_domain: true", "enable_selective_domain: false")
    return text


def data_dir_from(environ: Mapping[str, str]) -> Path:
    """Returns where local data (database, keys) lives: CONCERNS_DATA_DIR or ``var/``."""
    return Path(environ.get("CONCERNS_DATA_DIR", PROJECT_DIR / "var"))


def make_sqlite_dir(url: str) -> None:
    """Creates the directory of an SQLite database file, so first use needs no set-up."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


@dataclass(frozen=True)
class Settings:
    """Where the concern store lives and how long it keeps submissions."""

    database_url: str
    key: Optional[bytes]
    old_keys: Tuple[bytes, ...]
    key_file: Path
    retention_days: int
    conversations_url: str
    conversation_idle_hours: float
    # How many conversations each Rasa process keeps decrypted in memory, so
    # that a message reads only its new rows (bot/storage/tracker_store.py); 0 keeps
    # none and reads every conversation whole, as Rasa does.
    conversations_kept: int = DEFAULT_CONVERSATIONS_KEPT

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> Settings:
        """Returns the settings from environment variables, defaulting to ``var/``."""
        environ = os.environ if environ is None else environ
        data_dir = data_dir_from(environ)
        key = environ.get("CONCERNS_KEY")
        return cls(
            database_url=environ.get(
                "CONCERNS_DATABASE_URL", f"sqlite:///{data_dir / 'concerns.db'}"
            ),
            key=key.encode() if key else None,
            old_keys=tuple(
                old.strip().encode()
                for old in environ.get("CONCERNS_OLD_KEYS", "").split(",")
                if old.strip()
            ),
            key_file=Path(environ.get("CONCERNS_KEY_FILE", data_dir / "concerns.key")),
            retention_days=int(environ.get("CONCERNS_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)),
            conversations_url=environ.get(
                "CONVERSATIONS_DATABASE_URL", f"sqlite:///{data_dir / 'conversations.db'}"
            ),
            conversation_idle_hours=float(
                environ.get("CONVERSATIONS_IDLE_HOURS", DEFAULT_CONVERSATION_IDLE_HOURS)
            ),
            conversations_kept=int(
                environ.get("CONVERSATIONS_KEPT_IN_MEMORY", DEFAULT_CONVERSATIONS_KEPT)
            ),
        )

    def cipher(self) -> MultiFernet:
        """Returns the cipher that seals with the current key and opens with any."""
        key = self.key or load_or_create_key(self.key_file)
        return keyring(key, self.old_keys)

    def open_store(self) -> ConcernStore:
        """Returns a store on the configured database, its tables created."""
        if self.database_url.startswith("sqlite:///"):
            make_sqlite_dir(self.database_url)
            # Writers queue for up to 30 s instead of failing at once with
            # "database is locked" when several submit together.
            engine = sa.create_engine(self.database_url, connect_args={"timeout": 30})
        else:
            engine = sa.create_engine(self.database_url, pool_pre_ping=True)
        store = ConcernStore(
            engine, self.key or load_or_create_key(self.key_file), old_keys=self.old_keys
        )
        store.create_schema()
        return store


def language_servers(environ: Mapping[str, str]) -> Dict[str, Tuple[str, ...]]:
    """Returns, for each language other than English, the Rasa servers that speak it.

    ``RASA_URL_PL=http://...`` (comma-separated, as ``RASA_URL``) offers Polish
    with its own assistant; the code is lower-cased. English is ``RASA_URL``.
    """
    servers: Dict[str, Tuple[str, ...]] = {}
    for name, value in environ.items():
        if name.startswith("RASA_URL_") and len(name) == len("RASA_URL_") + 2:
            urls = tuple(url.strip().rstrip("/") for url in value.split(",") if url.strip())
            if urls:
                servers[name[len("RASA_URL_") :].lower()] = urls
    return servers


@dataclass(frozen=True)
class WebSettings:
    """How the public web service and the staff API run, from the environment."""

    rasa_urls: Tuple[str, ...]
    actions_url: str
    rasa_timeout: float
    allowed_origins: Tuple[str, ...]
    session_secret_file: Path
    session_secret: Optional[bytes]
    message_limit: int
    requests_per_minute: int
    # The force's reverse proxy, by the address it connects from: only its
    # X-Forwarded-For is believed. Empty: nobody's is.
    trusted_proxies: Tuple[str, ...] = ()
    # Where every worker and web server counts the rate limits together. Unset:
    # each worker counts alone (docs/deploy.md).
    limits_redis_url: Optional[str] = None
    # The other languages offered, each with its own Rasa servers
    # (RASA_URL_<CODE>, see language_servers).
    language_urls: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> WebSettings:
        """Returns the settings from environment variables, with local defaults."""
        environ = os.environ if environ is None else environ
        data_dir = data_dir_from(environ)
        secret = environ.get("WEB_SESSION_SECRET")
        return cls(
            # Several Rasa servers (comma-separated) share the conversations
            # through the tracker and lock stores: each message goes to the
            # next, and to another if one cannot be reached.
            rasa_urls=tuple(
                url.strip().rstrip("/")
                for url in environ.get("RASA_URL", "http://127.0.0.1:5005").split(",")
                if url.strip()
            ),
            # Checked before each message is passed on: with the action server
            # down, Rasa would run half a turn and answer without the actions.
            # Empty turns the check off.
            actions_url=environ.get("ACTIONS_URL", DEFAULT_ACTIONS_URL).rstrip("/"),
            # Long enough for a slow first reply, short enough that a person
            # waiting is soon told to call 999 or 101 instead.
            rasa_timeout=float(environ.get("RASA_TIMEOUT_SECONDS", "15")),
            allowed_origins=tuple(
                origin.strip().rstrip("/")
                for origin in environ.get("WEB_ALLOWED_ORIGINS", "").split(",")
                if origin.strip()
            ),
            session_secret_file=Path(
                environ.get("WEB_SESSION_SECRET_FILE", data_dir / "web_session.key")
            ),
            session_secret=secret.encode() if secret else None,
            message_limit=int(environ.get("WEB_MESSAGE_LIMIT", MESSAGE_LIMIT)),
            requests_per_minute=int(environ.get("WEB_REQUESTS_PER_MINUTE", "30")),
            trusted_proxies=tuple(
                address.strip()
                for address in environ.get("WEB_TRUSTED_PROXIES", "").split(",")
                if address.strip()
            ),
            limits_redis_url=environ.get("WEB_LIMITS_REDIS_URL") or None,
            language_urls=language_servers(environ),
        )

    def load_session_secret(self) -> bytes:
        """Returns the key that signs conversation ids, creating its file if need be."""
        return self.session_secret or load_or_create_key(self.session_secret_file)
