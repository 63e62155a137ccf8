"""The console on its own: sign-in, errors as pages, security headers, and services that do not answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from console.main import create_app
from console.settings import ConsoleSettings
from shared.devstack.ports import free_port

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings = ConsoleSettings(
        brokerage_url=nowhere, monitoring_url=nowhere, payments_url=nowhere, quality_url=nowhere,
        session_secret="unit", upstream_timeout_seconds=2,
    )  # fmt: skip
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as http:
            yield http


async def test_pages_send_whoever_is_not_signed_in_to_sign_in_and_back(client: httpx.AsyncClient) -> None:
    r = await client.get("/payments/periods/x?y=1")
    assert r.status_code == 303
    assert r.headers["location"] == "/sign-in?next=%2Fpayments%2Fperiods%2Fx%3Fy%3D1"
    page = await client.get(r.headers["location"])
    assert page.status_code == 200
    assert '<label class="label" for="sign-in-key">API key</label>' in page.text
    assert 'name="next" value="/payments/periods/x?y=1"' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    # Somewhere else is never where sign-in leads.
    assert 'value="/"' in (await client.get("/sign-in?next=https://evil.example/")).text


async def test_an_empty_key_is_an_error_at_the_field_and_in_the_summary(client: httpx.AsyncClient) -> None:
    r = await client.post("/sign-in", data={"key": "  ", "next": "/"})
    assert r.status_code == 422
    assert '<a href="#sign-in-key">Enter your API key</a>' in r.text
    assert 'id="sign-in-key-error"' in r.text
    assert 'aria-describedby="sign-in-key-hint sign-in-key-error"' in r.text
    assert "<title>Error: Sign in" in r.text


async def test_services_that_do_not_answer_are_said_so(client: httpx.AsyncClient) -> None:
    r = await client.post("/sign-in", data={"key": "hc_x_y", "next": "/"})
    assert r.status_code == 503
    assert "The services are not answering" in r.text


async def test_forms_from_other_sites_are_refused(client: httpx.AsyncClient) -> None:
    r = await client.post("/sign-out", headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = await client.post("/sign-out", headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = await client.post("/sign-out", headers={"Origin": "http://console.test", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 303


async def test_static_files_are_cacheable_and_unknown_pages_are_pages(client: httpx.AsyncClient) -> None:
    css = await client.get("/static/console.css")
    assert css.status_code == 200
    assert "cache-control" not in css.headers
    assert (await client.get("/static/fonts/inter-latin-400-normal.woff2")).status_code == 200
    missing = await client.get("/nowhere")
    assert missing.status_code == 404
    assert '<h1 class="heading-xl">Page not found</h1>' in missing.text
    assert (await client.get("/readyz")).json() == {"status": "ready"}
