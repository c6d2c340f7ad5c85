"""What keeps the web services safe to face the internet: limits, headers, plain errors.

Shared by the public service and the staff API. Every error becomes a short
JSON answer with the right status: never a stack trace, never an HTML page.
"""

from __future__ import annotations

import collections
import logging
import re
import time
from typing import Deque, Dict, Optional

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


def client_address(request: Request) -> str:
    """Returns the client's address, as Sanic determined it (proxies configured)."""
    return request.remote_addr or request.ip or "unknown"


def origin_of(request: Request) -> Optional[str]:
    """Returns the request's Origin header, without a trailing slash."""
    origin = request.headers.get("origin")
    return origin.rstrip("/") if origin else None
