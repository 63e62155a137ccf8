"""Fuzzing the services' OpenAPI documents with schemathesis, against the in-process council.

Schemathesis generates the requests (valid ones, and ones that break the schema) and checks each
answer; Hypothesis drives it, derandomised, so a run is the same every time. Generation runs in a
worker thread; each request is handed to the event loop that runs the services (the apps, their
database pools and consumers live on that loop) and awaited there.

Every request carries an authorised client's key (the first role the authorisation matrix allows),
and, for half the valid cases, the ids of resources that exist (the matrix's), so the fuzzing reaches
past "not found" into the handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import schemathesis
from authorisation_matrix import PUBLIC, Row
from fastapi import FastAPI
from homecare_council import Council, role_of
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, CheckContext, GenerationMode, Response
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Per operation and mode (valid, invalid); ``HOMECARE_FUZZ_EXAMPLES=500`` for a long run.
EXAMPLES = int(os.environ.get("HOMECARE_FUZZ_EXAMPLES", "8"))
STATEFUL_SCENARIOS = int(os.environ.get("HOMECARE_FUZZ_SCENARIOS", "5"))
# Checks that do not apply to an operation, and why.
EXEMPT = {
    # One bad event never sinks a batch: an event that breaks the event schema is rejected on its own
    # in results[] of a 202, so a batch holding one is not refused as a whole.
    ("monitoring", "POST /v1/visit-events"): {"negative_data_rejection"},
}


class ProblemError(AssertionError):
    """An error answered without an RFC 9457 body."""


def problem_json_on_every_error(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx and 5xx is ``application/problem+json`` with type, title and status."""
    if response.status_code < 400:
        return None
    kind = response.headers.get("content-type", [""])[0]
    if not kind.startswith("application/problem+json"):
        raise ProblemError(f"{response.status_code} answered as {kind!r}, not application/problem+json")
    body = response.json()
    if not isinstance(body, dict) or not {"type", "title", "status"} <= body.keys():
        raise ProblemError(f"{response.status_code} problem body lacks type, title or status: {body!r:.200}")
    if body["status"] != response.status_code:
        raise ProblemError(f"problem status {body['status']} differs from the HTTP status {response.status_code}")
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    problem_json_on_every_error,
]


@dataclass
class Finding:
    """One distinct failure: where, what, and a request that shows it."""

    service: str
    operation: str
    problem: str
    status: int | None
    example: str

    def key(self) -> tuple[str, str, str]:
        """Findings differing only in their example are one."""
        return (self.service, self.operation, self.problem.splitlines()[0][:160])


