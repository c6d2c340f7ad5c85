"""Rasa's Redis lock store, with each change to a conversation's lock made atomically.

When several Rasa servers share the conversations, the lock store makes a
conversation's messages wait their turn, so that two servers never load the
same conversation at once and save over each other. Rasa 3.6's
``RedisLockStore`` changes a lock by reading it, changing it in Python and
writing it back: two servers taking a ticket at the same moment can both read
"no one waiting", both be served at once, and one message's events are lost.
tests/test_scale_out.py showed it: two messages sent to the two servers at
once, and one of them was missing from the conversation in about one run in
two.

Here every read-change-write runs as a Redis transaction on the lock's key
(WATCH, then MULTI/EXEC, tried again if another server changed the lock in
between), so tickets are handed out and returned one at a time. Everything
else, including the ticket rules and the waiting, is Rasa's own.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional, Tuple

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Any]]


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store whose ticket changes are Redis transactions.

    Named in ``endpoints.yml`` as ``type: bot.lock_store.AtomicRedisLockStore``
    with ``url``, ``port``, ``db`` and, if set, ``password`` as for Rasa's own.
    """

    def __init__(self, endpoint_config: Any = None, **settings: Any) -> None:
        # Rasa passes a lock store named by class path only its endpoint.
        if endpoint_config is not None:
            settings = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        super().__init__(**settings)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Returning the ticket and deleting an empty lock are one change: apart,
        # a ticket issued in between would be deleted with the lock.
        def finish_and_tidy(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
                if not lock.is_someone_waiting():
                    lock = None
            return lock, None

        self._change(conversation_id, finish_and_tidy)

    def _change(self, conversation_id: str, change: Change) -> Any:
        """Applies ``change`` to the stored lock (None: delete it) as one transaction."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else None
                    lock, result = change(lock)
                    pipe.multi()
                    if lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another server changed the lock first: read it again
