"""The answers the platform gives on every operation, written into each service's OpenAPI document.

A client (or a fuzzer) must find every status it can get documented, with its body's schema: the
platform's own (401, 403, 413, 422, 429, 503) are added here so no service has to repeat them.
Problem responses a service declares itself without a schema get the problem schema too.
"""

from __future__ import annotations

from typing import Any

from shared.errors import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; errors[] names every field at fault.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "correlation_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message", "code"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
}

_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}}

_DESCRIPTIONS = {
    409: "Conflicts with the resource's current state (the reason is in detail).",
    400: "The body could not be read (not UTF-8, or not the declared media type).",
    401: "No valid API key.",
    403: "The API client's role may not do this.",
    404: "No such resource, or not one this client may see.",
    413: "The body is over this endpoint's size limit.",
    422: "The request is invalid; errors[] names every field at fault.",
    429: "Over this API client's rate limit (or the service is at capacity); see Retry-After.",
    503: "The database or the broker is unavailable; nothing was changed. See Retry-After.",
}


def _problem(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": _DESCRIPTIONS[status],
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }
    if status in (429, 503):
        response["headers"] = _RETRY_AFTER
    return response


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Problem answers a route documents itself, e.g. ``responses=problem_responses(409)``."""
    return {status: _problem(status) for status in statuses}


def _statuses(path: str, operation: dict[str, Any]) -> list[int]:
    statuses = [503]
    if operation.get("security"):
        statuses += [401, 403, 429]
    if "{" in path:
        statuses.append(404)
    if operation.get("requestBody"):
        statuses += [400, 413]
    if operation.get("requestBody") or operation.get("parameters"):
        statuses.append(422)
    return statuses


def document_problems(spec: dict[str, Any]) -> dict[str, Any]:
    """Add the platform's problem responses to every ``/v1`` operation (idempotent)."""
    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, item in spec.get("paths", {}).items():
        if not path.startswith("/v1/"):
            continue
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for status in _statuses(path, operation):
                declared = responses.get(str(status))
                # FastAPI's own 422 describes its default JSON body, which the platform never sends.
                if declared is None or status == 422:
                    responses[str(status)] = _problem(status)
            for declared in responses.values():
                problem = declared.get("content", {}).get(PROBLEM_JSON)
                if problem is not None and not problem.get("schema"):
                    problem["schema"] = {"$ref": PROBLEM_REF}
    return spec
