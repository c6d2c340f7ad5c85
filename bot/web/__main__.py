"""Runs the public web service or the staff API.

    python -m bot.web public [--host 127.0.0.1] [--port 8000] [--workers 1]
    python -m bot.web staff  [--host 127.0.0.1] [--port 8001]

The ports default to WEB_PORT and STAFF_PORT from the environment. With
DEPLOYMENT=production each refuses to start while a secret it needs is
missing (see bot/serve.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    """Starts the chosen service and serves until stopped."""
    parser = argparse.ArgumentParser(prog="python -m bot.web", description=__doc__.split("\n")[0])
    parser.add_argument("service", choices=("public", "staff"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    from bot.serve import RefusedToStart, check_staff_tokens, refuse_unless_ready

    try:
        refuse_unless_ready(args.service, os.environ)
        if args.service == "staff":
            check_staff_tokens()
    except RefusedToStart as refusal:
        print(refusal, file=sys.stderr)
        return 2
    # Our own lines (ids, timings, statuses: never message text) go to stderr
    # beside Sanic's; Sanic keeps its own logging set-up.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    ours = logging.getLogger("bot")
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)

    if args.service == "public":
        from bot.web.public import create_app

        app = create_app()
        port = args.port or int(os.environ.get("WEB_PORT", "8000"))
    else:
        from bot.web.staff import create_staff_app

        app = create_staff_app()
        port = args.port or int(os.environ.get("STAFF_PORT", "8001"))
    # Sanic's access log would record paths and statuses only, but ours says
    # as much with timings, so one log line per request is enough.
    app.run(host=args.host, port=port, workers=args.workers, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
