"""Every list endpoint has a maximum page size; the few whole lists say why they are bounded."""

from __future__ import annotations

from typing import Any

from brokerage.main import create_app as brokerage_app
from monitoring.main import create_app as monitoring_app
from payments.main import create_app as payments_app
from quality.main import create_app as quality_app
from referrals.main import create_app as referrals_app

# Lists returned whole, and what bounds them.
WHOLE = {
    "list_pricing_levels": "the council's price bands: a handful",
    "list_zones": "the council's zones: tens, fixed by its geography",
    "package_skips": "one package's passed-over providers: DPS providers times rounds",
    "list_scores": "one score per DPS provider for the period",
    "get_benchmark": "the league table: one row per DPS provider",
    "get_totals": "one total per provider, funder and basis of the period",
    "package_offers": "one package's offers: DPS providers times rounds",
    "list_adjustments": "one period's adjustments, each made by hand by payments staff",
}


def _returns_a_list(spec: dict[str, Any], operation: dict[str, Any]) -> bool:
    content = operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
    schema = content.get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    props = schema.get("properties", {})
    return schema.get("type") == "array" or any(
        props.get(k, {}).get("type") == "array" for k in ("items", "rows", "totals")
    )


def test_every_list_endpoint_caps_its_page_size() -> None:
    uncapped, lists = [], []
    for make in (referrals_app, brokerage_app, monitoring_app, payments_app, quality_app):
        spec = make().openapi()
        for item in spec["paths"].values():
            for operation in item.values():
                if not _returns_a_list(spec, operation):
                    continue
                lists.append(operation["operationId"])
                limit = next((p for p in operation.get("parameters", []) if p["name"] == "limit"), None)
                capped = limit is not None and "maximum" in limit["schema"]
                if not capped and operation["operationId"] not in WHOLE:
                    uncapped.append(operation["operationId"])
    assert len(lists) >= 15
    assert uncapped == []
    assert set(WHOLE) <= set(lists), "an exemption for an endpoint that is not a list (any more)"
