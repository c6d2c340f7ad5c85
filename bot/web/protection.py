"""What keeps the web services safe to face the internet: limits, headers, plain errors.

Shared by the public service and the staff API. Every error becomes a short
JSON answer with the right status: never a stack trace, never an HTML page.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import ipaddress
import logging
import re
import time
import uuid
from typing import Any, Collection, Deque, Dict, Optional

from sanic import Request, response
from sanic.exceptions import InvalidUsage, NotFound, SanicException
from sanic.handlers import ErrorHandler
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

# Our own pages load nothing from anywhere else: no third-party scripts,
# fonts, images or analytics, and no page may frame them.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    # Nothing a person typed may be kept by a browser or proxy cache.
    "Cache-Control": "no-store",
}
# Shown whenever the assistant cannot answer: who may be in danger hears 999.
SAFE_DEFAULT = (
    "I'm sorry, I can't answer just now. If anyone is in danger, call 999. "
    "Otherwise you can call 101 at any time, day or night."
)


class RateLimiter:
    """Allows each client a number of requests per minute (a sliding window).

    Kept in memory per worker process: with several workers a client gets up
    to that many times the limit, which still stops a flood from one address.
    ``SharedRateLimiter`` counts for all of them together.
    """

    def __init__(self, per_minute: int, *, clock=time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._seen: Dict[str, Deque[float]] = collections.defaultdict(collections.deque)
        self._last_sweep = clock()

    def allow(self, client: str) -> bool:
        """Records a request from the client; returns whether it is within the limit."""
        now = self.clock()
        window = self._seen[client]
        while window and now - window[0] >= 60:
            window.popleft()
        if now - self._last_sweep >= 60:
            self._sweep(now)
        if len(window) >= self.per_minute:
            return False
        window.append(now)
        return True

    def _sweep(self, now: float) -> None:
        """Forgets clients not seen for a minute, so memory stays bounded."""
        for client in [c for c, w in self._seen.items() if not w or now - w[-1] >= 60]:
            del self._seen[client]
        self._last_sweep = now

    async def admit(self, client: str) -> bool:
        """The same as ``allow``, awaited as the shared limiter is."""
        return self.allow(client)


# One client's last minute of requests, as a sorted set of their times: drop
# what is older than the window, refuse when it is full, else add this one.
# One script, so that two workers counting at the same moment cannot both
# take the last place.
SLIDING_WINDOW = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then
  return 0
end
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, window)
return 1
"""


class SharedRateLimiter:
    """The per-minute limit of ``RateLimiter``, counted in Redis for every worker.

    Clients are named in Redis by a keyed hash of their address, never the
    address itself. If Redis cannot answer, this worker counts alone until it
    can: a person in danger must never be turned away by a store being down.

    Args:
        redis: a ``redis.asyncio`` client.
        per_minute: requests allowed to each client in any minute.
        name: which limit this is ("chat", "session"), part of each key.
        secret: the key of the hash that names clients.
    """

    def __init__(self, redis: Any, per_minute: int, *, name: str, secret: bytes) -> None:
        self.per_minute = per_minute
        self.prefix = f"welfare:limit:{name}:"
        self.secret = secret
        self.alone = RateLimiter(per_minute)
        self._script = redis.register_script(SLIDING_WINDOW)
        self._store_down = False

    def key(self, client: str) -> str:
        """Returns the Redis key that counts the client's requests."""
        digest = hmac.new(self.secret, client.encode(), hashlib.sha256).hexdigest()
        return self.prefix + digest[:32]

    async def admit(self, client: str) -> bool:
        """Records a request from the client; returns whether it is within the limit."""
        now_ms = int(time.time() * 1000)
        try:
            allowed = await self._script(
                keys=[self.key(client)],
                args=[now_ms, 60_000, self.per_minute, f"{now_ms}-{uuid.uuid4().hex[:12]}"],
            )
        except Exception as error:  # noqa: BLE001 - any failure of the store: count alone
            if not self._store_down:
                logger.warning(
                    "rate limits: store unavailable (%s), counting in this worker",
                    type(error).__name__,
                )
            self._store_down = True
            return self.alone.allow(client)
        if self._store_down:
            logger.info("rate limits: store available again")
            self._store_down = False
        return bool(allowed)


