"""The authorisation matrix: for every endpoint of every service, who may call it and what they get.

One row per endpoint. A principal gets:
- 401 without a valid key (none, or a revoked one);
- 403 if its role is not in ``allowed``;
- 404 if it is party B and its role is in ``scoped`` (the resource is party A's: not found, so ids
  don't leak);
- ``ok`` otherwise: the handler's own answer to a valid request. Mostly a success; where success
  could happen only once (a state change), the row says which answer proves the caller got past
  authorisation (e.g. 409 for accepting an offer that is already accepted).
Public rows (health, metrics, the API description) answer ``ok`` to anyone, keyless too.

Rows are checked in order, so state-changing ones come after those that need the state before.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from homecare_council import Council, new_correction, new_recommendation, referral_body, role_of
from shared.clock import LONDON

Factory = Callable[[Council], Awaitable[Any]]
PUBLIC = frozenset({"*"})
OFFICERS = ("quality_officer", "payments_staff", "payments_approver", "admin")
FINANCE = ("payments_staff", "payments_approver", "admin")
ROLES = ("case_management", "provider", "etms_vendor", *OFFICERS)
STAFF_READERS = ("admin", "payments_staff", "payments_approver", "quality_officer")


@dataclass(frozen=True)
class Row:
    """One endpoint's expectations."""

    service: str
    method: str
    path: str
    allowed: frozenset[str]
    ok: int
    scoped: frozenset[str] = frozenset()
    # Path parameters: council.ids keys, or factories run before each request (a fresh resource).
    ids: dict[str, str] = field(default_factory=dict)
    fresh: dict[str, Factory] = field(default_factory=dict)
    body: Any = None
    params: dict[str, str] = field(default_factory=dict)
    headers: Callable[[], dict[str, str]] | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies the endpoint."""
        return (self.service, self.method, self.path)

    def expected(self, principal: str) -> int:
        """The status this principal must get."""
        if self.allowed is PUBLIC:
            return self.ok
        role = role_of(principal)
        if role is None:
            return 401
        if role not in self.allowed:
            return 403
        if principal.endswith("_b") and role in self.scoped:
            return 404
        return self.ok


def row(
    service: str, route: str, allowed: str | tuple[str, ...], ok: int, scoped: str | tuple[str, ...] = (), **kw: Any
) -> Row:
    """A row from ``"METHOD /path"`` and role names."""
    method, path = route.split(" ", 1)
    def as_set(v):
        return (frozenset({v}) if isinstance(v, str) else frozenset(v))
    return Row(service, method, path, PUBLIC if allowed == "*" else as_set(allowed), ok, as_set(scoped), **kw)


def _public(service: str) -> list[Row]:
    """The unauthenticated routes every service has, and ``whoami``, which any valid key may ask."""
    paths = ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")
    return [*(row(service, f"GET {p}", "*", 200) for p in paths), row(service, "GET /v1/whoami", ROLES, 200)]


def _count(council: Council) -> int:
    council.ids["n"] = council.ids.get("n", 0) + 1
    return int(council.ids["n"])


async def _referral(council: Council) -> dict[str, Any]:
    return referral_body(_count(council) + 10, council.ids["day"], 9)


async def _pricing_level(council: Council) -> dict[str, Any]:
    return {"id": f"level-{_count(council)}", "name": "Rural", "rates": []}


async def _zone(council: Council) -> dict[str, Any]:
    n = _count(council)
    return {"id": f"zone-{n}", "name": "Elsewhere", "pricing_level_id": "urban", "coverage": [f"EX{n}"]}


async def _provider(_: Council) -> dict[str, Any]:
    return {
        "name": "New Care",
        "cqc_location_id": "1-1",
        "cqc_rating": "Good",
        "zones": [],
        "weekly_capacity_hours": "10",
        "enablement_allowed": False,
        "ethical_care_charter": True,
    }


async def _rules(council: Council) -> Any:
    return await council.ok("brokerage", "GET", "/v1/rules", "admin")


async def _config(council: Council) -> Any:
    return await council.ok("quality", "GET", "/v1/config", "admin")


async def _period(council: Council) -> dict[str, Any]:
    # Periods follow on without gaps: the next one starts the day after the last ends.
    [last] = await council.sql("SELECT max(end_date) AS last FROM payments.period")
    return {"start_date": str(last["last"] + timedelta(days=1)), "days": 7}


async def _award(council: Council) -> dict[str, Any]:
    return {"provider_id": str(council.ids["p2"]), "reason": "agreed by phone", "zone_id": "z1"}


async def _manual_offer(council: Council) -> dict[str, Any]:
    return {"provider_ids": [str(council.ids["p2"])], "zone_id": "z1"}


async def _adjustment(council: Council) -> dict[str, Any]:
    return {"amount": "-1.00", "provider_id": str(council.ids["p1"]), "funder": "council", "reason": "matrix"}


async def _approval(council: Council) -> dict[str, Any]:
    return {"kind": "unverified_visit", "subject_id": str(council.ids["visit"]), "reason": "family confirmed"}


async def _correction(council: Council) -> dict[str, Any]:
    day, hour = council.ids["day"], council.ids["hour"]
    return {
        "reason": "device_failure",
        "check_in_at": datetime.combine(day, time(hour, 1), tzinfo=LONDON).isoformat(),
        "check_out_at": datetime.combine(day, time(hour, 59), tzinfo=LONDON).isoformat(),
    }


async def _cancellation(council: Council) -> dict[str, Any]:
    # A different future visit of R1 each time: a visit's cancellation is recorded once.
    day = council.ids["day"] + timedelta(days=2 + _count(council))
    return {"planned_start": datetime.combine(day, time(council.ids["hour"], 0), tzinfo=LONDON).isoformat()}


async def _handback(council: Council) -> dict[str, Any]:
    # Today is too soon: a 422 from the rules, after the package was found to be the caller's.
    return {"notice_date": str(council.ids["day"]), "reason": "lost our carer"}


async def _amendment(council: Council) -> dict[str, Any]:
    start = council.ids["day"] + timedelta(days=7)
    return {"effective_from": str(start), "outcomes": [{"code": "meals", "description": "Hot meal and a chat"}]}


async def _fresh_correction(council: Council) -> str:
    return str(await new_correction(council))


async def _fresh_recommendation(council: Council) -> str:
    return str(await new_recommendation(council))


def _idempotency() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def _static(value: Any) -> Factory:
    async def make(_: Council) -> Any:
        return value

    return make


def referrals_rows() -> list[Row]:
    """The referrals service: a case-management client sees only its own referrals (R1, R3 are A's)."""
    cm = "case_management"
    mine = {"referral_id": "referral"}
    queued = {"referral_id": "queued_referral"}
    base = "/v1/referrals/{referral_id}"
    return [
        *_public("referrals"),
        row("referrals", "POST /v1/referrals", cm, 201, body=_referral, headers=_idempotency),
        row("referrals", "GET /v1/referrals", cm, 200),
        row("referrals", f"GET {base}", cm, 200, cm, ids=mine),
        row("referrals", f"POST {base}/amendments", cm, 200, cm, ids=queued, body=_amendment),
        # R3 never reached care: these are refused on its status (409), after the owner check.
        row("referrals", f"POST {base}/suspensions", cm, 409, cm, ids=queued,
            body=_static({"reason": "respite", "from_date": "2027-01-10"})),
        row("referrals", f"POST {base}/resumptions", cm, 409, cm, ids=queued,
            body=_static({"from_date": "2027-01-20"})),
        row("referrals", f"POST {base}/end", cm, 409, cm, ids=queued,
            body=_static({"end_date": "2027-03-31", "reason": "independent"})),
        row("referrals", f"POST {base}/reviews", cm, 409, cm, ids=queued,
            body=_static({"review_date": "2027-01-12", "outcomes": [{"code": "meals", "result": "met"}]})),
        row("referrals", f"POST {base}/cancel", cm, 200, cm, ids=queued, body=_static({"reason": "family cares"})),
        row("referrals", "GET /v1/audit", "admin", 200),
    ]  # fmt: skip


def brokerage_rows() -> list[Row]:
    """Brokerage: the DPS is admin's; a provider sees only its own offers, packages and deliveries."""
    p = "provider"
    offer = {"offer_id": "offer"}
    pkg = {"package_id": "referral"}
    queued = {"package_id": "queued_referral"}
    return [
        *_public("brokerage"),
        row("brokerage", "POST /v1/pricing-levels", "admin", 201, body=_pricing_level),
        row("brokerage", "GET /v1/pricing-levels", "admin", 200),
        row("brokerage", "POST /v1/zones", "admin", 201, body=_zone),
        row("brokerage", "GET /v1/zones", "admin", 200),
        row("brokerage", "POST /v1/providers", "admin", 201, body=_provider),
        row("brokerage", "GET /v1/providers", STAFF_READERS, 200),
        row("brokerage", "GET /v1/providers/{provider_id}", STAFF_READERS, 200, ids={"provider_id": "p2"}),
        row("brokerage", "PATCH /v1/providers/{provider_id}", "admin", 200, ids={"provider_id": "p2"},
            body=_static({"weekly_capacity_hours": "100", "reason": "matrix"})),
        row("brokerage", "GET /v1/rules", "admin", 200),
        row("brokerage", "PUT /v1/rules", "admin", 200, body=_rules),
        row("brokerage", "GET /v1/offers", p, 200),
        row("brokerage", "GET /v1/offers/{offer_id}", p, 200, p, ids=offer),
        row("brokerage", "POST /v1/offers/{offer_id}/accept", p, 409, p, ids=offer, body=_static({})),
        row("brokerage", "POST /v1/offers/{offer_id}/decline", p, 409, p, ids=offer,
            body=_static({"reason_code": "no_capacity"})),
        row("brokerage", "GET /v1/packages/{package_id}", (p, "admin"), 200, p, ids=pkg),
        row("brokerage", "GET /v1/packages", p, 200),
        row("brokerage", "POST /v1/packages/{package_id}/handbacks", p, 422, p, ids=pkg, body=_handback),
        row("brokerage", "GET /v1/queue", "admin", 200),
        row("brokerage", "GET /v1/packages/{package_id}/skips", "admin", 200, ids=queued),
        row("brokerage", "GET /v1/packages/{package_id}/offers", "admin", 200, ids=queued),
        row("brokerage", "POST /v1/packages/{package_id}/award", "admin", 200, ids=queued, body=_award),
        # Awarded just above, so it is no longer queued for offers.
        row("brokerage", "POST /v1/packages/{package_id}/offers", "admin", 409, ids=queued, body=_manual_offer),
        row("brokerage", "GET /v1/webhook-deliveries", p, 200),
        row("brokerage", "POST /v1/webhook-deliveries/{delivery_id}/replay", p, 202, p,
            ids={"delivery_id": "delivery"}),
        row("brokerage", "GET /v1/audit", "admin", 200),
    ]  # fmt: skip


def monitoring_rows() -> list[Row]:
    """Monitoring: providers and vendors see only their providers' visits and packages, a
    case-management client only the packages it referred."""
    bound = ("provider", "etms_vendor")
    visit = {"visit_id": "visit"}
    pkg = {"package_id": "referral"}
    unknown_package = {
        "events": [{"event_id": "m-1", "type": "check_in", "occurred_at": "2026-03-02T08:02:11+00:00",
                    "package_id": str(uuid.UUID(int=7)), "carer_id": "c", "method": "nfc"}]
    }  # fmt: skip
    return [
        *_public("monitoring"),
        # Both vendors may post; events for packages they don't serve are rejected one by one.
        row("monitoring", "POST /v1/visit-events", "etms_vendor", 202, body=_static(unknown_package)),
        row("monitoring", "GET /v1/visits/{visit_id}", (*bound, "case_management", *OFFICERS), 200,
            (*bound, "case_management"), ids=visit),
        row("monitoring", "POST /v1/visits/{visit_id}/corrections", "provider", 201, "provider", ids=visit,
            body=_correction),
        row("monitoring", "POST /v1/visits/{visit_id}/corrections/{correction_id}/rejection", OFFICERS, 200,
            ids=visit, fresh={"correction_id": _fresh_correction}, body=_static({"note": "not on the rota"})),
        row("monitoring", "PUT /v1/packages/{package_id}/rota/{iso_week}", "provider", 200, "provider",
            ids={**pkg, "iso_week": "rota_week"}, body=_static({"visits": []})),
        row("monitoring", "POST /v1/packages/{package_id}/cancellations", ("provider", "case_management"), 201,
            ("provider", "case_management"), ids=pkg, body=_cancellation),
        row("monitoring", "PUT /v1/packages/{package_id}/geofence", ("case_management", "admin"), 200,
            "case_management", ids=pkg, body=_static({"enabled": True})),
        row("monitoring", "GET /v1/audit", "admin", 200),
    ]  # fmt: skip


def payments_rows() -> list[Row]:
    """Payments: staff calculate and adjust, approvers approve, a provider reads only its remittance."""
    staff, approver = "payments_staff", "payments_approver"
    period = {"period_id": "period"}
    base = "/v1/periods/{period_id}"
    return [
        *_public("payments"),
        row("payments", "POST /v1/periods", staff, 201, body=_period),
        row("payments", "GET /v1/periods", FINANCE, 200),
        row("payments", f"GET {base}", FINANCE, 200, ids=period),
        # Before the calculation below: a draft is refused approval (409) whoever approves.
        row("payments", f"POST {base}/approve", approver, 409, ids=period),
        row("payments", f"POST {base}/calculate", staff, 202, ids=period),
        row("payments", f"GET {base}/totals", FINANCE, 200, ids=period),
        row("payments", f"GET {base}/lines", FINANCE, 200, ids=period),
        row("payments", f"POST {base}/adjustments", staff, 201, ids=period, body=_adjustment),
        row("payments", f"GET {base}/adjustments", FINANCE, 200, ids=period),
        row("payments", "POST /v1/approvals", (staff, approver), 201, body=_approval),
        row("payments", f"GET {base}/export.csv", FINANCE, 200, ids=period),
        row("payments", f"GET {base}/remittances/{{provider_id}}", ("provider", *FINANCE), 200, "provider",
            ids={**period, "provider_id": "p1"}),
        row("payments", "GET /v1/audit", "admin", 200),
    ]  # fmt: skip


def quality_rows() -> list[Row]:
    """Quality: officers' records and decisions; a provider reads only its own KPIs (and the benchmark)."""
    writers = ("quality_officer", "admin")
    p1 = {"provider_id": "p1"}
    base = "/v1/providers/{provider_id}"
    week = {"period": "week"}
    incident = {"kind": "complaint", "occurred_on": "2026-11-17", "summary": "Late twice."}
    assessment = {"assessed_on": "2026-11-12", "domains": {"safe": {"rating": 3, "evidence": "ok"}}}
    return [
        *_public("quality"),
        row("quality", f"POST {base}/incidents", writers, 201, ids=p1, body=_static(incident)),
        row("quality", f"GET {base}/incidents", writers, 200, ids=p1),
        row("quality", f"POST {base}/assessments", writers, 201, ids=p1, body=_static(assessment)),
        row("quality", f"GET {base}/assessments", writers, 200, ids=p1),
        row("quality", f"PUT {base}/cqc-rating", writers, 200, ids=p1,
            body=_static({"rating": "good", "rated_on": "2025-06-01"})),
        row("quality", f"GET {base}/cqc-rating", writers, 200, ids=p1),
        row("quality", "GET /v1/kpis", (*writers, "provider"), 200, "provider", params={**week, "provider_id": "p1"}),
        row("quality", "POST /v1/periods/{period}/evaluation", writers, 200, ids={"period": "week"}),
        row("quality", "GET /v1/scores", writers, 200, params=week),
        row("quality", f"GET {base}/scores/{{period}}", writers, 200, ids={**p1, "period": "week"}),
        row("quality", f"GET {base}/scores", writers, 200, ids=p1),
        row("quality", "GET /v1/periods", (*writers, "provider"), 200),
        row("quality", "GET /v1/recommendations", writers, 200),
        row("quality", "POST /v1/recommendations/{recommendation_id}/confirm", writers, 200,
            fresh={"recommendation_id": _fresh_recommendation}, body=_static({"reason": "agreed"})),
        row("quality", "POST /v1/recommendations/{recommendation_id}/reject", writers, 200,
            fresh={"recommendation_id": _fresh_recommendation}, body=_static({"reason": "one-off"})),
        row("quality", "GET /v1/benchmarks", (*writers, "provider"), 200, params=week),
        row("quality", "GET /v1/config", writers, 200),
        row("quality", "PUT /v1/config", writers, 200, body=_config),
        row("quality", "GET /v1/audit", "admin", 200),
    ]  # fmt: skip


def matrix() -> list[Row]:
    """Every row of every service (referrals last: it cancels R3, which brokerage awards by hand first)."""
    return [*brokerage_rows(), *monitoring_rows(), *payments_rows(), *quality_rows(), *referrals_rows()]


async def request_of(council: Council, r: Row) -> tuple[str, dict[str, str], Any, dict[str, str]]:
    """The concrete path, query, body and extra headers of a row (fresh resources made now)."""
    values = {name: str(council.ids[key]) for name, key in r.ids.items()}
    for name, make in r.fresh.items():
        values[name] = await make(council)
    params = {k: str(council.ids.get(v, v)) for k, v in r.params.items()}
    body = await r.body(council) if callable(r.body) else r.body
    return r.path.format(**values), params, body, (r.headers() if r.headers else {})
