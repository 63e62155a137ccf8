"""Idempotency keys: a replay is recognised by the fingerprint of the body it carries."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def body_fingerprint(body: Any) -> str:
    """SHA-256 of the body as canonical JSON (sorted keys, no spaces).

    Pass the parsed, JSON-ready body (``model.model_dump(mode="json")``) so that key order and
    whitespace do not make the same request look different.
    """
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def is_replay(stored_fingerprint: str, body: Any) -> bool:
    """Whether a request under an already-used key carries the same body (else it is a conflict)."""
    return stored_fingerprint == body_fingerprint(body)
