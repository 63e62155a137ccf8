"""Rounds, deadlines by urgency, round closure, handback and the data-minimised offer."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from brokerage.domain.award import Acceptance
from brokerage.domain.cascade import (
    MANUAL_ROUND,
    HandbackNoticeError,
    after_round,
    check_handback_notice,
    plan_from_round,
    reoffer_start,
)
from brokerage.domain.eligibility import Candidate, SkipReason
from brokerage.domain.offers import (
    BidRequiredError,
    OfferClosedError,
    OfferState,
    OfferStatus,
    OfferView,
    PackageFacts,
    check_answerable,
    check_bid,
    deadline_for,
    offer_view,
    round_is_closed,
    to_expire,
)
from brokerage.domain.rules import CouncilRules, OfferDeadlines
from shared.contracts.common import Outcome, VisitPatternEntry

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RULES = CouncilRules()


@pytest.mark.parametrize(
    ("rules", "urgency", "deadline"),
    [
        (RULES, "urgent", T0 + timedelta(hours=2)),
        (RULES, "standard", T0 + timedelta(hours=24)),
        (CouncilRules(deadlines=OfferDeadlines(urgent_minutes=45)), "urgent", T0 + timedelta(minutes=45)),
    ],
)
def test_deadline_by_urgency(rules: CouncilRules, urgency: str, deadline: datetime) -> None:
    assert deadline_for(T0, urgency, rules) == deadline  # type: ignore[arg-type]


def offer(n: int, status: OfferStatus, hours: int = 2) -> OfferState:
    return OfferState(UUID(int=100 + n), UUID(int=n), status, T0 + timedelta(hours=hours))


@pytest.mark.parametrize(
    ("offers", "now", "closed"),
    [
        ([offer(1, OfferStatus.OPEN), offer(2, OfferStatus.DECLINED)], T0 + timedelta(hours=1), False),
        ([offer(1, OfferStatus.ACCEPTED), offer(2, OfferStatus.DECLINED)], T0 + timedelta(hours=1), True),
        ([offer(1, OfferStatus.OPEN)], T0 + timedelta(hours=2), True),  # the deadline itself closes it
        ([], T0, True),
    ],
)
def test_round_closes_at_deadline_or_when_all_answered(offers: list[OfferState], now: datetime, closed: bool) -> None:
    assert round_is_closed(offers, now) is closed


def test_open_offers_past_deadline_expire() -> None:
    offers = [offer(1, OfferStatus.OPEN), offer(2, OfferStatus.ACCEPTED), offer(3, OfferStatus.OPEN, hours=5)]
    assert to_expire(offers, T0 + timedelta(hours=3)) == [UUID(int=101)]


@pytest.mark.parametrize(
    ("status", "now", "ok"),
    [
        (OfferStatus.OPEN, T0, True),
        (OfferStatus.OPEN, T0 + timedelta(hours=2), False),
        (OfferStatus.DECLINED, T0, False),
        (OfferStatus.WITHDRAWN, T0, False),
    ],
)
def test_check_answerable(status: OfferStatus, now: datetime, ok: bool) -> None:
    if ok:
        check_answerable(status, T0 + timedelta(hours=2), now)
    else:
        with pytest.raises(OfferClosedError):
            check_answerable(status, T0 + timedelta(hours=2), now)


@pytest.mark.parametrize(
    ("rule", "bid", "ok"),
    [
        ("lowest_ongoing_rate", Decimal("18.50"), True),
        ("lowest_ongoing_rate", None, False),
        ("price_quality_weighted", Decimal("0"), False),
        ("fixed_price_quality", None, True),
    ],
)
def test_check_bid(rule: str, bid: Decimal | None, ok: bool) -> None:
    rules = CouncilRules(award_rule=rule)  # type: ignore[arg-type]
    if ok:
        check_bid(bid, rules)
    else:
        with pytest.raises(BidRequiredError):
            check_bid(bid, rules)


def cand(n: int, reason: SkipReason | None = None) -> Candidate:
    return Candidate(UUID(int=n), reason)


def test_plan_skips_a_round_where_everyone_is_skipped() -> None:
    by_round = {1: [cand(1, SkipReason.NO_CAPACITY)], 2: [cand(2), cand(3, SkipReason.OVER_SHARE_CAP)]}
    plan = plan_from_round(1, RULES, by_round.__getitem__)
    assert plan.round_number == 2
    assert [c.provider_id.int for c in plan.offerees] == [2]
    assert plan.passed_over == {1: by_round[1]}


def test_plan_with_nobody_left_is_unplaced() -> None:
    by_round = {1: [], 2: [cand(2, SkipReason.BARRED_FROM_ENABLEMENT)]}
    plan = plan_from_round(1, RULES, by_round.__getitem__)
    assert plan.round_number is None
    assert plan.passed_over == by_round


def test_one_round_councils_never_reach_supplementary() -> None:
    by_round = {1: [], 2: [cand(2)]}
    plan = plan_from_round(1, CouncilRules(rounds=1), by_round.__getitem__)
    assert plan.round_number is None


def test_after_round() -> None:
    accepted = Acceptance(UUID(int=1), T0, Decimal(80), Decimal(0))
    assert after_round(1, [accepted], RULES).winner == accepted
    assert after_round(1, [], RULES).next_round == 2
    nobody = after_round(2, [], RULES)
    assert (nobody.winner, nobody.next_round) == (None, None)
    manual = after_round(MANUAL_ROUND, [], RULES)  # staff's own round goes back to the queue
    assert (manual.winner, manual.next_round) == (None, None)


@pytest.mark.parametrize(
    ("notice", "ok"),
    [(date(2026, 12, 7), True), (date(2026, 12, 6), False), (date(2026, 11, 1), False)],
)
def test_handback_needs_the_minimum_notice(notice: date, ok: bool) -> None:
    today = date(2026, 11, 23)  # 14 days' notice: 7 December at the earliest
    if ok:
        check_handback_notice(notice, today, RULES)
    else:
        with pytest.raises(HandbackNoticeError):
            check_handback_notice(notice, today, RULES)


def test_reoffer_starts_the_day_after_notice() -> None:
    assert reoffer_start(date(2026, 11, 1), date(2026, 12, 7)) == date(2026, 12, 8)
    assert reoffer_start(date(2027, 1, 1), date(2026, 12, 7)) == date(2027, 1, 1)


def test_offer_view_is_data_minimised() -> None:
    facts = PackageFacts(
        package_id=uuid.uuid4(),
        zone_id="st-austell",
        postcode="PL25 5AB",
        service_type="enablement",
        outcomes=[Outcome(code="meal", description="can make a hot meal unaided")],
        visit_pattern=[VisitPatternEntry(days=["mon"], start="08:00", duration_minutes=30)],
        weekly_hours=Decimal("0.50"),
        start_date=date(2026, 12, 1),
        urgency="urgent",
    )
    view = offer_view(
        facts,
        offer_id=uuid.uuid4(),
        round_number=1,
        status=OfferStatus.OPEN,
        offered_at=T0,
        deadline=T0 + timedelta(hours=2),
        hourly_rate=Decimal("24.00"),
        rules=CouncilRules(award_rule="lowest_ongoing_rate"),
    )
    body = view.model_dump_json()
    assert view.postcode_district == "PL25"
    assert "5AB" not in body
    assert view.bid_required is True
    forbidden = {"name", "given_name", "family_name", "nhs_number", "address", "date_of_birth", "postcode"}
    assert forbidden.isdisjoint(OfferView.model_fields)
