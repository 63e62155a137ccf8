"""The staff console end to end, in headless Chromium (Debian's package, driven by Playwright).

The console and the five services run under uvicorn on free ports against the test Postgres and broker;
a small council is seeded through the public APIs (world.py). Each page is checked for
accessibility (axe-core and our own rules) and against its screenshot baseline (checks.py
says how, and how to refresh them). The tests follow one council through a working day, in order.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import AsyncIterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.async_api import BrowserContext, Page, async_playwright, expect
from shared.testing.stack import PostgresHandle, migrated_database

from .checks import BASELINES, check_page, difference, refreshing, screenshot
from .world import RATE, World, running_world

pytestmark = pytest.mark.asyncio(loop_scope="session")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ALEX = "Alex Penrose/payments_staff"
ALEX_APPROVING = "Alex Penrose/payments_approver"
SAM = "Sam Kitto/payments_approver"
JO = "Jo Pascoe/quality_officer"
DEE = "Dee Hocking/admin"
VISIT = (RATE * 30 / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
async def world(pg: PostgresHandle, bootstrap: str) -> AsyncIterator[World]:
    """The services, the console and the seeded council, for the whole module."""
    url = await migrated_database(pg)
    async with running_world(url, bootstrap) as seeded:
        yield seeded


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[BrowserContext]:
    """Chromium with a fresh profile, at a fixed size, in the council's language and time zone."""
    async with async_playwright() as playwright:
        with tempfile.TemporaryDirectory(prefix="homecare-chromium-") as profile:
            context = await playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=ARGS,
                viewport={"width": 1024, "height": 768},
                device_scale_factor=1,
                locale="en-GB",
                timezone_id="Europe/London",
                reduced_motion="reduce",
                accept_downloads=True,
            )
            try:
                yield context
            finally:
                await context.close()


@pytest.fixture
async def page(browser: BrowserContext, world: World) -> AsyncIterator[Page]:
    """A new tab with nobody signed in."""
    await browser.clear_cookies()
    tab = await browser.new_page()
    try:
        yield tab
    finally:
        await tab.close()


async def sign_in(page: Page, world: World, who: str, then: str = "/") -> None:
    """Sign in through the form with this person's key, then open ``then``."""
    await page.goto(world.console_url + "/sign-in")
    await page.get_by_label("API key").fill(world.keys[who])
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_text(who.split("/")[0], exact=False).first).to_be_visible()
    if then != "/":
        await page.goto(world.console_url + then)


async def summary_links(page: Page) -> list[tuple[str, str]]:
    """The error summary's messages and where each links."""
    links = page.locator(".error-summary a")
    return [(await a.inner_text(), await a.get_attribute("href") or "") for a in await links.all()]


async def test_sign_in_with_ones_own_key_kept_out_of_script_reach(
    page: Page, world: World, browser: BrowserContext
) -> None:
    await page.goto(world.console_url + "/payments")
    assert page.url.startswith(world.console_url + "/sign-in?next=")
    await check_page(page, "sign-in")

    await page.get_by_role("button", name="Sign in").click()
    assert await summary_links(page) == [("Enter your API key", "#sign-in-key")]
    await expect(page.locator("#sign-in-key-error")).to_contain_text("Enter your API key")
    assert await page.title() == "Error: Sign in – homecare console"
    await page.get_by_label("API key").fill("hc_00000000000000000000000000000000_wrong")
    await page.get_by_role("button", name="Sign in").click()
    [(message, href)] = await summary_links(page)
    assert "not accepted" in message
    assert href == "#sign-in-key"
    await check_page(page, "sign-in-refused")

    await page.get_by_label("API key").fill(world.keys[ALEX])
    await page.get_by_role("button", name="Sign in").click()
    # Back where the browser was going, as the staff member.
    await expect(page.get_by_role("heading", level=1)).to_have_text("Payment periods")
    await expect(page.locator(".header-who")).to_contain_text("Alex Penrose (payments staff)")
    [cookie] = [c for c in await browser.cookies() if c["name"] == "hc_console_session"]
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    assert world.keys[ALEX] not in cookie["value"]
    assert await page.evaluate("document.cookie") == ""

    await page.goto(world.console_url + "/")
    await check_page(page, "home")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.locator(".notice")).to_contain_text("You have signed out")
    await page.goto(world.console_url + "/payments")
    assert "/sign-in" in page.url


