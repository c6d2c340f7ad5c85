"""Talk to the running assistant in the terminal (start it first with `make run`)."""

from __future__ import annotations

import asyncio
import os
import uuid

from rasa.core.channels import console

RASA_URL = os.environ.get("RASA_URL", "http://127.0.0.1:5005")


def main() -> None:
    """Opens a new conversation with a fresh, random sender id."""
    print("Type your message and press Enter. Type /stop or press Ctrl-C to finish.")
    try:
        asyncio.run(console.record_messages(sender_id=uuid.uuid4().hex, server_url=RASA_URL))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
