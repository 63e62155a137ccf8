"""Time-and-task visit lines computed inside Postgres: the bulk of a period in one statement.

This is the set-based twin of ``payments.domain.time_and_task.price_visit`` for the common case (a
time-and-task package's visits dated in the period, none of them paid before); the integration
test ``test_sql_matches_domain`` checks the two agree line for line, rule, note and penny. Everything
else (budgets, enablement, retainers, contributions, late visits and corrections) goes through the
domain in Python. Bank holidays come from the ``holidays`` library, passed in as dates.
"""

from __future__ import annotations

import uuid

import asyncpg

from payments.domain.days import bank_holidays_between
from payments.domain.period import Period
from payments.domain.rules import PaymentRules

# $1 period id, $2 start, $3 end, $4 bank holidays, $5 multiplier, $6 rounding rule, $7 unit minutes,
# $8 tolerance.
INSERT_SQL = """
-- MATERIALIZED: each visit's rate lookup and approval checks run once, not once per reference.
WITH base AS MATERIALIZED (
    SELECT v.visit_id, v.package_id, v.provider_id, v.outcome, v.day, v.planned_minutes, v.verified, v.event_id,
           p.council_share, p.basis,
           coalesce(
               CASE WHEN p.ongoing_hourly_rate IS NOT NULL AND p.enablement_weeks IS NOT NULL
                         AND v.day >= p.start_date + 7 * p.enablement_weeks THEN p.ongoing_hourly_rate END,
               (SELECT r.hourly_rate FROM payments.package_rate r
                 WHERE r.package_id = v.package_id AND r.from_date <= v.day
                 ORDER BY r.from_date DESC LIMIT 1),
               p.hourly_rate) AS rate,
           CASE WHEN v.day = ANY($4::date[]) THEN $5::numeric ELSE 1 END AS mult,
           greatest(1, least(v.carers_attended, v.carers_required)) AS carers,
           greatest(0, trunc(extract(epoch FROM v.actual_end - v.actual_start)))::bigint AS secs,
           EXISTS (SELECT 1 FROM payments.approval a
                    WHERE a.kind = 'unverified_visit' AND a.subject_id = v.visit_id) AS released,
           EXISTS (SELECT 1 FROM payments.approval a
                    WHERE a.kind = 'excess_visit' AND a.subject_id = v.visit_id) AS excess_ok
    FROM payments.visit v
    JOIN payments.package p ON p.package_id = v.package_id
    LEFT JOIN payments.referral_state rs ON rs.package_id = v.package_id
    WHERE v.day BETWEEN $2 AND $3 AND p.basis = 'time_and_task' AND p.start_date <= $3
      AND (rs.end_date IS NULL OR (v.day <= rs.end_date AND rs.end_date >= $2 - 365))
), actual AS (
    SELECT *, (secs + 30) / 60 AS actual_min FROM base
), rounded AS (
    SELECT *,
           CASE $6::text
               WHEN 'bands_15' THEN (actual_min + 7) / 15 * 15
               WHEN 'complete_units' THEN actual_min / $7::int * $7::int
               ELSE actual_min END AS by_rule,
           CASE $6::text WHEN 'bands_15' THEN 'band_15' WHEN 'complete_units' THEN 'complete_units'
                ELSE 'nearest_minute' END AS rule_name,
           planned_minutes IS NOT NULL
               AND actual_min >= floor(planned_minutes * (1 - $8::numeric))
               AND actual_min < planned_minutes AS tolerated
    FROM actual
), decided AS (
    SELECT *,
        CASE
            WHEN outcome <> 'completed' THEN 0
            WHEN planned_minutes IS NULL THEN secs / 60
            WHEN $6::text = 'planned' OR tolerated THEN planned_minutes
            WHEN by_rule > planned_minutes AND planned_minutes > 0 AND NOT excess_ok THEN planned_minutes
            ELSE by_rule END AS minutes,
        CASE
            WHEN outcome <> 'completed' THEN outcome || '_not_paid'
            WHEN planned_minutes IS NULL THEN 'time_and_task:unplanned'
            WHEN $6::text = 'planned' THEN 'time_and_task:planned_time'
            WHEN tolerated THEN 'time_and_task:within_tolerance'
            WHEN by_rule > planned_minutes AND planned_minutes > 0 AND excess_ok
                THEN 'time_and_task:' || rule_name || '+excess_approved'
            WHEN by_rule > planned_minutes AND planned_minutes > 0
                THEN 'time_and_task:' || rule_name || '+capped_at_planned'
            ELSE 'time_and_task:' || rule_name END AS rule,
        CASE WHEN outcome = 'completed' AND planned_minutes IS NOT NULL AND $6::text <> 'planned'
                  AND NOT tolerated AND by_rule > planned_minutes AND planned_minutes > 0 AND NOT excess_ok
             THEN by_rule - planned_minutes ELSE 0 END AS unpaid_excess
    FROM rounded
), priced AS (
    SELECT *,
        CASE WHEN outcome = 'completed' THEN round(minutes * rate * carers * mult / 60, 2) ELSE 0.00 END AS amount,
        CASE
            WHEN outcome <> 'completed' THEN 'not_payable'
            WHEN (planned_minutes IS NULL OR NOT verified) AND NOT released THEN 'held'
            ELSE 'payable' END AS status,
        concat_ws('; ',
            CASE WHEN outcome = 'completed' AND mult <> 1 THEN 'bank holiday x' || mult::text END,
            CASE WHEN outcome = 'completed' AND unpaid_excess > 0
                 THEN unpaid_excess || ' min over planned not paid unless approved' END,
            CASE WHEN outcome = 'completed' AND planned_minutes IS NULL AND NOT released
                 THEN 'unplanned visit held for review' END,
            CASE WHEN outcome = 'completed' AND NOT verified AND NOT released
                 THEN 'unverified visit held for review' END) AS note
    FROM decided
)
INSERT INTO payments.line (period_id, ledger_key, rule, package_id, provider_id, basis, service_date, status,
    amount, council_amount, nhs_amount, visit_ids, minutes, hourly_rate, carers, multiplier, note, event_ids)
SELECT $1, 'visit:' || visit_id, rule, package_id, provider_id, basis, day, status,
       amount, round(amount * council_share, 2), amount - round(amount * council_share, 2), ARRAY[visit_id],
       minutes, rate,
       CASE WHEN outcome = 'completed' THEN carers ELSE 0 END,
       CASE WHEN outcome = 'completed' THEN mult ELSE 1 END,
       note, ARRAY[event_id]
FROM priced
"""


async def insert_time_and_task_lines(
    conn: asyncpg.Connection, period_id: uuid.UUID, period: Period, rules: PaymentRules
) -> int:
    """Price every time-and-task visit of the period in the database; returns the lines written."""
    status = await conn.execute(
        INSERT_SQL,
        period_id,
        period.start,
        period.end,
        bank_holidays_between(period.start, period.end),
        rules.bank_holiday_multiplier,
        rules.rounding.value,
        rules.unit_minutes,
        rules.tolerance,
    )
    return int(status.rsplit(" ", 1)[1])
