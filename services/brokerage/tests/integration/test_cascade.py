"""Rounds and skips, the queue and manual placement, handback and re-offer, and referral changes."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from shared.clock import london_date, utcnow
from shared.contracts.referrals import ReferralAmended, ReferralEnded, ReferralSuspended
from shared.testing.stack import wait_for


async def open_offer(stack: Any, provider_id: uuid.UUID, package_id: uuid.UUID) -> tuple[str, dict[str, str]]:
    headers = await stack.as_provider(provider_id)
    listed = (await stack.client.get("/v1/offers", params={"status": "open"}, headers=headers)).json()["items"]
    mine = [o for o in listed if o["package_id"] == str(package_id)]
    assert len(mine) == 1, listed
    return mine[0]["offer_id"], headers


async def hold_hours(stack: Any, provider_id: uuid.UUID, hours: str) -> None:
    """Give a provider an existing placed package in z1 of ``hours`` a week."""
    await stack.sql(
        """INSERT INTO brokerage.package (id, status, zone_id, postcode, person, service_type, urgency, weekly_hours,
             visit_pattern, outcomes, payment_basis, funding, start_date, submitted_at, provider_id)
           VALUES (:id, 'awarded', 'z1', 'PL25 1AA', '{}', 'ongoing_support', 'standard', :h, '[]', '[]',
             'time_and_task', '{}', '2026-01-01', now(), :p)""",
        id=uuid.uuid4(),
        h=Decimal(hours),
        p=provider_id,
    )


async def test_skips_are_recorded_and_round_two_goes_to_supplementary(stack: Any, make_referral: Any) -> None:
    await stack.setup_dps()
    willing = await stack.admit("willing")
    barred = await stack.admit("barred", enablement_allowed=False)
    full = await stack.admit("full", weekly_capacity_hours="3")
    big = await stack.admit("big", weekly_capacity_hours="1000")
    await hold_hours(stack, big, "396")  # (396 + 5) / 1000 planned = 40.1% > the 40% cap
    supplementary = await stack.admit("supp", zones=[{"zone_id": "z1", "status": "supplementary"}])
    ref = make_referral(service_type="enablement")  # 5 hours a week
    await stack.publish([(ref, str(ref.referral_id))])
    await stack.settled(ref.referral_id, "offering")

    offers = await stack.offers(ref.referral_id)
    assert [(o["provider_id"], o["round"]) for o in offers] == [(willing, 1)]
    skips = {s["provider_id"]: s["reason"] for s in await stack.sql("SELECT * FROM brokerage.round_skip")}
    assert skips == {barred: "barred_from_enablement", full: "no_capacity", big: "over_share_cap"}

    offer, headers = await open_offer(stack, willing, ref.referral_id)
    declined = await stack.client.post(
        f"/v1/offers/{offer}/decline", json={"reason_code": "no_staff_in_area"}, headers=headers
    )
    assert declined.status_code == 200
    await wait_round(stack, ref.referral_id, 2)
    offer2, headers2 = await open_offer(stack, supplementary, ref.referral_id)
    assert (await stack.client.post(f"/v1/offers/{offer2}/accept", json={}, headers=headers2)).status_code == 200
    assert (await stack.settled(ref.referral_id, "awarded"))["provider_id"] == supplementary
    answered = await stack.events("brokerage.package.offer_answered", ref.referral_id)
    assert [(e["answer"], e["reason_code"]) for e in answered] == [("declined", "no_staff_in_area"), ("accepted", None)]


async def wait_round(stack: Any, package_id: uuid.UUID, number: int) -> None:
    async def reached() -> bool:
        rows = await stack.sql("SELECT current_round FROM brokerage.package WHERE id = :id", id=package_id)
        return bool(rows and rows[0]["current_round"] == number)

    await wait_for(reached, timeout=20, message=f"round {number}")


async def test_nobody_accepts_then_staff_award_by_hand(stack: Any, make_referral: Any) -> None:
    await stack.setup_dps({"rounds": 1})
    only = await stack.admit("only")
    other = await stack.admit("other", zones=[])
    ref = make_referral()
    await stack.publish([(ref, str(ref.referral_id))])
    await stack.settled(ref.referral_id, "offering")
    offer, headers = await open_offer(stack, only, ref.referral_id)
    await stack.client.post(f"/v1/offers/{offer}/decline", json={"reason_code": "no_capacity"}, headers=headers)
    await stack.settled(ref.referral_id, "unplaced")
    (unplaced,) = await stack.events("brokerage.package.unplaced", ref.referral_id)
    assert unplaced["reason"] == "no provider accepted"

    queue = (await stack.client.get("/v1/queue", headers=stack.admin)).json()
    assert [q["package"]["id"] for q in queue] == [str(ref.referral_id)]
    # Staff see the offer it had and how it was answered, in the queue and on its own.
    [queued_offer] = queue[0]["offers"]
    assert (queued_offer["id"], queued_offer["provider_id"], queued_offer["round"]) == (offer, str(only), 1)
    assert (queued_offer["status"], queued_offer["decline_reason"]) == ("declined", "no_capacity")
    offers = await stack.client.get(f"/v1/packages/{ref.referral_id}/offers", headers=stack.admin)
    assert offers.json() == queue[0]["offers"]
    assert (await stack.client.get(f"/v1/packages/{uuid.uuid4()}/offers", headers=stack.admin)).status_code == 404
    assert (await stack.client.get(f"/v1/packages/{ref.referral_id}/offers", headers=headers)).status_code == 403

    no_reason = await stack.client.post(
        f"/v1/packages/{ref.referral_id}/award", json={"provider_id": str(other)}, headers=stack.admin
    )
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]
    manual = await stack.client.post(
        f"/v1/packages/{ref.referral_id}/award",
        json={"provider_id": str(other), "reason": "agreed by phone"},
        headers=stack.admin,
    )
    assert manual.status_code == 200, manual.text
    (event,) = await stack.events("brokerage.package.awarded", ref.referral_id)
    assert (event["provider_id"], event["award_method"], event["award_reason"]) == (
        str(other),
        "manual",
        "agreed by phone",
    )
    again = await stack.client.post(
        f"/v1/packages/{ref.referral_id}/award",
        json={"provider_id": str(only), "reason": "changed mind"},
        headers=stack.admin,
    )
    assert again.status_code == 409


async def test_no_zone_goes_to_the_queue_and_staff_offer_to_named_providers(stack: Any, make_referral: Any) -> None:
    await stack.setup_dps()
    named = await stack.admit("named")
    ref = make_referral(postcode="TR1 1AA")
    await stack.publish([(ref, str(ref.referral_id))])
    queued = await stack.settled(ref.referral_id, "queued")
    assert queued["zone_id"] is None
    without_zone = await stack.client.post(
        f"/v1/packages/{ref.referral_id}/offers", json={"provider_ids": [str(named)]}, headers=stack.admin
    )
    assert [e["field"] for e in without_zone.json()["errors"]] == ["zone_id"]
    offered = await stack.client.post(
        f"/v1/packages/{ref.referral_id}/offers",
        json={"provider_ids": [str(named)], "zone_id": "z1"},
        headers=stack.admin,
    )
    assert offered.status_code == 201, offered.text
    offer, headers = await open_offer(stack, named, ref.referral_id)
    assert (await stack.client.post(f"/v1/offers/{offer}/accept", json={}, headers=headers)).status_code == 200
    assert (await stack.settled(ref.referral_id, "awarded"))["provider_id"] == named


async def test_handback_is_re_offered_without_the_provider_who_gave_it_back(stack: Any, make_referral: Any) -> None:
    await stack.setup_dps()
    first, second = await stack.admit("first"), await stack.admit("second")
    await stack.score(first, "90")
    await stack.score(second, "50")
    ref = make_referral()
    await stack.publish([(ref, str(ref.referral_id))])
    await stack.settled(ref.referral_id, "offering")
    for provider_id in (first, second):
        offer, headers = await open_offer(stack, provider_id, ref.referral_id)
        await stack.client.post(f"/v1/offers/{offer}/accept", json={}, headers=headers)
    assert (await stack.settled(ref.referral_id, "awarded"))["provider_id"] == first

    first_headers = await stack.as_provider(first)
    today = london_date(utcnow())
    too_soon = await stack.client.post(
        f"/v1/packages/{ref.referral_id}/handbacks",
        json={"notice_date": str(today + timedelta(days=3)), "reason": "staff left"},
        headers=first_headers,
    )
    assert too_soon.status_code == 422
    assert [e["field"] for e in too_soon.json()["errors"]] == ["notice_date"]
    not_theirs = await stack.client.post(
        f"/v1/packages/{ref.referral_id}/handbacks",
        json={"notice_date": str(today + timedelta(days=20)), "reason": "x"},
        headers=await stack.as_provider(second),
    )
    assert not_theirs.status_code == 404

    notice = today + timedelta(days=20)
    handed = await stack.client.post(
        f"/v1/packages/{ref.referral_id}/handbacks",
        json={"notice_date": str(notice), "reason": "staff left"},
        headers=first_headers,
    )
    assert handed.status_code == 202, handed.text
    (event,) = await stack.events("brokerage.package.handed_back", ref.referral_id)
    assert (event["provider_id"], event["notice_date"]) == (str(first), str(notice))

    reoffered = await stack.settled(ref.referral_id, "offering")
    assert reoffered["start_date"] == max(date(2026, 12, 1), notice + timedelta(days=1))
    current = [o for o in await stack.offers(ref.referral_id) if o["cascade"] == reoffered["cascade"]]
    assert [o["provider_id"] for o in current] == [second]
    skips = await stack.sql(
        "SELECT provider_id, reason FROM brokerage.round_skip WHERE cascade = :c", c=reoffered["cascade"]
    )
    assert skips == [{"provider_id": first, "reason": "handed_back"}]
    # The provider who handed it back no longer sees the person.
    assert (await stack.client.get(f"/v1/packages/{ref.referral_id}", headers=first_headers)).status_code == 404


async def test_amendments_flow_into_offers_and_an_end_withdraws_them(stack: Any, make_referral: Any) -> None:
    await stack.setup_dps()
    provider_id = await stack.admit("p")
    ref = make_referral()
    await stack.publish([(ref, str(ref.referral_id))])
    await stack.settled(ref.referral_id, "offering")
    # A new pattern without its hours: 90 minutes x 5 days = 7.5 carer hours.
    amended = ReferralAmended(
        referral_id=ref.referral_id,
        effective_from=date(2026, 12, 1),
        visit_pattern=[{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "duration_minutes": 90}],  # type: ignore[list-item]
    )
    await stack.publish([(amended, str(ref.referral_id))])

    headers = await stack.as_provider(provider_id)

    async def amended_view() -> bool:
        items = (await stack.client.get("/v1/offers", headers=headers)).json()["items"]
        return bool(items and items[0]["weekly_hours"] == "7.50")

    await wait_for(amended_view, timeout=20, message="amended offer")
    suspended = ReferralSuspended(referral_id=ref.referral_id, reason="hospital_admission", from_date=date(2026, 12, 3))
    await stack.publish([(suspended, str(ref.referral_id))])

    async def suspension_recorded() -> bool:
        return (await stack.package(ref.referral_id))["suspended_from"] == date(2026, 12, 3)

    await wait_for(suspension_recorded, timeout=20, message="suspension")
    ended = ReferralEnded(referral_id=ref.referral_id, end_date=date(2026, 11, 30), reason="deceased")
    await stack.publish([(ended, str(ref.referral_id))])
    await stack.settled(ref.referral_id, "ended")
    (offer,) = await stack.offers(ref.referral_id)
    assert offer["status"] == "withdrawn"
    (event,) = await stack.events("brokerage.package.ended", ref.referral_id)
    assert (event["end_date"], event["reason"], event["provider_id"]) == ("2026-11-30", "deceased", None)
