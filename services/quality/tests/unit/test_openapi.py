"""The published API description: every request body carries an example, every operation a clean id."""

from __future__ import annotations

from quality.main import create_app


def _schema_has_example(spec: dict, body: dict) -> bool:
    content = body["content"]["application/json"]
    if "example" in content or "examples" in content:
        return True
    ref = content["schema"].get("$ref", "")
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else content["schema"]
    return bool(schema.get("examples") or schema.get("example"))


def test_every_request_body_has_an_example() -> None:
    spec = create_app().openapi()
    bodies = [
        (path, method, op["requestBody"])
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if "requestBody" in op
    ]
    assert len(bodies) == 6  # incidents, assessments, CQC rating, confirm, reject, config
    missing = [(path, method) for path, method, body in bodies if not _schema_has_example(spec, body)]
    assert missing == []


def test_operation_ids_are_the_route_names() -> None:
    spec = create_app().openapi()
    ids = {op["operationId"] for item in spec["paths"].values() for op in item.values()}
    assert {"record_incident", "get_kpis", "evaluate_a_period", "confirm", "reject", "get_benchmark"} <= ids
