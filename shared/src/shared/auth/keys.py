"""API keys: ``hc_<client id hex>_<secret>``; only a SHA-256 of the secret is stored.

The secret is 256 random bits, so a fast hash is safe here (no dictionary to attack), and the
lookup by client id keeps verification one indexed read.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

PREFIX = "hc"


def new_key(client_id: uuid.UUID) -> str:
    """A fresh key for a client."""
    return f"{PREFIX}_{client_id.hex}_{secrets.token_urlsafe(32)}"


def hash_secret(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def parse_key(key: str) -> uuid.UUID | None:
    """The client id a key names, or None if the key is malformed."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    try:
        return uuid.UUID(hex=parts[1])
    except ValueError:
        return None


def matches(key: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented key with its stored hash."""
    return hmac.compare_digest(hash_secret(key), stored_hash)
