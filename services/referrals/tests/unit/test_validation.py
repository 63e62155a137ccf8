"""Every validation rule of a referral and of the commands on it, each fault named by its field."""

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from referrals.domain.commands import REFERRAL_EXAMPLE, AmendmentIn, FundingIn, ReferralIn, ReviewIn, VisitIn
from referrals.domain.validation import (
    amendment_errors,
    dated_after_start_errors,
    funding_errors,
    referral_errors,
    review_errors,
)

TODAY = date(2026, 11, 23)


def body(**changes: Any) -> dict[str, Any]:
    """The OpenAPI example with dotted-path changes (``person.postcode``)."""
    out = copy.deepcopy(REFERRAL_EXAMPLE)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node: Any = out
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[leaf]
        else:
            node[leaf] = value
    return out


_DELETE = object()

ENABLEMENT = {
    "service_type": "enablement",
    "payment_basis": "enablement_outcomes",
    "budget": {"amount": "1500.00", "period": "total", "weeks": 6},
}


def fields_at_fault(raw: dict[str, Any]) -> list[str]:
    return [e.field for e in referral_errors(ReferralIn.model_validate(raw), TODAY)]


def test_the_openapi_example_is_valid() -> None:
    assert fields_at_fault(body()) == []


def test_a_valid_enablement_referral() -> None:
    assert fields_at_fault(body(**ENABLEMENT)) == []


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"person__nhs_number": "9434765918"}, ["person.nhs_number"]),
        ({"person__postcode": "LS6 2QC"}, ["person.postcode"]),
        ({"person__date_of_birth": "2026-11-23"}, ["person.date_of_birth"]),
        ({"person__date_of_birth": "2026-12-01"}, ["person.date_of_birth", "start_date"]),
        ({"person__date_of_birth": "1901-11-22"}, ["person.date_of_birth"]),
        ({"start_date": "2027-11-25"}, ["start_date"]),  # more than 366 days ahead
        ({"start_date": "2027-11-24"}, []),  # exactly 366 days ahead
        ({"start_date": "2026-10-26"}, []),  # exactly 28 days behind
        ({"start_date": "2026-10-25"}, ["start_date"]),
        ({"outcomes": []}, ["outcomes"]),
        ({"outcomes": [{"code": "A", "description": "x"}, {"code": "A", "description": "y"}]},
         ["outcomes.1.code"]),
        ({"visit_pattern__1__duration_minutes": 20}, ["visit_pattern.1.short_visit_reason", "weekly_hours"]),
        ({"visit_pattern__0__duration_minutes": 300}, ["visit_pattern.0.duration_minutes", "weekly_hours"]),
        ({"weekly_hours": "12.02"}, ["weekly_hours"]),
        ({"weekly_hours": "12.01"}, []),
        ({"weekly_hours": "0"}, ["weekly_hours"]),
        ({"weekly_hours": "12.004"}, ["weekly_hours"]),  # within a minute, but finer than two places
        ({"visit_pattern": []}, ["visit_pattern"]),  # time and task needs a pattern
        ({"payment_basis": "budget"}, ["budget"]),
        ({"payment_basis": "enablement_outcomes", "budget": ENABLEMENT["budget"]}, ["payment_basis"]),
        ({"service_type": "enablement"}, ["payment_basis", "budget"]),
        ({**ENABLEMENT, "budget": {"amount": "1500.00", "period": "total", "weeks": 7}}, ["budget.weeks"]),
        ({**ENABLEMENT, "budget": {"amount": "250.00", "period": "weekly"}}, ["budget.weeks"]),
        ({**ENABLEMENT, "budget": {"amount": "250.00", "period": "weekly", "weeks": 6}}, []),
        ({"payment_basis": "budget", "budget": {"amount": "300.00", "period": "total"}}, ["budget.weeks"]),
        ({"payment_basis": "budget", "budget": {"amount": "300.00", "period": "weekly"}}, []),
        ({"payment_basis": "budget", "budget": {"amount": "0.00", "period": "weekly"}}, ["budget.amount"]),
        ({"payment_basis": "budget", "budget": {"amount": "300.001", "period": "weekly"}}, ["budget.amount"]),
        ({"payment_basis": "budget", "budget": {"amount": "300", "period": "total", "weeks": 0}},
         ["budget.weeks"]),
        ({"funding": {"council": "0.6", "nhs": "0.5"}}, ["funding"]),
        ({"funding": {"council": "1", "nhs": "0"}}, []),
        ({"funding": {"council": "0.3333", "nhs": "0.6667"}}, []),
        ({"funding": {"council": "1.5", "nhs": "-0.5"}}, ["funding.council", "funding.nhs"]),
        ({"client_contribution": {"weekly_amount": "-1.00", "collection": "net"}},
         ["client_contribution.weekly_amount"]),
        ({"client_contribution": {"weekly_amount": "12.345", "collection": "gross"}},
         ["client_contribution.weekly_amount"]),
        ({"client_contribution": {"weekly_amount": "0", "collection": "gross"}}, []),
    ],
)
def test_each_rule(changes: dict[str, Any], fields: list[str]) -> None:
    assert fields_at_fault(body(**changes)) == fields