def json_error(message: str, status: int) -> HTTPResponse:
    """Returns an error as JSON: {"error": message}."""
    return response.json({"error": message}, status=status)


class JSONErrorHandler(ErrorHandler):
    """Answers every error as short JSON with its status; logs only what and where."""

    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        """Returns the error as JSON; unexpected ones as a plain 500."""
        if isinstance(exception, (OSError, ValueError)) and serves_files(request):
            # Sanic's file handler lets through what the file system says of
            # odd names (a directory, a NUL byte, a name too long): not found.
            exception = NotFound("Not found")
        if isinstance(exception, SanicException):
            status = getattr(exception, "status_code", 500) or 500
            if status < 500:
                return json_error(self._public_message(status), status)
        logger.error(
            "unexpected error on %s %s: %s",
            request.method,
            request.path,
            type(exception).__name__,
        )
        return json_error("Something went wrong. " + SAFE_DEFAULT, 500)

    @staticmethod
    def _public_message(status: int) -> str:
        return {
            400: "The request was not understood.",
            401: "Authentication is required.",
            403: "Not allowed.",
            404: "Not found.",
            405: "Method not allowed.",
            413: "The request is too large.",
        }.get(status, "The request could not be handled.")


# Content-Length as RFC 9112 has it: digits only.
CONTENT_LENGTH = re.compile(r"[0-9]+")


def refuse_unclear_framing(request: Request) -> None:
    """Refuses (400) a request whose body has no single, plain length; for the
    ``http.lifecycle.request`` signal, which runs before Sanic reads the body.

    Sanic 21.12 takes the first Content-Length as a number unchecked: "abc"
    (or a Transfer-Encoding other than chunked) was a 500, and "-1" sent the
    worker into a loop that answered no one again. Two lengths, or a length
    and chunks, are how requests are smuggled past a proxy.
    """
    lengths = {value.strip() for value in request.headers.getall("content-length", [])}
    encodings = request.headers.getall("transfer-encoding", [])
    if encodings:
        if lengths or encodings != ["chunked"]:
            raise InvalidUsage("Bad Request")
    elif len(lengths) > 1 or any(not CONTENT_LENGTH.fullmatch(value) for value in lengths):
        raise InvalidUsage("Bad Request")


def serves_files(request: Request) -> bool:
    """Returns whether the request was routed to a static file directory."""
    route = getattr(request, "route", None)
    return bool(route and getattr(route.ctx, "static", False))


def add_security_headers(request: Request, response_: HTTPResponse) -> None:
    """Adds the security headers to every response."""
    for name, value in SECURITY_HEADERS.items():
        response_.headers.setdefault(name, value)


def client_address(request: Request, trusted_proxies: Collection[str] = ()) -> str:
    """Returns the address of the person's browser, for the rate limits.

    Behind the force's proxy every request comes from the proxy, which names
    the browser last in X-Forwarded-For. That header is believed only when the
    request comes from a trusted proxy: anyone else can write it, and would
    get a fresh limit with every value they made up. Sanic's own settings for
    this (PROXIES_COUNT) believe the header from whoever sends it.
    """
    peer = request.ip or "unknown"
    if peer not in trusted_proxies:
        return peer
    forwarded = ",".join(request.headers.getall("x-forwarded-for", []))
    named = [part.strip() for part in forwarded.split(",") if part.strip()]
    if not named:
        return peer
    try:
        return str(ipaddress.ip_address(named[-1]))
    except ValueError:
        return peer


def origin_of(request: Request) -> Optional[str]:
    """Returns the request's Origin header, without a trailing slash."""
    origin = request.headers.get("origin")
    return origin.rstrip("/") if origin else None


def own_origin(request: Request, trusted_proxies: Collection[str] = ()) -> str:
    """Returns this service's own origin as the browser sees it.

    Behind the force's TLS proxy the browser speaks https to the proxy, which
    says so in X-Forwarded-Proto; believed, like the address, only from it.
    """
    scheme = request.scheme
    if request.ip in trusted_proxies:
        forwarded = (request.headers.get("x-forwarded-proto") or "").strip().lower()
        if forwarded in ("http", "https"):
            scheme = forwarded
    return f"{scheme}://{request.host}"
