"""Pure pieces of the platform: settings, money, envelope, keys, logging."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
import structlog
from pydantic import ValidationError
from shared.auth.keys import hash_secret, matches, new_key, parse_key
from shared.contracts.payments import PeriodApproved
from shared.contracts.referrals import ReferralCancelled
from shared.logging import configure_logging
from shared.messaging.envelope import (
    UnknownEventType,
    build_envelope,
    envelope_to_dict,
    parse_envelope,
    registered_event_types,
)
from shared.money import from_pence, round_pennies, split_by_shares, to_pence
from shared.settings import ServiceSettings, to_asyncpg_dsn, to_sqlalchemy_url


class _Prefixed(ServiceSettings):
    model_config = ServiceSettings.model_config | {"env_prefix": "DEMO_"}


def test_settings_take_the_prefixed_value_over_the_shared_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://shared/db")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "shared:9092")
    monkeypatch.setenv("DEMO_KAFKA_BOOTSTRAP_SERVERS", "own:9092")
    s = _Prefixed()
    assert s.database_url == "postgresql://shared/db"
    assert s.kafka_bootstrap_servers == "own:9092"


def test_database_url_forms() -> None:
    assert to_asyncpg_dsn("postgresql+asyncpg://u@h:1/d") == "postgresql://u@h:1/d"
    assert to_sqlalchemy_url("postgres://u@h/d") == "postgresql+asyncpg://u@h/d"
    assert to_sqlalchemy_url("postgresql+asyncpg://u@h/d") == "postgresql+asyncpg://u@h/d"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("1.005", "1.01"), ("1.004", "1.00"), ("2.675", "2.68"), ("-1.005", "-1.01"), ("0.5", "0.50")],
)
def test_rounding_is_half_up_to_the_penny(amount: str, expected: str) -> None:
    assert round_pennies(Decimal(amount)) == Decimal(expected)


def test_pence_round_trip() -> None:
    assert to_pence(Decimal("18.525")) == 1853
    assert from_pence(1853) == Decimal("18.53")


@pytest.mark.parametrize(
    ("amount", "share", "first", "second"),
    [("100.01", "0.5", "50.01", "50.00"), ("10.00", "0.3333", "3.33", "6.67"), ("0.01", "0.5", "0.01", "0.00")],
)
def test_split_by_shares_leaves_no_penny_unaccounted(amount: str, share: str, first: str, second: str) -> None:
    a, b = split_by_shares(Decimal(amount), Decimal(share))
    assert (a, b) == (Decimal(first), Decimal(second))
    assert a + b == Decimal(amount)


def test_envelope_round_trips_with_its_typed_payload() -> None:
    rid = uuid.uuid4()
    env = build_envelope(
        ReferralCancelled(referral_id=rid, reason="duplicate"), subject=str(rid), source="/t", correlation_id="c-1"
    )
    raw = json.dumps(envelope_to_dict(env))
    parsed = parse_envelope(raw)
    assert isinstance(parsed.data, ReferralCancelled)
    assert parsed.data.referral_id == rid
    assert parsed.type == "referrals.referral.cancelled"
    assert parsed.specversion == "1.0"
    assert parsed.correlationid == "c-1"
    assert parsed.time.tzinfo is not None


def test_every_topic_has_its_event_types_registered() -> None:
    types = registered_event_types()
    assert "brokerage.package.awarded" in types
    assert "monitoring.visit.completed" in types
    assert all(t.startswith(cls.topic + ".") for t, cls in types.items())


def test_an_unknown_type_is_refused() -> None:
    raw = {
        "id": str(uuid.uuid4()),
        "source": "/x",
        "type": "nope.nope.x",
        "subject": "s",
        "time": "2026-01-01T00:00:00Z",
    }
    with pytest.raises(UnknownEventType):
        parse_envelope(raw)


def test_an_event_time_without_an_offset_is_refused() -> None:
    fields = {
        "period_id": str(uuid.uuid4()),
        "start_date": "2026-11-02",
        "end_date": "2026-11-29",
        "approved_by": "Head of finance",
        "totals": [],
    }
    # A naive time is ambiguous around the clocks changing: no event may carry one.
    with pytest.raises(ValidationError, match="timezone"):
        PeriodApproved.model_validate({**fields, "approved_at": "2026-11-30T09:00:00"})
    approved = PeriodApproved.model_validate({**fields, "approved_at": "2026-11-30T09:00:00+00:00"})
    assert approved.approved_at.utcoffset() is not None


def test_api_keys_are_checked_against_their_hash_only() -> None:
    cid = uuid.uuid4()
    key = new_key(cid)
    assert parse_key(key) == cid
    stored = hash_secret(key)
    assert key not in stored
    assert matches(key, stored)
    assert not matches(key + "x", stored)
    assert parse_key("hc_nothex_secret") is None
    assert parse_key("bearer-something") is None


def test_logs_never_carry_personal_data(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("test")
    structlog.get_logger().info("referral_received", nhs_number="9434765919", family_name="Smith", zone="z1")
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["nhs_number"] == "[redacted]"
    assert line["family_name"] == "[redacted]"
    assert line["zone"] == "z1"
    assert line["service"] == "test"
