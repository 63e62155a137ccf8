"""Who may call what: every endpoint of every service, for every role and both parties' clients.

A new endpoint that is not in the matrix (tests/authorisation.py) fails
``test_the_matrix_covers_every_endpoint``; so does a row left for an endpoint that is gone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi.routing import iter_route_contexts
from shared.testing.stack import PostgresHandle

from .authorisation import matrix, request_of
from .council import PRINCIPALS, Council, open_council

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def council(pg: PostgresHandle, bootstrap: str) -> AsyncIterator[Council]:
    async with open_council(pg, bootstrap) as seeded:
        yield seeded


def _endpoints(council: Council) -> set[tuple[str, str, str]]:
    found = set()
    for service, app in council.apps.items():
        for route in iter_route_contexts(app.routes):
            for method in route.methods or ():
                if method != "HEAD":
                    found.add((service, method, str(route.path)))
    return found


async def test_the_matrix_covers_every_endpoint(council: Council) -> None:
    rows = [r.key for r in matrix()]
    assert len(rows) == len(set(rows)), "an endpoint appears twice in the matrix"
    endpoints = _endpoints(council)
    assert endpoints - set(rows) == set(), "endpoints missing from the authorisation matrix"
    assert set(rows) - endpoints == set(), "rows for endpoints that no longer exist"


async def test_every_principal_gets_the_expected_answer_from_every_endpoint(council: Council) -> None:
    wrong = []
    checked = 0
    for r in matrix():
        for principal in PRINCIPALS:
            path, params, body, headers = await request_of(council, r)
            response = await council.call(
                r.service, r.method, path, principal, body, params=params, headers=headers
            )
            checked += 1
            expected = r.expected(principal)
            if response.status_code != expected:
                wrong.append((r.service, r.method, r.path, principal, expected, response.status_code, response.text[:200]))
            elif expected >= 400:
                assert response.headers["content-type"].startswith("application/problem+json"), (r.key, principal)
    assert checked == len(matrix()) * len(PRINCIPALS)
    assert wrong == [], "\n".join(map(str, wrong))
