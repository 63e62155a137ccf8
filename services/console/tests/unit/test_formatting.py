"""Figures, dates and codes as staff read them."""

from __future__ import annotations

from datetime import date

from console.domain.formatting import humanise, long_date, method, money, number, role_name, share, short_date, when


def test_money_in_pounds_with_thousands_and_the_sign_first() -> None:
    assert money("1234.5") == "£1,234.50"
    assert money("-2.5") == "-£2.50"
    assert money("0") == "£0.00"
    assert money(None) == ""
    assert money("not money") == ""


def test_shares_as_percentages_and_nothing_measured_said_plainly() -> None:
    assert share("0.9123") == "91.2%"
    assert share("1") == "100.0%"
    assert share(None) == "No data"
    assert number("74.2600") == "74.26"
    assert number("99.00") == "99"
    assert number(None) == "No data"


def test_dates_in_gov_uk_style_and_times_on_the_london_clock() -> None:
    assert long_date("2026-03-05") == "5 March 2026"
    assert long_date(date(2026, 11, 30)) == "30 November 2026"
    assert short_date("2026-11-30") == "30 Nov 2026"
    assert when("2026-07-01T09:05:00+00:00") == "1 July 2026 at 10:05am"  # summer time
    assert when("2026-12-01T13:30:00+00:00") == "1 December 2026 at 1:30pm"
    assert when("2026-12-01T00:10:00+00:00") == "1 December 2026 at 12:10am"
    assert when(None) == ""


def test_codes_in_words() -> None:
    assert (
        humanise("time_and_task:nearest_minute+capped_at_planned") == "Time and task: nearest minute, capped at planned"
    )
    assert role_name("payments_approver") == "payments approver"
    assert role_name("new_role") == "new role"
    assert method("manual") == "Entered by hand"
    assert method(None) == "None"
