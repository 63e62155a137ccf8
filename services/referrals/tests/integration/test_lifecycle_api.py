"""Every command in every status against the real database, and a package's life end to end."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from .conftest import today

if TYPE_CHECKING:
    from .conftest import Stack

pytestmark = pytest.mark.asyncio(loop_scope="session")

REFUSED = 409


def command_bodies(start: date) -> dict[str, tuple[str, dict[str, Any], str]]:
    """Command -> (path, a valid body, the event it publishes)."""
    return {
        "amend": ("amendments", {"effective_from": start.isoformat(), "weekly_hours": "12.00"}, "amended"),
        "suspend": ("suspensions", {"reason": "hospital_admission", "from_date": start.isoformat()}, "suspended"),
        "resume": ("resumptions", {"from_date": start.isoformat()}, "resumed"),
        "end": ("end", {"end_date": start.isoformat(), "reason": "independent"}, "ended"),
        "cancel": ("cancel", {"reason": "family now caring"}, "cancelled"),
        "review": ("reviews", {"review_date": start.isoformat(),
                               "outcomes": [{"code": "WASH", "result": "met"}]}, "reviewed"),
    }


# (stored status, care started?) -> command -> status after, or REFUSED
MATRIX: dict[str, dict[str, str | int]] = {
    "submitted": {"amend": "submitted", "suspend": REFUSED, "resume": REFUSED, "end": REFUSED,
                  "cancel": "cancelled", "review": REFUSED},
    "offered": {"amend": "offered", "suspend": REFUSED, "resume": REFUSED, "end": REFUSED,
                "cancel": "cancelled", "review": REFUSED},
    "unplaced": {"amend": "unplaced", "suspend": REFUSED, "resume": REFUSED, "end": REFUSED,
                 "cancel": "cancelled", "review": REFUSED},
    "placed": {"amend": "placed", "suspend": REFUSED, "resume": REFUSED, "end": REFUSED,
               "cancel": "cancelled", "review": REFUSED},
    # placed, and the provider's start date has come: active
    "placed_started": {"amend": "active", "suspend": "suspended", "resume": REFUSED, "end": "ended",
                       "cancel": REFUSED, "review": "active"},
    "active": {"amend": "active", "suspend": "suspended", "resume": REFUSED, "end": "ended",
               "cancel": REFUSED, "review": "active"},
    "suspended": {"amend": "suspended", "suspend": REFUSED, "resume": "active", "end": "ended",
                  "cancel": REFUSED, "review": "suspended"},
    "ended": {"amend": REFUSED, "suspend": REFUSED, "resume": REFUSED, "end": REFUSED,
              "cancel": REFUSED, "review": "ended"},
    "cancelled": {"amend": REFUSED, "suspend": REFUSED, "resume": REFUSED, "end": REFUSED,
                  "cancel": REFUSED, "review": REFUSED},
}
CASES = [(status, command, after) for status, row in MATRIX.items() for command, after in row.items()]


async def put_in_status(stack: Stack, referral_id: uuid.UUID, status: str) -> date:
    """Set a referral's stored status directly (the API paths there are tested on their own)."""
    started = status in ("placed_started", "active", "suspended", "ended")
    care_start = today() - timedelta(days=3) if started else today() + timedelta(days=7)
    await stack.sql(
        "UPDATE referrals.referral SET status = CAST(:s AS text), start_date = CAST(:d AS date), "
        "care_start_date = CASE WHEN CAST(:s AS text) IN ('submitted', 'offered', 'unplaced') THEN NULL "
        "ELSE CAST(:d AS date) END, "
        "suspended_from = CASE WHEN CAST(:s AS text) = 'suspended' THEN CAST(:d AS date) END, "
        "suspension_reason = CASE WHEN CAST(:s AS text) = 'suspended' THEN 'respite' END WHERE id = :id",
        s="placed" if status == "placed_started" else status, d=care_start, id=referral_id,
    )
    return care_start


@pytest.mark.parametrize(("status", "command", "after"), CASES)
async def test_every_command_in_every_status(
    stack: Stack, make_body: Any, status: str, command: str, after: str | int
) -> None:
    referral_id = await stack.submitted_id()
    start = await put_in_status(stack, referral_id, status)
    path, body, event = command_bodies(start)[command]
    response = await stack.client.post(f"/v1/referrals/{referral_id}/{path}", json=body, headers=stack.cm)
    events = await stack.events(f"referrals.referral.{event}", referral_id)
    if after == REFUSED:
        assert response.status_code == 409, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"]  # the reason
        assert events == []
    else:
        assert response.status_code in (200, 201), response.text
        got = (await stack.client.get(f"/v1/referrals/{referral_id}", headers=stack.cm)).json()
        assert got["status"] == after
        assert len(events) == 1
        assert events[0]["referral_id"] == str(referral_id)