async def test_a_periods_totals_drill_down_to_a_line_and_its_visits(page: Page, world: World) -> None:
    await sign_in(page, world, ALEX, "/payments")
    await check_page(page, "payments-periods")
    await page.locator("table").get_by_role("link").first.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(str(world.start.year))
    totals = page.locator("table").first
    kernow = totals.get_by_role("row").filter(has_text="Kernow Care")
    # Five visits paid at 30 minutes each (the long one capped at planned), each rounded to the penny;
    # the manual one held.
    await expect(kernow).to_contain_text(f"£{5 * VISIT}")
    await expect(kernow.locator("td").nth(3)).to_have_text(f"£{VISIT}")
    await check_page(page, "payments-period")

    await kernow.get_by_role("link", name="Kernow Care", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kernow Care")
    assert await page.locator("table tbody tr").count() == 7
    await check_page(page, "payments-provider-lines")

    await page.get_by_role("link", name=re.compile("capped at planned")).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Time and task")
    await expect(page.locator(".summary-list").first).to_contain_text("25 min over planned not paid unless approved")
    visit = page.locator(".summary-list").nth(1)
    await expect(visit).to_contain_text("Minutes delivered55")
    await expect(visit).to_contain_text("Verified in the homeYes")
    await expect(page.get_by_role("heading", level=2, name="Approve the minutes over planned")).to_be_visible()
    await check_page(page, "payments-line")


async def test_held_items_are_released_with_a_reason_and_adjustments_carry_theirs(page: Page, world: World) -> None:
    await sign_in(page, world, ALEX, f"/payments/periods/{world.period_id}/held")
    await expect(page.get_by_role("heading", level=2)).to_contain_text("Kernow Care")
    await expect(page.locator(".card")).to_contain_text("Unverified visit held for review")
    await check_page(page, "payments-held")

    release = page.get_by_role("button", name=re.compile("Release the held visit"))
    await release.click()
    [(message, href)] = await summary_links(page)
    assert message == "Enter why it is released"
    # The summary's link takes the keyboard to the field at fault.
    await page.locator(".error-summary a").click()
    await expect(page.locator(href)).to_be_focused()
    await page.locator(href).fill("The family confirmed the visit by phone.")
    await page.get_by_role("button", name=re.compile("Release the held visit")).click()
    await expect(page.locator(".notice")).to_contain_text("Released")

    await page.goto(
        f"{world.console_url}/payments/periods/{world.period_id}/providers/{world.providers['Kernow Care']}"
    )
    await page.get_by_label("Amount in pounds").fill("twelve")
    await page.get_by_label("Reason").fill("Mileage for the rural visits")
    await page.get_by_role("button", name="Record the adjustment").click()
    [(message, href)] = await summary_links(page)
    assert href == "#adjust-amount", message
    await expect(page.locator("#adjust-amount-error")).to_be_visible()
    await page.get_by_label("Amount in pounds").fill("-12.50")
    await page.get_by_role("button", name="Record the adjustment").click()
    await expect(page.locator(".notice")).to_contain_text("The adjustment was recorded")

    await page.goto(f"{world.console_url}/payments/periods/{world.period_id}/adjustments")
    row = page.locator("table tbody tr")
    await expect(row).to_contain_text("-£12.50")
    await expect(row).to_contain_text("Mileage for the rural visits")
    await expect(row).to_contain_text("Alex Penrose")
    await check_page(page, "payments-adjustments")


async def test_approval_needs_a_second_person_then_finance_and_remittances_download(page: Page, world: World) -> None:
    period = f"/payments/periods/{world.period_id}"
    await sign_in(page, world, ALEX_APPROVING, period)
    await page.get_by_role("button", name="Approve the period").click()
    [(message, _)] = await summary_links(page)
    assert message == (
        "You cannot approve this period: the approver must not be the person who calculated or adjusted the period"
    )
    await check_page(page, "payments-approval-refused")

    await page.get_by_role("button", name="Sign out").click()
    await sign_in(page, world, SAM, period)
    await page.get_by_role("button", name="Approve the period").click()
    await expect(page.locator(".notice")).to_contain_text("The period is approved")
    await expect(page.locator(".summary-list")).to_contain_text("Sam Kitto")

    async with page.expect_download() as finance:
        await page.get_by_role("link", name="Download the finance export (CSV)").click()
    download = await finance.value
    assert download.suggested_filename == f"payments-{world.start}.csv"
    rows = list(csv.DictReader(io.StringIO(Path(await download.path()).read_text())))
    kernow = str(world.providers["Kernow Care"])
    # The five paid visits less the £12.50 adjustment; the released visit is paid at the next calculation.
    expected = 5 * VISIT - Decimal("12.50")
    assert [(r["provider_id"], r["funder"], r["status"], Decimal(r["amount"])) for r in rows] == [
        (kernow, "council", "approved", expected)
    ]

    async with page.expect_download() as remittance:
        await page.get_by_role("link", name=re.compile("download CSV remittance for Kernow Care")).click()
    lines = list(csv.DictReader(io.StringIO(Path(await (await remittance.value).path()).read_text())))
    assert sorted(r["status"] for r in lines) == ["held", "not_payable", *["payable"] * 6]

    await page.get_by_role("link", name=re.compile("View remittance for Kernow Care")).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Remittance for Kernow Care")
    await check_page(page, "payments-remittance")


async def test_league_table_a_providers_kpis_over_time_and_visit_lengths(page: Page, world: World) -> None:
    await sign_in(page, world, JO, "/quality")
    await expect(page.get_by_role("heading", level=2).first).to_have_text(world.weeks[-1])
    table = page.locator("table").first
    await expect(table.get_by_role("row").nth(1)).to_contain_text("Kernow Care")
    charts = page.locator("svg.chart")
    await expect(charts).to_have_count(1)
    # The week's seven planned visits are all 16 to 30 minutes long, in the bar and in the table.
    await expect(page.locator("table").nth(1).get_by_role("row", name=re.compile("16 to 30 min"))).to_contain_text("7")
    await check_page(page, "quality-league")
    async with page.expect_download() as league:
        await page.get_by_role("link", name="Download the table (CSV)").click()
    download = await league.value
    assert download.suggested_filename == f"benchmark-{world.weeks[-1]}.csv"
    assert "Kernow Care" in Path(await download.path()).read_text()

    await table.get_by_role("link", name="Kernow Care", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kernow Care")
    await expect(charts).to_have_count(6)
    score = page.locator("#chart-score")
    assert await score.get_attribute("role") == "img"
    description = await page.locator("#chart-score-desc").text_content() or ""
    assert description.startswith(f"Composite score. {world.weeks[0]}: No data; {world.weeks[1]}: ")
    missed = page.locator("table").filter(has_text="Visits missed by period")
    # One of the seven visits of the third week was missed.
    await expect(missed.get_by_role("row", name=re.compile(world.weeks[2]))).to_contain_text("14.3%")
    await check_page(page, "quality-provider")


async def test_recommendations_are_confirmed_or_rejected_with_a_reason(page: Page, world: World) -> None:
    await sign_in(page, world, JO, "/quality/recommendations")
    cards = page.locator(".card")
    await expect(cards.first).to_contain_text("Demote to supplementary: Kernow Care")
    await check_page(page, "quality-recommendations")
    count = await cards.count()

    await cards.first.get_by_role("button", name=re.compile("^Confirm")).click()
    [(message, href)] = await summary_links(page)
    assert message == "Enter why you confirm this recommendation"
    await page.locator(href).fill("Agreed at the contract meeting.")
    await page.locator(href).locator("xpath=ancestor::form").get_by_role("button", name=re.compile("^Confirm")).click()
    await expect(page.locator(".notice")).to_contain_text("The recommendation is confirmed")
    await expect(page.locator(".card")).to_have_count(count - 1)
    decided = page.locator("table tbody tr").first
    await expect(decided).to_contain_text("Confirmed")
    await expect(decided).to_contain_text("Agreed at the contract meeting.")


async def test_the_queue_shows_offers_and_skips_and_staff_award_by_hand(page: Page, world: World) -> None:
    await sign_in(page, world, DEE, "/brokerage")
    card = page.locator(".card")
    await expect(card).to_have_count(1)
    await expect(card.get_by_role("heading")).to_have_text("Jory Penhale, PL25 5AB")
    offers = card.locator("table").first
    await expect(offers.get_by_role("row", name=re.compile("Kernow Care"))).to_contain_text("Declined no staff in area")
    await expect(offers.get_by_role("row", name=re.compile("Moorland Homecare"))).to_contain_text("Round 2")
    skips = card.locator("table").nth(1)
    await expect(skips.get_by_role("row", name=re.compile("Clay Country Carers"))).to_contain_text(
        "No weekly capacity left"
    )
    await check_page(page, "brokerage-queue")

    await card.get_by_role("link", name=re.compile("Award by hand")).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Jory Penhale")
    await check_page(page, "brokerage-package")
    await page.get_by_role("button", name="Award the package").click()
    assert await summary_links(page) == [
        ("Choose the provider to award the package to", "#award-provider_id"),
        ("Enter why the package is awarded by hand", "#award-reason"),
    ]
    await page.get_by_label("Provider").select_option(label="Clay Country Carers")
    await page.get_by_label("Reason").fill("Agreed by phone with their manager; a carer lives nearby.")
    await page.get_by_label("Hourly rate in pounds (optional)").fill("lots")
    await page.get_by_role("button", name="Award the package").click()
    [(_, href)] = await summary_links(page)
    assert href == "#award-hourly_rate"
    await page.get_by_label("Hourly rate in pounds (optional)").fill("")
    await page.get_by_role("button", name="Award the package").click()
    await expect(page.locator(".notice")).to_contain_text("The package is awarded")
    await expect(page.locator(".card")).to_have_count(0)


async def test_a_role_without_access_is_told_plainly(page: Page, world: World) -> None:
    await sign_in(page, world, JO, "/brokerage")
    await expect(page.get_by_role("heading", level=1)).to_have_text("You cannot see this page with your key")
    await expect(page.locator("main")).to_contain_text("admin")


async def test_the_screenshot_comparison_fails_a_page_without_its_stylesheet(page: Page, world: World) -> None:
    refreshing()
    await sign_in(page, world, JO, "/quality")
    baseline = Image.open(BASELINES / "quality-league.png")
    assert difference(await screenshot(page), baseline).close

    async def no_css(route: Any) -> None:
        await route.abort()

    await page.route("**/*.css", no_css)
    await page.reload()
    unstyled = difference(await screenshot(page), baseline)
    assert not unstyled.close, unstyled
