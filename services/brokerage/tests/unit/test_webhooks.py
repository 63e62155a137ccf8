"""Webhook signatures and the 24-hour exponential backoff."""

from datetime import UTC, datetime, timedelta

import pytest
from brokerage.domain.webhooks import RetryPolicy, SignatureError, sign, signature_header, verify
from hypothesis import given
from hypothesis import strategies as st

SECRET = "whsec_test"
BODY = b'{"type":"brokerage.package.offered"}'


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    # Worked with: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac k
    assert sign("k", 1_700_000_000, b'{"a":1}') == ("1b6ad1bc9bf48c52ce01939866d5877c6cc4e87ddad27e16673cb8c4964394a3")


def test_a_good_signature_verifies() -> None:
    header = signature_header(SECRET, 1_700_000_000, BODY)
    verify(SECRET, header, BODY, now=1_700_000_100)


@pytest.mark.parametrize(
    ("header_secret", "body", "now", "message"),
    [
        ("other", BODY, 1_700_000_000, "does not match"),
        (SECRET, BODY + b" ", 1_700_000_000, "does not match"),
        (SECRET, BODY, 1_700_000_301, "stale"),
    ],
)
def test_bad_signatures_are_refused(header_secret: str, body: bytes, now: int, message: str) -> None:
    header = signature_header(header_secret, 1_700_000_000, BODY)
    with pytest.raises(SignatureError, match=message):
        verify(SECRET, header, body, now=now)


@pytest.mark.parametrize("header", ["", "v1=abc", "t=x,v1=abc", "t=1700000000"])
def test_malformed_headers_are_refused(header: str) -> None:
    with pytest.raises(SignatureError, match="malformed"):
        verify(SECRET, header, BODY, now=1_700_000_000)


@given(secret=st.text(min_size=1), body=st.binary(), ts=st.integers(min_value=0, max_value=4_000_000_000))
def test_sign_then_verify_round_trips(secret: str, body: bytes, ts: int) -> None:
    verify(secret, signature_header(secret, ts, body), body, now=ts)


POLICY = RetryPolicy()


@pytest.mark.parametrize(
    ("failures", "delay"),
    [
        (1, timedelta(seconds=30)),
        (2, timedelta(minutes=1)),
        (3, timedelta(minutes=2)),
        (8, timedelta(seconds=30 * 128)),  # 64 minutes
        (9, timedelta(hours=2)),  # 128 minutes capped at 2 hours
        (500, timedelta(hours=2)),
    ],
)
def test_backoff_doubles_up_to_the_cap(failures: int, delay: timedelta) -> None:
    assert POLICY.delay_after(failures) == delay


def test_schedule_covers_24_hours_and_stops() -> None:
    # 0, then +0.5, 1, 2, 4, 8, 16, 32, 64 minutes (total 127.5 min), then every 2 hours
    # while inside 24 h: 127.5 + 2h*n <= 1440 -> n <= 10 (1327.5 min). 1 + 8 + 10 = 19 attempts.
    schedule = POLICY.schedule()
    assert len(schedule) == 19
    assert schedule[:4] == [
        timedelta(0),
        timedelta(seconds=30),
        timedelta(seconds=90),
        timedelta(seconds=210),
    ]
    assert schedule[-1] == timedelta(minutes=1327.5)
    assert schedule[-1] <= POLICY.window < schedule[-1] + POLICY.cap


def test_next_attempt_is_none_past_the_window() -> None:
    created = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert POLICY.next_attempt(created, created, 1) == created + timedelta(seconds=30)
    late = created + timedelta(hours=23)
    assert POLICY.next_attempt(created, late, 9) is None
