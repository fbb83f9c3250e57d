"""Keys that sign e-licences: their own setting, never derived from ``SECRET_KEY``.

``LICENCE_SIGNING_KEYS`` lists ``"kid:secret"`` entries, newest first. New licences are
signed with the first; every listed key still verifies the licences it signed (each licence
stores its key id), so a key is rotated by putting a new one in front and kept for as long
as licences signed with it are in force. A licence whose key id is not listed fails its
check (``licence_tampered``): nobody can vouch for it any more.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
# The development default carries this key id; it is refused when DEBUG is off.
DEV_KEY_ID = "dev"
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class SigningKey:
    kid: str
    secret: bytes

    def __repr__(self) -> str:  # never print the secret
        return f"SigningKey({self.kid!r})"


def parse_keys(entries: list[str]) -> tuple[list[SigningKey], list[str]]:
    """The keys of ``entries`` and, separately, what is wrong with the entries."""
    keys: list[SigningKey] = []
    problems: list[str] = []
    for index, entry in enumerate(entries, start=1):
        kid, sep, secret = entry.strip().partition(":")
        if not sep or not KEY_ID.match(kid) or not secret:
            problems.append(f"entry {index} is not 'kid:secret' (kid: letters, digits, _ . -)")
            continue
        if any(key.kid == kid for key in keys):
            problems.append(f"key id {kid!r} is listed twice")
            continue
        keys.append(SigningKey(kid, secret.encode()))
    return keys, problems


def signing_keys() -> list[SigningKey]:
    """The configured keys, newest first; a malformed setting is refused, not half-used."""
    keys, problems = parse_keys(list(settings.LICENCE_SIGNING_KEYS))
    if problems:
        raise ImproperlyConfigured("LICENCE_SIGNING_KEYS: " + "; ".join(problems))
    return keys


def current_key() -> SigningKey:
    """The key new licences are signed with (the first listed)."""
    keys = signing_keys()
    if not keys:
        raise ImproperlyConfigured("LICENCE_SIGNING_KEYS is empty: no key to sign licences.")
    return keys[0]


def key_for(kid: str) -> SigningKey | None:
    """The listed key with this id, or None (retired or never known)."""
    return next((key for key in signing_keys() if key.kid == kid), None)
