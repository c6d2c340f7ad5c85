"""What the action tests share: the real domain, as Rasa sends it to the action server."""

from __future__ import annotations

import functools
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=1)
def real_domain() -> dict:
    """Returns domain.yml as the dictionary the action server receives."""
    from rasa.shared.core.domain import Domain

    return Domain.load(PROJECT_DIR / "domain.yml").as_dict()
