"""POST /v1/referrals: storing with its event, idempotent replay, and refusing bad input."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from referrals.domain.commands import ReferralIn
from referrals.domain.fingerprint import body_fingerprint
from shared.auth.keys import parse_key
from shared.clock import london_date, utcnow

if TYPE_CHECKING:
    from .conftest import Stack

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_referral_is_stored_submitted_with_its_event(stack: Stack, make_body: Any) -> None:
    body = make_body()
    body["person"] = body["person"] | {"nhs_number": "943 476 5919", "postcode": "ls62qt"}
    response = await stack.submit(body)
    assert response.status_code == 201, response.text
    got = response.json()
    assert got["status"] == "submitted"
    assert got["person"]["nhs_number"] == "9434765919"
    assert got["person"]["postcode"] == "LS6 2QT"
    assert got["weekly_hours"] == "12.00"
    assert got["client_contribution"] == {"weekly_amount": "32.50", "collection": "net"}
    referral_id = uuid.UUID(got["id"])
    events = await stack.events("referrals.referral.submitted", referral_id)
    assert len(events) == 1
    event = events[0]
    assert event["_topic"] == "referrals.referral"
    assert event["external_ref"] == body["external_ref"]
    assert event["person"]["postcode"] == "LS6 2QT"
    assert event["weekly_hours"] == "12.00"
    assert event["visit_pattern"][0]["carers"] == 2
    assert "short_visit_reason" not in event["visit_pattern"][0]


async def test_same_key_and_body_answers_the_first_result(stack: Stack, make_body: Any) -> None:
    body = make_body()
    key = str(uuid.uuid4())
    first = await stack.submit(body, key=key)
    again = await stack.submit(body, key=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    rows = await stack.sql("SELECT count(*) AS n FROM referrals.referral WHERE external_ref = :r",
                           r=body["external_ref"])
    assert rows[0]["n"] == 1
    assert len(await stack.events("referrals.referral.submitted", uuid.UUID(first.json()["id"]))) == 1


async def test_racing_requests_with_one_key_make_one_referral(stack: Stack, make_body: Any) -> None:
    body = make_body()
    key = str(uuid.uuid4())
    responses = await asyncio.gather(*(stack.submit(body, key=key) for _ in range(4)))
    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.json()["id"] for r in responses}) == 1
    rows = await stack.sql("SELECT count(*) AS n FROM referrals.referral WHERE external_ref = :r",
                           r=body["external_ref"])
    assert rows[0]["n"] == 1


async def test_same_key_with_another_body_is_a_conflict(stack: Stack, make_body: Any) -> None:
    key = str(uuid.uuid4())
    body = make_body()
    assert (await stack.submit(body, key=key)).status_code == 201
    changed = body | {"urgency": "standard"}
    response = await stack.submit(changed, key=key)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in response.json()["detail"]


async def test_keys_are_per_client(stack: Stack, make_body: Any) -> None:
    key = str(uuid.uuid4())
    other = await stack.headers()
    assert (await stack.submit(make_body(), key=key)).status_code == 201
    assert (await stack.submit(make_body(), headers=other, key=key)).status_code == 201


async def test_external_ref_is_unique_per_client(stack: Stack, make_body: Any) -> None:
    body = make_body()
    assert (await stack.submit(body)).status_code == 201
    again = await stack.submit(body)
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "external_ref"
    events = await stack.sql(
        "SELECT count(*) AS n FROM referrals.outbox_event WHERE payload->'data'->>'external_ref' = :r",
        r=body["external_ref"],
    )
    assert events[0]["n"] == 1  # the refused one left no event behind
    assert (await stack.submit(body, headers=await stack.headers())).status_code == 201


async def test_every_field_at_fault_is_named(stack: Stack, make_body: Any) -> None:
    body = make_body(
        service_type="enablement",
        funding={"council": "0.7", "nhs": "0.2"},
        weekly_hours="11",
    )
    body["person"] = body["person"] | {"nhs_number": "9434765918", "postcode": "ZZ99"}
    body["visit_pattern"][1]["duration_minutes"] = 20
    response = await stack.submit(body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"].endswith("/validation-error")
    assert [e["field"] for e in problem["errors"]] == [
        "person.nhs_number",
        "person.postcode",
        "visit_pattern.1.short_visit_reason",
        "weekly_hours",
        "payment_basis",
        "budget",
        "funding",
    ]
    assert await stack.sql("SELECT 1 FROM referrals.referral WHERE external_ref = :r", r=body["external_ref"]) == []


async def test_a_retry_answers_as_first_even_when_the_rules_would_now_refuse_it(stack: Stack, make_body: Any) -> None:
    key = str(uuid.uuid4())
    first = await stack.submit(make_body(), key=key)
    assert first.status_code == 201, first.text
    # As if the referral had been accepted five weeks ago and its answer lost: the same body is now
    # refused on its own (its start date is more than four weeks behind), yet its retry is replayed.
    old = make_body() | {"start_date": str(london_date(utcnow()) - timedelta(weeks=5))}
    assert (await stack.submit(old)).status_code == 422
    sent = ReferralIn.model_validate(old).model_dump(mode="json")
    client_id = parse_key(stack.cm["Authorization"].removeprefix("Bearer "))
    await stack.sql(
        "INSERT INTO referrals.idempotency_key (client_id, key, fingerprint, response) "
        "VALUES (:c, :k, :f, CAST(:r AS jsonb))",
        c=client_id, k="five-weeks-ago", f=body_fingerprint(sent), r=json.dumps(first.json()),
    )  # fmt: skip
    retried = await stack.submit(old, key="five-weeks-ago")
    assert (retried.status_code, retried.json()) == (201, first.json())


async def test_a_refused_body_does_not_use_up_its_key(stack: Stack, make_body: Any) -> None:
    key = str(uuid.uuid4())
    body = make_body()
    bad = body | {"weekly_hours": "40"}
    assert (await stack.submit(bad, key=key)).status_code == 422
    assert (await stack.submit(body, key=key)).status_code == 201


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.update(colour="blue"), "colour"),
        (lambda b: b["person"].update(shoe_size=9), "person.shoe_size"),
        (lambda b: b["visit_pattern"][0].update(carers=3), "visit_pattern.0.carers"),
        (lambda b: b["visit_pattern"][0].update(days=["mon", "funday"]), "visit_pattern.0.days.1"),
        (lambda b: b.pop("funding"), "funding"),
        (lambda b: b.update(urgency="whenever"), "urgency"),
    ],
)
async def test_types_and_unknown_fields_are_refused(stack: Stack, make_body: Any, mutate: Any, field: str) -> None:
    body = make_body()
    mutate(body)
    response = await stack.submit(body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_a_body_over_one_mebibyte_is_refused(stack: Stack, make_body: Any) -> None:
    body = make_body()
    body["person"]["needs_summary"] = "x" * (1024 * 1024)
    response = await stack.submit(body)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_idempotency_key_is_required(stack: Stack, make_body: Any) -> None:
    response = await stack.client.post("/v1/referrals", json=make_body(), headers=stack.cm)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["header.Idempotency-Key"]


async def test_only_case_management_may_submit(stack: Stack, make_body: Any) -> None:
    provider = await stack.headers("quality_officer")
    assert (await stack.submit(make_body(), headers=provider)).status_code == 403
    anonymous = await stack.client.post("/v1/referrals", json=make_body(), headers={"Idempotency-Key": "k"})
    assert anonymous.status_code == 401


async def test_every_request_body_has_an_openapi_example(stack: Stack) -> None:
    document = (await stack.client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    bodies = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "requestBody" not in operation:
                continue
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            bodies.append((method, path, ref.rsplit("/", 1)[1]))
    assert len(bodies) == 7  # submit, amend, suspend, resume, end, cancel, review
    for method, path, name in bodies:
        assert schemas[name].get("examples"), f"{method} {path} ({name}) has no example"
