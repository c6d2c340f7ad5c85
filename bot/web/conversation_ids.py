"""Conversation ids: unguessable, and checkable by any worker without shared state.

An id is 24 random bytes and a signature of them made with the service's
secret. Only ids this service issued pass, so nobody can talk into someone
else's conversation by guessing, nor make up ids to fill the tracker store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

SENDER = re.compile(r"^[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{22}$")


def _signature(secret: bytes, random_part: str) -> str:
    digest = hmac.new(secret, random_part.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


def new_conversation_id(secret: bytes) -> str:
    """Returns a fresh, signed conversation id."""
    random_part = secrets.token_urlsafe(24)
    return f"{random_part}.{_signature(secret, random_part)}"


def is_conversation_id(secret: bytes, candidate: object) -> bool:
    """Returns whether the candidate is an id this service issued."""
    if not isinstance(candidate, str) or not SENDER.match(candidate):
        return False
    random_part, signature = candidate.split(".")
    return hmac.compare_digest(signature, _signature(secret, random_part))


def looks_like_conversation_id(candidate: str) -> bool:
    """Returns whether a string has the shape of a conversation id (signed or not)."""
    return bool(SENDER.match(candidate))
