"""Deadlines kept in the database across a restart; quality's scores and decisions applied."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from shared.contracts.quality import ProviderScored, ProviderStatusChanged
from shared.testing.stack import PostgresHandle, migrated_database, wait_for


async def test_a_deadline_that_passes_while_the_service_is_down_is_honoured_on_restart(
    pg: PostgresHandle, bootstrap: str, stack_opener: Any, make_referral: Any
) -> None:
    url = await migrated_database(pg, ("brokerage",))
    ref = make_referral(urgency="urgent")
    async with stack_opener(url, bootstrap) as stack:
        await stack.setup_dps()
        prime = await stack.admit("prime")
        supplementary = await stack.admit("supp", zones=[{"zone_id": "z1", "status": "supplementary"}])
        await stack.publish([(ref, str(ref.referral_id))])
        offering = await stack.settled(ref.referral_id, "offering")
        (offer,) = await stack.offers(ref.referral_id)
        # Urgent: two hours to answer.
        assert (offering["round_deadline"] - offer["offered_at"]).total_seconds() == 2 * 3600
        admin = stack.admin

    # While the service is down, the clock passes the deadline (moved back rather than waited for).
    await stack.sql(
        "UPDATE brokerage.package SET round_deadline = now() - interval '1 minute' WHERE id = :id", id=ref.referral_id
    )
    await stack.sql("UPDATE brokerage.offer SET deadline = now() - interval '1 minute'")

    async with stack_opener(url, bootstrap, admin) as restarted:

        async def second_round() -> list[dict[str, Any]] | None:
            offers = await restarted.offers(ref.referral_id)
            return offers if len(offers) == 2 else None

        offers = await wait_for(second_round, timeout=20, message="round 2 after restart")
        assert [(o["provider_id"], o["round"], o["status"]) for o in offers] == [
            (prime, 1, "expired"),
            (supplementary, 2, "open"),
        ]
        expired = [e for e in await restarted.events("brokerage.package.offer_answered") if e["answer"] == "expired"]
        assert [e["provider_id"] for e in expired] == [str(prime)]


async def test_quality_scores_and_decisions_move_providers(stack: Any) -> None:
    await stack.setup_dps()
    provider_id = await stack.admit("p")
    scored = ProviderScored(
        provider_id=provider_id,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 28),
        score=Decimal("83.5"),
        band="good",
    )
    older = ProviderScored(
        provider_id=provider_id,
        period_start=date(2026, 9, 1),
        period_end=date(2026, 9, 28),
        score=Decimal("40"),
        band="poor",
    )
    demote = ProviderStatusChanged(
        provider_id=provider_id,
        decision_id=provider_id,
        decision="demote_to_supplementary",
        zone_id="z1",
        reason="missed visits",
        decided_by="officer",
        decided_at=datetime(2026, 11, 20, tzinfo=UTC),
    )
    bar = ProviderStatusChanged(
        provider_id=provider_id,
        decision_id=provider_id,
        decision="suspend_enablement",
        reason="outcomes",
        decided_by="officer",
        decided_at=datetime(2026, 11, 20, tzinfo=UTC),
    )
    subject = str(provider_id)
    await stack.publish([(scored, subject), (older, subject), (demote, subject), (bar, subject)])

    async def applied() -> dict[str, Any] | None:
        shown = (await stack.client.get(f"/v1/providers/{provider_id}", headers=stack.admin)).json()
        return shown if not shown["enablement_allowed"] else None

    shown = await wait_for(applied, timeout=20, message="quality decisions applied")
    # The later period's score stands even though an older period arrived after it.
    assert shown["quality_score"] == "83.50"
    assert shown["zones"] == [{"zone_id": "z1", "status": "supplementary"}]
    updates = await stack.events("brokerage.provider.updated")
    assert [u["reason"] for u in updates] == ["demote_to_supplementary: missed visits", "suspend_enablement: outcomes"]
