"""Webhook signing (HMAC-SHA256 over timestamp and body) and the retry schedule."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

SIGNATURE_HEADER = "X-Homecare-Signature"


class SignatureError(ValueError):
    """A signature header that is malformed, stale, or does not match."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"{timestamp}.{body}"`` under the provider's secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The header value ``t=<unix seconds>,v1=<hex>``; the timestamp is signed so replays go stale."""
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance_seconds: int = 300) -> None:
    """What a receiver does: raise unless the header signs ``body`` and is recent enough."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if "t" not in parts or "v1" not in parts or not parts["t"].isdigit():
        raise SignatureError("malformed signature header")
    timestamp = int(parts["t"])
    if abs(now - timestamp) > tolerance_seconds:
        raise SignatureError("stale signature")
    if not hmac.compare_digest(sign(secret, timestamp, body), parts["v1"]):
        raise SignatureError("signature does not match")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff: ``base`` doubling per failure up to ``cap``, for ``window`` after creation."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=2)
    window: timedelta = timedelta(hours=24)

    def delay_after(self, failures: int) -> timedelta:
        """The wait after the ``failures``-th failed attempt (1-based)."""
        if failures < 1:
            raise ValueError("failures counts from 1")
        # Capping the exponent first keeps the multiplication small for long outages.
        exponent = min(failures - 1, 32)
        return min(self.base * (2**exponent), self.cap)

    def next_attempt(self, created_at: datetime, failed_at: datetime, failures: int) -> datetime | None:
        """When to try again after a failure, or None once the next try would fall past the window."""
        candidate = failed_at + self.delay_after(failures)
        return candidate if candidate <= created_at + self.window else None

    def schedule(self) -> list[timedelta]:
        """Offsets from creation of every attempt if each fails instantly: the first is at zero."""
        offsets = [timedelta(0)]
        failures = 0
        while True:
            failures += 1
            following = offsets[-1] + self.delay_after(failures)
            if following > self.window:
                return offsets
            offsets.append(following)
