"""The staff session: the staff member's own API key, sealed in an HttpOnly cookie.

The cookie is encrypted and authenticated (Fernet: AES-128-CBC and HMAC-SHA256) with an expiry, so the
browser holds nothing it can read or forge, and the key never reaches page script or logs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import asdict, dataclass

from cryptography.fernet import Fernet, InvalidToken

COOKIE = "hc_console_session"


@dataclass(frozen=True)
class StaffSession:
    """Who is signed in: their key (sent to the services on their behalf), name and role."""

    key: str
    name: str
    role: str


class SessionSeal:
    """Seals and opens session cookies with the console's secret."""

    def __init__(self, secret: str | None, minutes: int) -> None:
        material = secret if secret else secrets.token_urlsafe(32)
        self._fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(material.encode()).digest()))
        self.seconds = minutes * 60

    def seal(self, session: StaffSession) -> str:
        """The cookie value for a session."""
        return self._fernet.encrypt(json.dumps(asdict(session)).encode()).decode()

    def open(self, token: str | None) -> StaffSession | None:
        """The session in a cookie; None when absent, tampered with, sealed by another secret or expired."""
        if not token:
            return None
        try:
            raw = json.loads(self._fernet.decrypt(token.encode(), ttl=self.seconds))
            return StaffSession(key=str(raw["key"]), name=str(raw["name"]), role=str(raw["role"]))
        except (InvalidToken, ValueError, KeyError, TypeError):
            return None
