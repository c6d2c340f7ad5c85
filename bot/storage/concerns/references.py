"""References and follow-up phrases: what a person is given to come back with.

The one place that says what a reference looks like: the store draws them, the
follow-up form finds them in what people type, the staff tools tidy them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Optional

# No 0/O or 1/I: a reference is read out over the phone and copied by hand.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_PREFIX = "CON"
# A reference as people type it: any case, with spaces, hyphens or nothing
# between the parts. The look-alikes the alphabet leaves out are caught too,
# so that find_reference can refuse them rather than miss them.
_TYPED_REFERENCE = re.compile(r"\bCON[\s-]*([A-Z0-9]{4})[\s-]*([A-Z0-9]{4})\b", re.IGNORECASE)

# Short, common, unambiguous words: the phrase is written down or remembered.
FOLLOW_UP_WORDS = (
    "amber apple arrow autumn badger basket beach berry birch blossom bridge brook "
    "butter candle canal castle cedar cherry clover cloud comet copper coral cotton "
    "crystal daisy dawn desert dolphin dragon eagle ember falcon feather fern field "
    "flame forest fossil fox garden ginger glacier granite harbour hazel heather "
    "hedge heron honey island ivory jasmine kettle lantern lemon lilac lily maple "
    "marble meadow melon mint moon moss mountain needle nutmeg oak ocean olive "
    "orange orchard otter owl paper pebble pepper pine planet plum pond poppy "
    "puffin quartz rabbit rain raven ribbon river robin rose saffron salmon sand "
    "shell silver sky snow sparrow spring star stone storm summer sun swan thistle "
    "thunder tiger timber tulip valley velvet violet walnut willow winter wren"
).split()
# The shape of a phrase once normalised: three words and a two-digit number.
PHRASE_SHAPE = re.compile(r"^[a-z]+-[a-z]+-[a-z]+-\d{2}$")
# scrypt at n=2**14 takes tens of milliseconds: cheap once, costly to guess at scale.
SCRYPT_PARAMS = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def new_reference() -> str:
    """Returns a random reference such as CON-7KQM-PX3D, unrelated to the content."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{REFERENCE_PREFIX}-{chars[:4]}-{chars[4:]}"


def find_reference(text: str) -> Optional[str]:
    """Returns the reference written somewhere in ``text``, tidied, or None.

    "my ref is con 7kqm px3d" gives "CON-7KQM-PX3D". A reference the store
    could never have drawn (with 0, O, 1 or I in it) is None: the person is
    asked again rather than told, later, that it is unknown.
    """
    found = _TYPED_REFERENCE.search(text)
    if found is None:
        return None
    chars = (found.group(1) + found.group(2)).upper()
    if any(ch not in REFERENCE_ALPHABET for ch in chars):
        return None
    return f"{REFERENCE_PREFIX}-{chars[:4]}-{chars[4:]}"


def normalise_reference(reference: str) -> str:
    """Tidies a typed reference: " con 7kqm px3d" -> "CON-7KQM-PX3D".

    Anything that is not a reference comes back stripped and cut short, so a
    wrong try is still recorded against what was typed.
    """
    return find_reference(reference) or reference.strip()[:40]


def new_follow_up_phrase() -> str:
    """Returns a short secret phrase such as "otter-maple-river-42"."""
    words = [secrets.choice(FOLLOW_UP_WORDS) for _ in range(3)]
    return "-".join([*words, f"{secrets.randbelow(90) + 10}"])


def normalise_phrase(phrase: str) -> str:
    """Lower-cases and joins with hyphens, so "Otter Maple River 42" is accepted."""
    return "-".join(phrase.lower().replace("-", " ").split())


def hash_phrase(phrase: str, *, salt: Optional[bytes] = None) -> str:
    """Returns a salted scrypt hash of the phrase, as text."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(normalise_phrase(phrase).encode(), salt=salt, **SCRYPT_PARAMS)
    return f"scrypt${salt.hex()}${digest.hex()}"


def phrase_matches(phrase: str, stored_hash: str) -> bool:
    """Tells whether the phrase is the one behind the stored hash."""
    try:
        _, salt_hex, _ = stored_hash.split("$")
        expected = hash_phrase(phrase, salt=bytes.fromhex(salt_hex))
    except ValueError:
        return False
    return hmac.compare_digest(expected, stored_hash)
