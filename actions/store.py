"""The concern store as the action server sees it: opened on first use, then kept.

Opening it reads the settings from the environment (see ``bot/settings.py``)
and creates the tables if need be, so nothing happens at import and the action
server starts even while the database is down. A failed opening is not kept:
the next report tries again.
"""

from __future__ import annotations

import threading
from typing import Optional

from bot.settings import Settings
from bot.storage.concerns import ConcernStore

_lock = threading.Lock()
_store: Optional[ConcernStore] = None


def concern_store() -> ConcernStore:
    """Returns the shared store, opening it on first use."""
    global _store
    with _lock:
        if _store is None:
            _store = Settings.from_env().open_store()
        return _store


def retention_days() -> int:
    """Returns how many days reports are kept, as the store's settings say."""
    return Settings.from_env().retention_days
