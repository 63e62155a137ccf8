"""A service's refusal as a form's errors, and where sign-in may lead."""

from __future__ import annotations

from console.pages.common import form_errors, local_path
from console.upstream import ApiError, FieldProblem


def test_a_services_field_errors_map_onto_the_form() -> None:
    error = ApiError(422, "Your request has errors", "The zone has errors.", "brokerage", [
        FieldProblem("reason", "field required"),
        FieldProblem("hourly_rate", "must be more than 0"),
        FieldProblem("query.unknown", "odd"),
    ])  # fmt: skip
    found = form_errors("award", error, {"reason": "reason", "hourly_rate": "hourly_rate"})
    assert [(i.text, i.href) for i in found.items] == [
        ("Field required", "#award-reason"),
        ("Must be more than 0", "#award-hourly_rate"),
        ("odd (query.unknown)", "#award"),
    ]
    assert found.by_field == {"reason": "Field required", "hourly_rate": "Must be more than 0"}
    assert found.status == 422
    refused = form_errors("approve", ApiError(403, "Forbidden", "not you", "payments"), {})
    assert [(i.text, i.href) for i in refused.items] == [("not you", "#approve")]
    assert refused.status == 403


def test_only_local_paths_are_followed_after_sign_in() -> None:
    assert local_path("/payments?x=1", "/") == "/payments?x=1"
    for bad in ("https://evil.example", "//evil.example", "/\\\\evil.example", "", None):
        assert local_path(bad, "/") == "/"
