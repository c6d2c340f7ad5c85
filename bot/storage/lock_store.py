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

Here each change to a lock is one Lua script run inside Redis (Redis runs a
script alone, start to finish), so tickets are handed out and returned one at
a time, and each change is one round trip instead of Rasa's three or four.
The script keeps Rasa's ticket rules (numbers count up from the last ticket
still alive, a ticket past its time is dropped) and writes the lock in Rasa's
own JSON, so Rasa's ``get_lock`` and the waiting between tickets stay Rasa's.
"""

from __future__ import annotations

import time
from typing import Any, Optional

from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

# KEYS[1] is the lock. ARGV: what to do, the time now (the caller's clock, as
# Rasa's own expiry checks use), the conversation, then the new ticket's
# lifetime ("issue") or the ticket to return ("finish", "finish_and_tidy").
# Answers the new ticket's number for "issue", nothing otherwise.
CHANGE_LOCK = """
local what, now = ARGV[1], tonumber(ARGV[2])
local stored = redis.call('GET', KEYS[1])
if not stored and what ~= 'issue' then return false end
local conversation, tickets = ARGV[3], {}
if stored then
  local lock = cjson.decode(stored)
  conversation = lock.conversation_id
  for _, text in ipairs(lock.tickets or {}) do
    local ticket = cjson.decode(text)
    if ticket.expires >= now then table.insert(tickets, ticket) end
  end
end
local issued = false
if what == 'issue' then
  issued = 0
  if #tickets > 0 then issued = tickets[#tickets].number + 1 end
  table.insert(tickets, {number = issued, expires = now + tonumber(ARGV[4])})
elseif what == 'finish' or what == 'finish_and_tidy' then
  for index, ticket in ipairs(tickets) do
    if ticket.number == tonumber(ARGV[4]) then table.remove(tickets, index) break end
  end
end
if what == 'finish_and_tidy' and #tickets == 0 then
  redis.call('DEL', KEYS[1])
  return false
end
local written = {}
for index, ticket in ipairs(tickets) do
  written[index] = cjson.encode(string.format(
    '{"number": %d, "expires": %.6f}', ticket.number, ticket.expires))
end
redis.call('SET', KEYS[1], string.format('{"conversation_id": %s, "tickets": [%s]}',
  cjson.encode(conversation), table.concat(written, ', ')))
return issued
"""


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store whose ticket changes are each one script in Redis.

    Named in ``endpoints.yml`` as ``type: bot.storage.lock_store.AtomicRedisLockStore``
    with ``url``, ``port``, ``db`` and, if set, ``password`` as for Rasa's own.
    """

    def __init__(self, endpoint_config: Any = None, **settings: Any) -> None:
        # Rasa passes a lock store named by class path only its endpoint.
        if endpoint_config is not None:
            settings = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        super().__init__(**settings)
        # Sent by its hash after the first time (EVALSHA), loaded again if
        # Redis has restarted and forgotten it.
        self._change_lock = self.red.register_script(CHANGE_LOCK)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return int(self._change(conversation_id, "issue", lock_lifetime))
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, "drop_expired")

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, "finish", ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Returning the ticket and deleting an empty lock are one change: apart,
        # a ticket issued in between would be deleted with the lock.
        self._change(conversation_id, "finish_and_tidy", ticket_number)

    def _change(self, conversation_id: str, what: str, number: float = 0) -> Optional[int]:
        return self._change_lock(
            keys=[self.key_prefix + conversation_id],
            args=[what, repr(time.time()), conversation_id, repr(number)],
        )
