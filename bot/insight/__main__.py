"""``make insight``: writes the insight page from the daily counts.

Usage: python -m bot.insight [--out results/insight.html] [--days 91]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from bot.insight.daily import SHOWN_DAYS, first_day_shown, read_counts
from bot.insight.page import render
from bot.settings import Settings
from bot.storage.conversations import open_conversations


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Write the comms team's insight page.")
    parser.add_argument("--out", type=Path, default=Path("results/insight.html"))
    parser.add_argument(
        "--days", type=int, default=SHOWN_DAYS, help="how many days back to show (13 weeks)"
    )
    args = parser.parse_args(argv)
    since = first_day_shown(args.days)
    counts = read_counts(open_conversations(Settings.from_env()), since=since)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(counts), encoding="utf-8")
    print(f"insight: wrote {args.out} ({len(counts)} daily counts since {since.isoformat()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