def test_every_fault_is_reported_together() -> None:
    raw = body(
        person__nhs_number="1234567890",
        person__postcode="nowhere",
        visit_pattern__0__duration_minutes=10,
        funding={"council": "0.5", "nhs": "0.4"},
        service_type="enablement",
        start_date="2030-01-01",
    )
    assert fields_at_fault(raw) == [
        "person.nhs_number",
        "person.postcode",
        "visit_pattern.0.duration_minutes",
        "weekly_hours",
        "payment_basis",
        "budget",
        "funding",
        "start_date",
    ]


PATTERN = [VisitIn.model_validate(v) for v in REFERRAL_EXAMPLE["visit_pattern"]]  # type: ignore[union-attr]
START = date(2026, 12, 1)


def amend_faults(raw: dict[str, Any], service_type: str = "ongoing_support") -> list[str]:
    amendment = AmendmentIn.model_validate(raw)
    errors = amendment_errors(amendment, service_type=service_type, current_pattern=PATTERN,
                              current_hours=Decimal(12), start_date=START)
    return [e.field for e in errors]


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        ({"effective_from": "2027-01-04"}, ["body"]),
        ({"effective_from": "2027-01-04", "weekly_hours": "12"}, []),
        ({"effective_from": "2026-11-30", "weekly_hours": "12"}, ["effective_from"]),
        # a new pattern of 30 min x 3 days = 1.5 h, but the hours left unchanged at 12
        ({"effective_from": "2027-01-04", "visit_pattern": [REFERRAL_EXAMPLE["visit_pattern"][1]]},  # type: ignore[index]
         ["weekly_hours"]),
        ({"effective_from": "2027-01-04", "visit_pattern": [REFERRAL_EXAMPLE["visit_pattern"][1]],  # type: ignore[index]
          "weekly_hours": "1.5"}, []),
        ({"effective_from": "2027-01-04", "weekly_hours": "13"}, ["weekly_hours"]),
        ({"effective_from": "2027-01-04",
          "visit_pattern": [{"days": ["mon"], "start": "09:00", "duration_minutes": 20}],
          "weekly_hours": "0.33"}, ["visit_pattern.0.short_visit_reason"]),
        ({"effective_from": "2027-01-04", "outcomes": []}, ["outcomes"]),
        ({"effective_from": "2027-01-04", "budget": {"amount": "100.00", "period": "total"}},
         ["budget.weeks"]),
    ],
)
def test_amendment_rules(raw: dict[str, Any], fields: list[str]) -> None:
    assert amend_faults(raw) == fields


def test_an_enablement_amendment_cannot_stretch_past_six_weeks() -> None:
    raw = {"effective_from": "2027-01-04", "budget": {"amount": "900.00", "period": "total", "weeks": 8}}
    assert amend_faults(raw, "enablement") == ["budget.weeks"]


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        ({"review_date": "2026-12-15", "outcomes": [{"code": "WASH", "result": "met"},
                                                     {"code": "MEDS", "result": "not_met"}]}, []),
        ({"review_date": "2026-11-30", "outcomes": [{"code": "WASH", "result": "met"},
                                                     {"code": "MEDS", "result": "met"}]}, ["review_date"]),
        ({"review_date": "2026-12-22", "outcomes": [{"code": "WASH", "result": "met"},
                                                     {"code": "MEDS", "result": "met"}]}, ["review_date"]),
        ({"review_date": "2026-12-15", "outcomes": [{"code": "WASH", "result": "met"}]}, ["outcomes"]),
        ({"review_date": "2026-12-15", "outcomes": [{"code": "WASH", "result": "met"},
                                                     {"code": "WASH", "result": "partly_met"},
                                                     {"code": "XX", "result": "met"}]},
         ["outcomes.1.code", "outcomes.2.code", "outcomes"]),
    ],
)
def test_review_rules(raw: dict[str, Any], fields: list[str]) -> None:
    errors = review_errors(ReviewIn.model_validate(raw), outcome_codes=["WASH", "MEDS"], start_date=START,
                           today=date(2026, 12, 21))
    assert [e.field for e in errors] == fields


@pytest.mark.parametrize(("day", "faults"), [(date(2026, 11, 30), 1), (START, 0), (date(2027, 1, 1), 0)])
def test_suspension_resumption_and_end_dates_follow_the_start(day: date, faults: int) -> None:
    assert len(dated_after_start_errors("end_date", day, START)) == faults


def test_every_openapi_example_is_a_valid_body() -> None:
    from referrals.domain import commands

    models = [commands.AmendmentIn, commands.SuspensionIn, commands.ResumptionIn, commands.EndIn,
              commands.CancelIn, commands.ReviewIn, commands.ReferralIn]
    for model in models:
        examples = model.model_json_schema()["examples"]
        assert examples, model.__name__
        for example in examples:
            model.model_validate(example)


@given(st.integers(0, 10_000))
def test_shares_summing_to_one_are_accepted_and_others_refused(council_basis_points: int) -> None:
    council = Decimal(council_basis_points) / 10_000
    assert funding_errors(FundingIn(council=council, nhs=1 - council)) == []
    if council < 1:
        short = FundingIn(council=council, nhs=(1 - council) / 2)
        assert [e.field for e in funding_errors(short)] == ["funding"]
