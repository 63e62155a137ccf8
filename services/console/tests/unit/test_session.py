"""The session cookie: sealed, authenticated and expiring."""

from __future__ import annotations

import time

import pytest
from console.session import SessionSeal, StaffSession

ALEX = StaffSession(key="hc_abc_secret", name="Alex Penrose", role="payments_staff")


def test_a_sealed_session_opens_again_and_does_not_show_the_key() -> None:
    seal = SessionSeal("s3cret", minutes=60)
    token = seal.seal(ALEX)
    assert "hc_abc_secret" not in token
    assert "Alex" not in token
    assert seal.open(token) == ALEX


def test_a_tampered_foreign_or_missing_cookie_opens_nothing() -> None:
    seal = SessionSeal("s3cret", minutes=60)
    token = seal.seal(ALEX)
    middle = len(token) // 2
    assert seal.open(token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]) is None
    assert SessionSeal("another", minutes=60).open(token) is None
    assert SessionSeal(None, minutes=60).open(token) is None
    assert seal.open(None) is None
    assert seal.open("") is None
    assert seal.open("not a token") is None


def test_a_session_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    seal = SessionSeal("s3cret", minutes=5)
    token = seal.seal(ALEX)
    later = time.time() + 5 * 60 + 1
    monkeypatch.setattr("cryptography.fernet.time.time", lambda: later)
    assert seal.open(token) is None