async def test_refusals_say_why(stack: Stack) -> None:
    referral_id = await stack.submitted_id()
    response = await stack.client.post(
        f"/v1/referrals/{referral_id}/end", json={"end_date": today().isoformat(), "reason": "other"},
        headers=stack.cm,
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "Care has not started (the referral is submitted): cancel it instead."
    assert response.json()["current_status"] == "submitted"


async def test_a_package_life_through_the_api(stack: Stack) -> None:
    referral_id = await stack.submitted_id()
    start = await put_in_status(stack, referral_id, "active")
    url = f"/v1/referrals/{referral_id}"
    amend = {"effective_from": start.isoformat(),
             "visit_pattern": [{"days": ["mon", "wed", "fri"], "start": "18:00", "duration_minutes": 30}],
             "weekly_hours": "1.50",
             "outcomes": [{"code": "WASH", "description": "Washes with a prompt"},
                          {"code": "MEDS", "description": "Takes evening medication"}]}
    response = await stack.client.post(f"{url}/amendments", json=amend, headers=stack.cm)
    assert response.status_code == 200, response.text
    assert response.json()["weekly_hours"] == "1.50"
    amended = (await stack.events("referrals.referral.amended", referral_id))[0]
    assert amended["weekly_hours"] == "1.50"
    assert amended["budget"] is None
    history = await stack.sql("SELECT effective_from FROM referrals.amendment WHERE referral_id = :id",
                              id=referral_id)
    assert history == [{"effective_from": start}]

    suspended = await stack.client.post(f"{url}/suspensions", headers=stack.cm,
                                        json={"reason": "hospital_admission", "from_date": today().isoformat()})
    assert suspended.json()["suspension"] == {"reason": "hospital_admission", "from_date": today().isoformat()}
    early = await stack.client.post(f"{url}/resumptions", headers=stack.cm,
                                    json={"from_date": (today() - timedelta(days=1)).isoformat()})
    assert early.status_code == 422
    assert early.json()["errors"][0]["field"] == "from_date"
    resumed = await stack.client.post(f"{url}/resumptions", json={"from_date": today().isoformat()},
                                      headers=stack.cm)
    assert resumed.json()["status"] == "active"
    assert resumed.json()["suspension"] is None

    review = {"review_date": today().isoformat(),
              "outcomes": [{"code": "WASH", "result": "met"}, {"code": "MEDS", "result": "partly_met"}]}
    reviewed = await stack.client.post(f"{url}/reviews", json=review, headers=stack.cm)
    assert reviewed.status_code == 201, reviewed.text
    assert reviewed.json()["all_met"] is False
    event = (await stack.events("referrals.referral.reviewed", referral_id))[0]
    assert event["all_met"] is False
    assert event["outcomes"][1] == {"code": "MEDS", "result": "partly_met"}

    ended = await stack.client.post(f"{url}/end", json={"end_date": today().isoformat(), "reason": "independent"},
                                    headers=stack.cm)
    assert ended.json()["status"] == "ended"
    assert ended.json()["end"] == {"end_date": today().isoformat(), "reason": "independent"}
    again = await stack.client.post(f"{url}/amendments", json=amend, headers=stack.cm)
    assert again.status_code == 409
    assert "nothing more can change" in again.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("suspensions", {"reason": "respite", "from_date": "START-1"}, "from_date"),
        ("end", {"end_date": "START-1", "reason": "deceased"}, "end_date"),
        ("amendments", {"effective_from": "START-1", "weekly_hours": "12"}, "effective_from"),
        ("amendments", {"effective_from": "START", "weekly_hours": "13"}, "weekly_hours"),
        ("amendments", {"effective_from": "START"}, "body"),
        ("reviews", {"review_date": "START", "outcomes": [{"code": "NOPE", "result": "met"}]}, "outcomes.0.code"),
        ("reviews", {"review_date": "START-1", "outcomes": [{"code": "WASH", "result": "met"}]}, "review_date"),
        ("suspensions", {"reason": "holiday", "from_date": "START"}, "reason"),
        ("end", {"end_date": "START", "reason": "other", "note": "x"}, "note"),
    ],
)
async def test_command_bodies_are_checked(stack: Stack, path: str, body: dict[str, Any], field: str) -> None:
    referral_id = await stack.submitted_id()
    start = await put_in_status(stack, referral_id, "active")
    dated = {k: (start - timedelta(days=1)).isoformat() if v == "START-1" else start.isoformat() if v == "START"
             else v for k, v in body.items()}
    response = await stack.client.post(f"/v1/referrals/{referral_id}/{path}", json=dated, headers=stack.cm)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await stack.sql("SELECT count(*) AS n FROM referrals.outbox_event WHERE aggregateid = :id "
                            "AND type <> 'referrals.referral.submitted'", id=str(referral_id)))[0]["n"] == 0


async def test_a_second_client_cannot_see_or_touch_the_first_clients_referral(stack: Stack, make_body: Any) -> None:
    body = make_body()
    referral_id = await stack.submitted_id(body)
    other = await stack.headers()
    assert (await stack.client.get(f"/v1/referrals/{referral_id}", headers=other)).status_code == 404
    cancel = await stack.client.post(f"/v1/referrals/{referral_id}/cancel", json={}, headers=other)
    assert cancel.status_code == 404
    listed = await stack.client.get("/v1/referrals", params={"external_ref": body["external_ref"]}, headers=other)
    assert listed.json()["items"] == []
    mine = await stack.client.get(f"/v1/referrals/{referral_id}", headers=stack.cm)
    assert mine.json()["status"] == "submitted"


async def test_an_unknown_referral_is_not_found(stack: Stack) -> None:
    response = await stack.client.get(f"/v1/referrals/{uuid.uuid4()}", headers=stack.cm)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
