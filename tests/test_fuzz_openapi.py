"""Hostile input: schemathesis fuzzes every service's OpenAPI document with an authorised client.

No 500s, every answer documented and matching its own schema, problem+json on every error.
Bounded and derandomised for ``make test`` (``HOMECARE_FUZZ_EXAMPLES`` cases per operation and mode);
``make fuzz`` runs the long version.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from authorisation_matrix import matrix
from homecare_council import Council, open_council
from openapi_fuzzing import EXAMPLES, Fuzzer, in_worker, report
from shared.ratelimit import RateLimit
from shared.testing.stack import PostgresHandle

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(900)]
# The fuzzer is one client sending thousands of requests: its rate limit is tested elsewhere.
UNLIMITED = RateLimit(per_second=1_000_000, burst=1_000_000)


@pytest.fixture(scope="module")
async def council(pg: PostgresHandle, bootstrap: str) -> AsyncIterator[Council]:
    async with open_council(pg, bootstrap, rate_limit=UNLIMITED) as seeded:
        yield seeded


@pytest.fixture(scope="module")
def fuzzer(council: Council) -> Fuzzer:
    return Fuzzer(council, asyncio.get_event_loop(), {r.key: r for r in matrix()})


@pytest.mark.parametrize("service", ["referrals", "brokerage", "monitoring", "payments", "quality"])
async def test_fuzzing_finds_nothing(council: Council, fuzzer: Fuzzer, service: str) -> None:
    fuzzer.loop = asyncio.get_running_loop()
    started, sent = time.monotonic(), fuzzer.requests
    await in_worker(lambda: fuzzer.fuzz_service(service, council.apps[service]))
    print(f"{service}: {fuzzer.requests - sent} requests ({EXAMPLES} per operation and mode) "
          f"in {time.monotonic() - started:.1f}s")
    mine = [f for f in fuzzer.findings.values() if f.service == service]
    assert fuzzer.requests > sent
    assert mine == [], report(mine)


async def test_stateful_fuzzing_of_referrals_finds_nothing(council: Council, fuzzer: Fuzzer) -> None:
    fuzzer.loop = asyncio.get_running_loop()
    sent = fuzzer.requests
    await in_worker(lambda: fuzzer.fuzz_stateful("referrals", council.apps["referrals"], "case_management"))
    mine = [f for f in fuzzer.findings.values() if f.operation.startswith(("POST /v1/referrals", "GET /v1/referrals"))
            and f.problem.startswith("stateful")]
    assert fuzzer.requests > sent
    assert mine == [], report(mine)
