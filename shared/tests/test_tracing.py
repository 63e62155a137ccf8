"""Correlation and causation: what a request and a consumed event bind, what the events they publish
carry, and ``homecare trace`` following one flow through several services' log files."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from shared.cli import app
from shared.contracts.referrals import ReferralCancelled
from shared.logging import (
    current_causation_id,
    current_correlation_id,
    event_context,
    flow_correlation_id,
    request_context,
)
from shared.messaging.envelope import build_envelope
from shared.tracing import format_line, trace
from typer.testing import CliRunner

REFERRAL = uuid.uuid4()


def _event() -> ReferralCancelled:
    return ReferralCancelled(referral_id=REFERRAL, reason="duplicate")


def test_a_request_is_the_correlation_and_the_cause_of_what_it_publishes() -> None:
    with request_context("req-1", "referrals"):
        envelope = build_envelope(_event(), subject=str(REFERRAL), source="/t")
    assert (envelope.correlationid, envelope.causationid) == ("req-1", "req-1")
    assert current_correlation_id() is None


def test_an_event_handler_keeps_the_incoming_correlation_and_names_the_event_its_cause() -> None:
    incoming = uuid.uuid4()
    with event_context(incoming, "flow-1"):
        envelope = build_envelope(_event(), subject=str(REFERRAL), source="/t")
        # The incoming conversation wins over the aggregate's own flow.
        assert flow_correlation_id("older-flow") == "flow-1"
    assert (envelope.correlationid, envelope.causationid) == ("flow-1", str(incoming))
    assert current_causation_id() is None


def test_a_request_or_sweep_on_an_existing_aggregate_joins_the_aggregate_flow() -> None:
    with request_context("req-2", "brokerage"):
        assert flow_correlation_id("flow-1") == "flow-1"
        assert flow_correlation_id(None) == "req-2"
    assert flow_correlation_id("flow-1") == "flow-1"
    assert flow_correlation_id(None) is None


def _write(path: Path, *lines: dict[str, object]) -> None:
    path.write_text("INFO:     Started server process [1]\n" + "".join(json.dumps(line) + "\n" for line in lines))


def _logs(folder: Path) -> None:
    _write(
        folder / "referrals.log",
        {"timestamp": "2026-12-01T10:00:00.000001Z", "event": "request", "correlation_id": "X", "request_id": "X",
         "route": "/v1/referrals", "status": 201},
        {"timestamp": "2026-12-01T10:00:00.000002Z", "event": "request", "correlation_id": "other",
         "request_id": "other", "route": "/v1/referrals", "status": 201},
    )  # fmt: skip
    _write(
        folder / "brokerage.log",
        {"timestamp": "2026-12-01T10:00:01Z", "event": "event_consumed", "service": "brokerage",
         "correlation_id": "X", "type": "referrals.referral.submitted"},
        # The provider's accept request writes the package's events under the referral's flow...
        {"timestamp": "2026-12-01T10:00:03Z", "event": "events_published", "service": "brokerage",
         "correlation_id": "X", "request_id": "Y", "types": ["brokerage.package.awarded"]},
        # ...so the request's own lines come along by its id.
        {"timestamp": "2026-12-01T10:00:02Z", "event": "request", "service": "brokerage", "correlation_id": "Y",
         "request_id": "Y", "route": "/v1/offers/{offer_id}/accept", "status": 200},
        {"timestamp": "2026-12-01T10:00:04Z", "event": "request", "service": "brokerage", "correlation_id": "Z",
         "request_id": "Z", "route": "/v1/offers", "status": 200},
    )  # fmt: skip
    _write(
        folder / "payments.log",
        # A calculation request logs every package's lines under that package's flow.
        {"timestamp": "2026-12-01T11:00:00Z", "event": "payment_lines", "service": "payments",
         "correlation_id": "X", "request_id": "W", "amount": "21.37"},
        {"timestamp": "2026-12-01T11:00:00.5Z", "event": "payment_lines", "service": "payments",
         "correlation_id": "other", "request_id": "W", "amount": "99.00"},
    )  # fmt: skip


def test_trace_follows_one_flow_across_files_and_the_requests_that_touched_it(tmp_path: Path) -> None:
    _logs(tmp_path)
    lines = trace(sorted(tmp_path.glob("*.log")), "X")
    assert [(line["service"], line["event"], line["timestamp"][11:19]) for line in lines] == [
        ("referrals", "request", "10:00:00"),
        ("brokerage", "event_consumed", "10:00:01"),
        ("brokerage", "request", "10:00:02"),
        ("brokerage", "events_published", "10:00:03"),
        ("payments", "payment_lines", "11:00:00"),
    ]
    assert "via_request=Y" in format_line(lines[2], "X")


def test_homecare_trace_prints_the_timeline_or_says_nothing_matched(tmp_path: Path) -> None:
    _logs(tmp_path)
    runner = CliRunner()
    found = runner.invoke(app, ["trace", "X", "--logs", str(tmp_path)])
    assert found.exit_code == 0, found.output
    rows = found.output.splitlines()
    lines = trace(sorted(tmp_path.glob("*.log")), "X")
    assert len(rows) == 5
    assert "route=/v1/offers/{offer_id}/accept" in rows[2]
    assert "amount=21.37" in rows[4]
    as_json = runner.invoke(app, ["trace", "X", "--logs", str(tmp_path), "--json"])
    assert [json.loads(row)["event"] for row in as_json.output.splitlines()] == [line["event"] for line in lines]
    missing = runner.invoke(app, ["trace", "nobody", "--logs", str(tmp_path)])
    assert missing.exit_code == 1
