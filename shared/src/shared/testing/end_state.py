"""The end state of a simulated county, by keys that are the same in every run of the same seed, so a
run with faults can be compared with one without.

Server-made ids (referral, provider, visit and period ids) differ between runs; they are replaced by
the simulator's stable keys: the referral's ``external_ref`` (the package id is the referral id),
the provider's name, and a visit's package reference and time. Amounts are compared to the penny.
Visits are compared up to the simulated weeks' end: the ones planned from today on are the live
schedule as it stood when each run ended (derived a day ahead of the clock), not what the county did.
A visit a later change removed (a hospital stay, an amendment, an end) is left out wherever it shows:
if the change came after the visit was published, the visit stays on record as withdrawn (cancelled
for payments and quality, with a £0 not-payable line); if it came first, the visit never existed.
Which of the two happens depends on timing, not on what was delivered or paid, so ``withdrawn``
counts them separately and they are reported, not compared.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.clock import london_wall_clock_to_utc
from shared.contracts.topics import ALL_TOPICS, dlq_topic
from shared.settings import to_asyncpg_dsn

SCHEMAS = ("referrals", "brokerage", "monitoring", "payments", "quality")
State = dict[str, dict[str, Any]]


class _Keys:
    """Server ids to stable keys."""

    def __init__(self, refs: Mapping[uuid.UUID, str], providers: Mapping[uuid.UUID, str]) -> None:
        self.refs = refs
        self.providers = providers

    def ref(self, package_id: uuid.UUID) -> str:
        return self.refs.get(package_id, f"unknown package {package_id}")

    def provider(self, provider_id: uuid.UUID | None) -> str:
        if provider_id is None:
            return "-"
        return self.providers.get(provider_id, f"unknown provider {provider_id}")


def _text(value: Any) -> str:
    return "-" if value is None else str(value)


async def _referrals(conn: asyncpg.Connection, k: _Keys) -> dict[str, Any]:
    rows = await conn.fetch(
        "SELECT r.external_ref, r.status, r.provider_id, r.care_start_date, r.suspended_from, r.end_date,"
        " r.end_reason, p.status AS package_status, p.provider_id AS awarded_to, p.hourly_rate,"
        " p.ongoing_hourly_rate FROM referrals.referral r LEFT JOIN brokerage.package p ON p.id = r.id"
    )
    return {
        r["external_ref"]: " ".join(
            [r["status"], k.provider(r["provider_id"]), *(_text(r[c]) for c in (
                "care_start_date", "suspended_from", "end_date", "end_reason", "package_status")),
             k.provider(r["awarded_to"]), _text(r["hourly_rate"]), _text(r["ongoing_hourly_rate"])]
        )
        for r in rows
    }


async def _monitoring_visits(conn: asyncpg.Connection, k: _Keys, until: datetime) -> dict[str, Any]:
    rows = await conn.fetch(
        "SELECT package_id, provider_id, anchor_at, status, state->>'actual_minutes' AS minutes"
        " FROM monitoring.visit WHERE anchor_at < $1 AND status <> 'withdrawn'",
        until,
    )
    return {
        f"{k.ref(r['package_id'])} {r['anchor_at'].isoformat()}": f"{r['status']} {k.provider(r['provider_id'])}"
        f" {r['minutes']}"
        for r in rows
    }


async def _payments_visits(conn: asyncpg.Connection, k: _Keys, today: date) -> dict[str, Any]:
    rows = await conn.fetch(
        "SELECT package_id, provider_id, day, planned_start, outcome, actual_start, actual_end, carers_attended,"
        " verified FROM payments.visit WHERE day < $1 AND outcome <> 'cancelled'",
        today,
    )
    return {
        f"{k.ref(r['package_id'])} {r['planned_start'] or r['actual_start']}": " ".join(
            [r["outcome"], k.provider(r["provider_id"]), str(r["day"]), _text(r["actual_start"]),
             _text(r["actual_end"]), str(r["carers_attended"]), str(r["verified"])]
        )
        for r in rows
    }


async def _quality_visits(conn: asyncpg.Connection, k: _Keys, today: date) -> dict[str, Any]:
    rows = await conn.fetch("SELECT package_id, provider_id, status, day, COUNT(*) AS n FROM quality.visit"
                            " WHERE day < $1 AND status <> 'cancelled' GROUP BY package_id, provider_id, status, day",
                            today)
    return {f"{k.ref(r['package_id'])} {r['day']} {r['status']} {k.provider(r['provider_id'])}": r["n"] for r in rows}


async def _visits_by_provider(conn: asyncpg.Connection, k: _Keys, until: datetime) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    sql = ("SELECT provider_id, status, COUNT(*) AS n FROM monitoring.visit"
           " WHERE anchor_at < $1 AND status <> 'withdrawn' GROUP BY 1, 2")
    for r in await conn.fetch(sql, until):
        counts[f"{k.provider(r['provider_id'])} {r['status']}"] += r["n"]
    return dict(counts)


async def _payment_lines(conn: asyncpg.Connection, k: _Keys) -> dict[str, Any]:
    rows = await conn.fetch(
        "SELECT package_id, provider_id, basis, rule, status, COUNT(*) AS n, SUM(amount) AS amount,"
        " SUM(council_amount) AS council, SUM(nhs_amount) AS nhs, SUM(COALESCE(minutes, 0)) AS minutes"
        " FROM payments.line WHERE rule <> 'cancelled_not_paid' GROUP BY 1, 2, 3, 4, 5"
    )
    return {
        f"{k.ref(r['package_id'])} {k.provider(r['provider_id'])} {r['basis']} {r['rule']} {r['status']}":
            f"n={r['n']} amount={r['amount']} council={r['council']} nhs={r['nhs']} minutes={r['minutes']}"
        for r in rows
    }


async def _payment_totals(conn: asyncpg.Connection, k: _Keys) -> dict[str, Any]:
    rows = await conn.fetch(
        "SELECT provider_id, basis, status, SUM(council_amount) AS council, SUM(nhs_amount) AS nhs"
        " FROM payments.line GROUP BY 1, 2, 3"
    )
    out: dict[str, Any] = {}
    for r in rows:
        for funder in ("council", "nhs"):
            out[f"{k.provider(r['provider_id'])} {funder} {r['basis']} {r['status']}"] = str(r[funder])
    periods = await conn.fetch("SELECT start_date, status, packages_total FROM payments.period")
    for p in periods:
        out[f"period {p['start_date']}"] = f"{p['status']} packages={p['packages_total']}"
    return out


async def _kpis(conn: asyncpg.Connection, k: _Keys) -> dict[str, Any]:
    # The count of cancelled visits is the withdrawn ones again (see the module's docstring).
    rows = await conn.fetch("SELECT provider_id, period, score, band, (kpis #- '{visits,cancelled}')::text AS kpis,"
                            " components::text AS components FROM quality.score")
    return {
        f"{k.provider(r['provider_id'])} {r['period']}": f"score={r['score']} band={r['band']} kpis={r['kpis']}"
        f" components={r['components']}"
        for r in rows
    }


async def _withdrawn(conn: asyncpg.Connection, until: datetime) -> dict[str, int]:
    return {
        "monitoring withdrawn": await conn.fetchval(
            "SELECT COUNT(*) FROM monitoring.visit WHERE anchor_at < $1 AND status = 'withdrawn'", until
        ),
        "payments cancelled lines": await conn.fetchval(
            "SELECT COUNT(*) FROM payments.line WHERE rule = 'cancelled_not_paid'"
        ),
    }


async def capture_database(database_url: str, today: date) -> tuple[State, dict[str, int]]:
    """The comparable end state held in the five services' schemas (visits before ``today``, London),
    and the withdrawn visits left out of it."""
    until = london_wall_clock_to_utc(today, time(0))
    conn = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        refs = {r["id"]: r["external_ref"] for r in await conn.fetch("SELECT id, external_ref FROM referrals.referral")}
        providers = {r["id"]: r["name"] for r in await conn.fetch("SELECT id, name FROM brokerage.provider")}
        k = _Keys(refs, providers)
        return {
            "referrals": await _referrals(conn, k),
            "visits_by_provider_and_state": await _visits_by_provider(conn, k, until),
            "monitoring_visits": await _monitoring_visits(conn, k, until),
            "payments_visits": await _payments_visits(conn, k, today),
            "quality_visits": await _quality_visits(conn, k, today),
            "payment_lines_by_package": await _payment_lines(conn, k),
            "payment_totals_by_provider_funder_basis": await _payment_totals(conn, k),
            "kpis_by_provider": await _kpis(conn, k),
        }, await _withdrawn(conn, until)
    finally:
        await conn.close()


async def event_counts(database_url: str) -> dict[str, int]:
    """Events each service published (outbox rows) and applied (processed-event markers)."""
    conn = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        out: dict[str, int] = {}
        for schema in SCHEMAS:
            # schema names are our constants, never input
            out[f"{schema}.published"] = await conn.fetchval(f"SELECT COUNT(*) FROM {schema}.outbox_event")  # noqa: S608
            out[f"{schema}.unsent"] = await conn.fetchval(
                f"SELECT COUNT(*) FROM {schema}.outbox_event WHERE published_at IS NULL"  # noqa: S608
            )
            out[f"{schema}.applied"] = await conn.fetchval(f"SELECT COUNT(*) FROM {schema}.processed_event")  # noqa: S608
        return out
    finally:
        await conn.close()


async def dead_letters(bootstrap: str) -> dict[str, int]:
    """Messages on each dead-letter topic, by topic and by the error's first words (an injected fault
    says so)."""
    topics = [dlq_topic(t) for t in ALL_TOPICS]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    counts: Counter[str] = Counter()
    try:
        partitions = [
            TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())
        ]
        if not partitions:
            await consumer.topics()
            partitions = [
                TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())
            ]
        ends = await consumer.end_offsets(partitions)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        remaining = {tp: end for tp, end in ends.items() if end > 0}
        while remaining:
            batch = await consumer.getmany(timeout_ms=2000)
            if not batch:
                break
            for tp, records in batch.items():
                for rec in records:
                    headers = dict(rec.headers or [])
                    error = headers.get("dlq.error", b"").decode(errors="replace")
                    kind = "injected" if "InjectedFault" in error else "other"
                    group = headers.get("dlq.consumer_group", b"?").decode(errors="replace")
                    counts[f"{tp.topic} {group} {kind}"] += 1
                    if rec.offset + 1 >= remaining.get(tp, 0):
                        remaining.pop(tp, None)
    finally:
        await consumer.stop()
    return dict(counts)


def differences(expected: State, got: State, limit: int = 20) -> list[str]:
    """Every key whose value differs (or is missing on one side), section by section; at most
    ``limit`` listed per section, with the count of the rest."""
    found: list[str] = []
    for section in sorted(set(expected) | set(got)):
        a, b = expected.get(section, {}), got.get(section, {})
        diffs = [
            f"{section}: {key}: expected {a.get(key, '(absent)')!s}, got {b.get(key, '(absent)')!s}"
            for key in sorted(set(a) | set(b), key=str)
            if a.get(key) != b.get(key)
        ]
        found += diffs[:limit]
        if len(diffs) > limit:
            found.append(f"{section}: and {len(diffs) - limit} more differences")
    return found


def count_differences(expected: State, got: State) -> int:
    """How many keys differ in all."""
    return sum(
        1
        for section in set(expected) | set(got)
        for key in set(expected.get(section, {})) | set(got.get(section, {}))
        if expected.get(section, {}).get(key) != got.get(section, {}).get(key)
    )
