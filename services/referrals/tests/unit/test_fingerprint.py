"""Idempotency-key body fingerprints."""

from hypothesis import given
from hypothesis import strategies as st
from referrals.domain.fingerprint import body_fingerprint, is_replay


def test_key_order_does_not_matter() -> None:
    assert body_fingerprint({"a": 1, "b": {"c": [1, 2]}}) == body_fingerprint({"b": {"c": [1, 2]}, "a": 1})


def test_a_changed_value_is_a_different_body() -> None:
    first = body_fingerprint({"weekly_hours": "12.00"})
    assert not is_replay(first, {"weekly_hours": "12.50"})
    assert is_replay(first, {"weekly_hours": "12.00"})


def test_list_order_matters() -> None:
    assert body_fingerprint({"days": ["mon", "tue"]}) != body_fingerprint({"days": ["tue", "mon"]})


def test_hand_worked_digest() -> None:
    # sha256 of the canonical text '{"a":1}'
    assert body_fingerprint({"a": 1}) == "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"


@given(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=6))
def test_a_body_is_always_a_replay_of_itself(body: dict[str, object]) -> None:
    shuffled = dict(reversed(list(body.items())))
    assert is_replay(body_fingerprint(body), shuffled)
