"""The cascade from a consumed referral to an award, under each of the three award rules."""

from __future__ import annotations

import json
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer
from shared.testing.stack import wait_for


async def on_broker(bootstrap: str, topic: str, event_type: str) -> list[tuple[bytes, dict[str, Any]]]:
    """Every (key, envelope) of a type on a topic, as other services would consume them."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=1500)
    finally:
        await consumer.stop()
    found = [(r.key, json.loads(r.value)) for records in batches.values() for r in records]
    return [(k, e) for k, e in found if e["type"] == event_type]


async def open_offer(stack: Any, provider_id: uuid.UUID, package_id: uuid.UUID) -> tuple[str, dict[str, str]]:
    """The provider's open offer of the package, and the provider's headers."""
    headers = await stack.as_provider(provider_id)
    listed = (await stack.client.get("/v1/offers", params={"status": "open"}, headers=headers)).json()["items"]
    mine = [o for o in listed if o["package_id"] == str(package_id)]
    assert len(mine) == 1, listed
    return mine[0]["offer_id"], headers


async def submit(stack: Any, ref: Any) -> uuid.UUID:
    await stack.publish([(ref, str(ref.referral_id))])
    await stack.package(ref.referral_id)
    return ref.referral_id  # type: ignore[no-any-return]


async def test_fixed_price_quality_best_score_wins_and_only_the_winner_sees_the_person(
    stack: Any, make_referral: Any
) -> None:
    await stack.setup_dps({"award_rule": "fixed_price_quality"})
    a, b = await stack.admit("a"), await stack.admit("b")
    c = await stack.admit("c", zones=[{"zone_id": "z1", "status": "supplementary"}])
    await stack.score(a, "70")
    await stack.score(b, "90")
    package_id = await submit(stack, make_referral())
    await stack.settled(package_id, "offering")

    offer_a, headers_a = await open_offer(stack, a, package_id)
    offer_b, headers_b = await open_offer(stack, b, package_id)
    headers_c = await stack.as_provider(c)
    # Round 1 is prime only: the supplementary provider has nothing yet.
    assert (await stack.client.get("/v1/offers", headers=headers_c)).json()["items"] == []

    shown = await stack.client.get(f"/v1/offers/{offer_a}", headers=headers_a)
    for personal in ("Trelawny", "Morwenna", "9434765919", "Fore Street", "5AB", "1938"):
        assert personal not in shown.text
    assert shown.json()["postcode_district"] == "PL25"
    assert shown.json()["weekly_hours"] == "5.00"
    assert shown.json()["hourly_rate"] == "22.00"  # the zone's fixed price for ongoing support

    # Another provider's offer does not exist for you.
    assert (await stack.client.post(f"/v1/offers/{offer_a}/accept", json={}, headers=headers_c)).status_code == 404
    assert (await stack.client.get(f"/v1/offers/{offer_a}", headers=headers_b)).status_code == 404

    assert (await stack.client.post(f"/v1/offers/{offer_a}/accept", json={}, headers=headers_a)).status_code == 200
    assert (await stack.client.post(f"/v1/offers/{offer_b}/accept", json={}, headers=headers_b)).status_code == 200
    awarded = await stack.settled(package_id, "awarded")
    assert awarded["provider_id"] == b

    # The round is closed: answering again conflicts.
    again = await stack.client.post(f"/v1/offers/{offer_a}/decline", json={"reason_code": "other"}, headers=headers_a)
    assert again.status_code == 409

    (event,) = await stack.events("brokerage.package.awarded", package_id)
    assert event["provider_id"] == str(b)
    assert (event["hourly_rate"], event["pricing_level"], event["zone_id"]) == ("22.00", "urban", "z1")
    assert event["rates"] == [{"from_date": "2026-04-01", "hourly_rate": "22.00"}]
    assert event["award_method"] == "rule"
    assert "person" not in event
    assert "nhs_number" not in str(event)

    winner_view = await stack.client.get(f"/v1/packages/{package_id}", headers=headers_b)
    assert winner_view.status_code == 200
    assert winner_view.json()["person"]["nhs_number"] == "9434765919"
    assert (await stack.client.get(f"/v1/packages/{package_id}", headers=headers_a)).status_code == 404
    assert (await stack.client.get(f"/v1/packages/{package_id}", headers=headers_c)).status_code == 404
    listed = (await stack.client.get("/v1/packages", headers=headers_a)).json()["items"]
    assert listed == []

    async def relayed() -> list[tuple[bytes, dict[str, Any]]]:
        found = await on_broker(stack.bootstrap, "brokerage.package", "brokerage.package.awarded")
        return [(k, e) for k, e in found if e["subject"] == str(package_id)]

    ((key, envelope),) = await wait_for(relayed, timeout=20, message="awarded event on the broker")
    assert key == str(package_id).encode()
    assert envelope["data"]["provider_id"] == str(b)


async def test_lowest_ongoing_rate_needs_a_bid_and_the_lowest_wins(stack: Any, make_referral: Any) -> None:
    await stack.setup_dps({"award_rule": "lowest_ongoing_rate", "enablement_weeks": 6})
    a, b = await stack.admit("a"), await stack.admit("b")
    package_id = await submit(stack, make_referral(service_type="enablement"))
    await stack.settled(package_id, "offering")
    offer_a, headers_a = await open_offer(stack, a, package_id)
    offer_b, headers_b = await open_offer(stack, b, package_id)

    no_bid = await stack.client.post(f"/v1/offers/{offer_a}/accept", json={}, headers=headers_a)
    assert no_bid.status_code == 422
    assert [e["field"] for e in no_bid.json()["errors"]] == ["ongoing_hourly_rate"]
    three_places = await stack.client.post(
        f"/v1/offers/{offer_a}/accept", json={"ongoing_hourly_rate": "21.405"}, headers=headers_a
    )
    assert three_places.status_code == 422

    bid_a = {"ongoing_hourly_rate": "21.40"}
    bid_b = {"ongoing_hourly_rate": "20.95"}
    assert (await stack.client.post(f"/v1/offers/{offer_a}/accept", json=bid_a, headers=headers_a)).status_code == 200
    assert (await stack.client.post(f"/v1/offers/{offer_b}/accept", json=bid_b, headers=headers_b)).status_code == 200
    await stack.settled(package_id, "awarded")
    (event,) = await stack.events("brokerage.package.awarded", package_id)
    # Enablement is paid at the zone's enablement rate; the winning bid applies after 6 weeks.
    assert (event["provider_id"], event["hourly_rate"], event["ongoing_hourly_rate"]) == (str(b), "25.00", "20.95")
    assert event["enablement_weeks"] == 6
    answers = await stack.events("brokerage.package.offer_answered", package_id)
    assert sorted(e["ongoing_hourly_rate"] for e in answers) == ["20.95", "21.40"]


async def test_price_quality_weighted_with_hand_worked_scores(stack: Any, make_referral: Any) -> None:
    # A: bid 20.00 -> 100 price points, quality 60: 50 + 30 = 80.
    # B: bid 25.00 -> 80 price points, quality 90: 40 + 45 = 85. B wins.
    await stack.setup_dps({"award_rule": "price_quality_weighted"})
    a, b = await stack.admit("a"), await stack.admit("b")
    await stack.score(a, "60")
    await stack.score(b, "90")
    package_id = await submit(stack, make_referral())
    await stack.settled(package_id, "offering")
    for provider_id, bid in ((a, "20.00"), (b, "25.00")):
        offer, headers = await open_offer(stack, provider_id, package_id)
        answer = await stack.client.post(
            f"/v1/offers/{offer}/accept", json={"ongoing_hourly_rate": bid}, headers=headers
        )
        assert answer.status_code == 200
    awarded = await stack.settled(package_id, "awarded")
    assert awarded["provider_id"] == b
    assert str(awarded["hourly_rate"]) == "25.00"


async def test_tie_on_quality_and_share_goes_to_the_earlier_answer(stack: Any, make_referral: Any) -> None:
    await stack.setup_dps({"award_rule": "fixed_price_quality"})
    a, b = await stack.admit("a"), await stack.admit("b")
    await stack.score(a, "80")
    await stack.score(b, "80")
    package_id = await submit(stack, make_referral())
    await stack.settled(package_id, "offering")
    offer_b, headers_b = await open_offer(stack, b, package_id)
    offer_a, headers_a = await open_offer(stack, a, package_id)
    assert (await stack.client.post(f"/v1/offers/{offer_b}/accept", json={}, headers=headers_b)).status_code == 200
    assert (await stack.client.post(f"/v1/offers/{offer_a}/accept", json={}, headers=headers_a)).status_code == 200
    assert (await stack.settled(package_id, "awarded"))["provider_id"] == b
