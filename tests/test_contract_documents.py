"""The contracts on paper: docs/asyncapi.yaml, docs/events/*.json and docs/openapi/*.json are what the
code generates now, the AsyncAPI document is valid AsyncAPI 3, and each event's published JSON Schema
accepts exactly what its producer sends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from aiokafka.structs import ConsumerRecord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime
from shared.contract_docs.asyncapi import event_contracts
from shared.contract_docs.files import differences, render, stale_message
from shared.contracts import brokerage, monitoring, payments, quality, referrals
from shared.contracts.common import VisitPatternEntry
from shared.contracts.topics import ALL_TOPICS, TOPIC_KEYS, dlq_topic
from shared.messaging.dlq import DEAD_LETTER_HEADERS, dead_letter_headers
from shared.messaging.envelope import EventData, build_envelope, envelope_to_dict
from shared.messaging.outbox import KAFKA_HEADERS, kafka_headers

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# The official AsyncAPI 3.0.0 JSON Schema (npm package @asyncapi/specs 6.11.1, schemas/3.0.0-without-$id.json,
# Apache-2.0), kept here so the check runs offline.
ASYNCAPI_SCHEMA = Path(__file__).parent / "schemas" / "asyncapi-3.0.0.schema.json"

# Contract fields are Decimal and constrained strings: draw finite amounts and valid times (aware
# only: the models refuse naive times, which are not RFC 3339).
st.register_type_strategy(datetime, st.datetimes(timezones=st.just(UTC)))
st.register_type_strategy(AwareDatetime, st.datetimes(timezones=st.just(UTC)))
st.register_type_strategy(
    Decimal, st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**6), max_value=10**6)
)
st.register_type_strategy(
    VisitPatternEntry,
    st.builds(
        VisitPatternEntry,
        days=st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1, unique=True),
        start=st.times().map(lambda t: t.strftime("%H:%M")),
        duration_minutes=st.integers(1, 600),
        carers=st.sampled_from([1, 2]),
    ),
)


CONTRACTS = {c.event_type: c.model for c in event_contracts()}


def asyncapi() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
    return document


def event_schema(event_type: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((DOCS / "events" / f"{event_type}.json").read_text())
    return schema


def test_committed_documents_are_what_the_code_generates() -> None:
    diffs = differences(DOCS, render())
    assert not diffs, stale_message(diffs)


def test_asyncapi_document_is_valid_asyncapi_3() -> None:
    document = asyncapi()
    validator = jsonschema.Draft7Validator(json.loads(ASYNCAPI_SCHEMA.read_text()))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(document)]
    assert errors == []
    assert document["asyncapi"] == "3.0.0"
    assert {"title", "version"} <= document["info"].keys()
    for op_id, operation in document["operations"].items():
        assert operation["action"] in ("send", "receive"), op_id


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if isinstance(node.get("$ref"), str) else [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_reference_in_the_asyncapi_document_resolves() -> None:
    document = asyncapi()
    refs = _refs(document)
    assert len(refs) > 100
    for ref in refs:
        assert ref.startswith("#/"), ref
        _resolve(document, ref)


def test_every_topic_dead_letter_topic_and_event_type_is_documented() -> None:
    document = asyncapi()
    for topic in ALL_TOPICS:
        assert document["channels"][topic]["address"] == topic
        assert document["channels"][dlq_topic(topic)]["address"] == dlq_topic(topic)
    messages = document["components"]["messages"]
    for contract in event_contracts():
        event_type, model = contract.event_type, contract.model
        channel_message = document["channels"][model.topic]["messages"][model.name]
        assert channel_message == {"$ref": f"#/components/messages/{event_type}"}
        assert messages[event_type]["bindings"]["kafka"]["key"]["description"] == f"data.{TOPIC_KEYS[model.topic]}"
    envelope = document["components"]["schemas"]["CloudEvent"]["properties"]
    for attribute in ("id", "source", "type", "subject", "time", "correlationid", "causationid", "schemaversion"):
        assert envelope[attribute]["description"], attribute


def test_the_documented_events_are_the_ones_the_contract_modules_declare() -> None:
    declared = {
        obj.event_type()
        for module in (referrals, brokerage, monitoring, quality, payments)
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, EventData) and "name" in obj.__dict__
    }
    assert declared == set(CONTRACTS)
    assert len(declared) >= 20


def test_each_topic_key_is_a_field_of_every_event_on_it() -> None:
    for contract in event_contracts():
        assert TOPIC_KEYS[contract.topic] in contract.model.model_fields, contract.event_type


def test_documented_headers_are_the_headers_sent() -> None:
    sample = event_contracts()[0].model
    envelope = build_envelope(_instance(sample), subject="s", source="/t", correlation_id="c")
    assert set(kafka_headers(envelope)) == set(KAFKA_HEADERS)
    record = ConsumerRecord("t", 0, 7, 0, 0, b"k", b"v", None, 1, 1, [("ce_type", b"x")])
    sent = dead_letter_headers(record, "group", "boom")
    assert {name for name, _ in sent} == {"ce_type", *DEAD_LETTER_HEADERS}


def _instance(model: type[EventData]) -> EventData:
    found: list[EventData] = []

    @settings(max_examples=1, database=None, suppress_health_check=list(HealthCheck))
    @given(st.from_type(model))
    def draw(value: EventData) -> None:
        found.append(value)

    draw()
    return found[0]


@pytest.mark.parametrize("event_type", sorted(CONTRACTS))
def test_published_schema_accepts_what_the_producer_sends_and_nothing_else(event_type: str) -> None:
    model = CONTRACTS[event_type]
    schema = event_schema(event_type)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())

    @settings(max_examples=15, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_type(model), st.uuids(), st.sampled_from([None, "a-request-id"]))
    def check(data: EventData, subject: Any, correlation: str | None) -> None:
        sent = envelope_to_dict(build_envelope(data, subject=str(subject), source="/x", correlation_id=correlation))
        sent["source"] = schema["properties"]["source"]["const"]
        errors = [e.message for e in validator.iter_errors(sent)]
        assert errors == [], sent
        assert not validator.is_valid({**sent, "type": "some.other.type"})
        assert not validator.is_valid({k: v for k, v in sent.items() if k != "subject"})

    check()