@dataclass
class Fuzzer:
    """Sends schemathesis cases to the council's apps from a worker thread."""

    council: Council
    loop: asyncio.AbstractEventLoop
    rows: dict[tuple[str, str, str], Row]
    findings: dict[tuple[str, str, str], Finding] = field(default_factory=dict)
    requests: int = 0

    def principal_for(self, row: Row) -> str | None:
        """A principal the matrix lets through (party A's where it matters), or None for public rows."""
        if row.allowed is PUBLIC:
            return None
        from homecare_council import PRINCIPALS

        return next(p for p in PRINCIPALS if role_of(p) in row.allowed and not p.endswith("_b"))

    def send(self, service: str, case: Case, principal: str | None) -> httpx.Response:
        """Make the case's request on the services' loop, as ``principal``."""
        kwargs = case.as_transport_kwargs(base_url="http://test")
        headers = {k: v for k, v in kwargs["headers"].items() if k.lower() not in ("authorization", "x-api-key")}
        if principal is not None:
            headers |= self.council.headers[principal]
        request: dict[str, Any] = {"params": kwargs.get("params"), "headers": headers}
        if "json" in kwargs:
            request["json"] = kwargs["json"]
        elif "data" in kwargs:
            data = kwargs["data"]
            request["content" if isinstance(data, bytes | str) else "data"] = data
        client = self.council.client(service)
        future = asyncio.run_coroutine_threadsafe(client.request(kwargs["method"], kwargs["url"], **request), self.loop)
        self.requests += 1
        return future.result(timeout=120)

    def record(self, service: str, case: Case, problem: str, status: int | None) -> None:
        """Keep the first example of each distinct finding."""
        finding = Finding(service, case.operation.label, problem, status, _example(case))
        self.findings.setdefault(finding.key(), finding)

    def check(self, service: str, case: Case, principal: str | None) -> httpx.Response | None:
        """Send one case and run every check on its answer."""
        try:
            response = self.send(service, case, principal)
        except Exception as exc:  # the app raised past its error handlers: a 500 in production
            self.record(service, case, f"exception: {exc!r}", None)
            return None
        exempt = EXEMPT.get((service, case.operation.label), set())
        checks = [c for c in CHECKS if c.__name__ not in exempt]
        try:
            case.validate_response(response, checks=checks)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup is a BaseExceptionGroup
            self.record(service, case, str(exc), response.status_code)
        return response

    def fuzz_operation(self, service: str, operation: Any, mode: GenerationMode) -> None:
        """``EXAMPLES`` cases of one operation in one mode."""
        row = self.rows[(service, operation.method.upper(), operation.path)]
        principal = self.principal_for(row)
        known = {name: str(self.council.ids[key]) for name, key in row.ids.items()}
        counter = {"n": 0}

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Case) -> None:
            counter["n"] += 1
            if mode is GenerationMode.POSITIVE and known and counter["n"] % 2 == 0:
                case.path_parameters = {**(case.path_parameters or {}), **known}
            self.check(service, case, principal)

        # An operation with no input has no invalid form to generate.
        with contextlib.suppress(Unsatisfiable):
            run()

    def fuzz_service(self, service: str, app: FastAPI) -> None:
        """Every operation of a service's OpenAPI document, valid and invalid input."""
        schema = fuzzable_schema(app)
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                self.fuzz_operation(service, operation, mode)

    def fuzz_stateful(self, service: str, app: FastAPI, principal: str) -> None:
        """Schemathesis' state machine over the links it infers (e.g. create a referral, then amend it)."""
        schema = fuzzable_schema(app)
        fuzzer = self

        class Machine(schema.as_state_machine()):  # type: ignore[misc]
            def call(self, case: Case, **kwargs: Any) -> Response:
                return Response.from_httpx(fuzzer.send(service, case, principal), verify=False)

            def validate_response(self, response: Response, case: Case, **kwargs: Any) -> None:
                try:
                    case.validate_response(response, checks=CHECKS)
                except (Exception, BaseExceptionGroup) as exc:
                    fuzzer.record(service, case, f"stateful: {exc}", response.status_code)

        Machine.run(
            settings=settings(
                max_examples=STATEFUL_SCENARIOS,
                stateful_step_count=10,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
        )


def fuzzable_schema(app: FastAPI) -> Any:
    """The app's document for schemathesis, without its security schemes: every request carries a
    real key (so the invalid input is always in the parameters or the body, never only the key)."""
    spec = copy.deepcopy(app.openapi())
    spec.get("components", {}).pop("securitySchemes", None)
    for item in spec["paths"].values():
        for operation in item.values():
            operation.pop("security", None)
    return schemathesis.openapi.from_dict(spec)


def _example(case: Case) -> str:
    kwargs = case.as_transport_kwargs(base_url="http://test")
    body = kwargs.get("json", kwargs.get("data"))
    return f"{kwargs['method']} {kwargs['url']} params={kwargs.get('params')} body={body!r:.300}"


def report(findings: Iterable[Finding]) -> str:
    """Findings, one paragraph each."""
    return "\n\n".join(
        f"[{f.service}] {f.operation} -> {f.status}\n{f.problem[:600]}\n  e.g. {f.example}" for f in findings
    )


async def in_worker(fn: Callable[[], None]) -> None:
    """Run blocking fuzzing in a thread while this loop keeps serving the apps."""
    await asyncio.to_thread(fn)
