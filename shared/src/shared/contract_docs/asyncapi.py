"""The AsyncAPI 3 document of every topic and event type, built from the event models.

Nothing here is written by hand but prose: topics, keys, event types, payload schemas, envelope
attributes, Kafka headers, dead-letter headers, producers and consumer groups all come from the
code that produces and consumes them, so the document cannot drift from it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from pydantic.json_schema import models_json_schema

import shared.contracts
from shared.contract_docs.services import ServiceContracts
from shared.contracts.topics import ALL_TOPICS, TOPIC_KEYS, dlq_topic
from shared.messaging.dlq import DEAD_LETTER_HEADERS, REPLAYED_HEADER
from shared.messaging.envelope import Envelope, EventData, registered_event_types
from shared.messaging.outbox import KAFKA_HEADERS

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
COMPONENT_REF = "#/components/schemas/{model}"
REFRESH_COMMAND = ".venv/bin/homecare contracts write"


@dataclass(frozen=True)
class EventContract:
    """One event type: its topic, model and producer."""

    event_type: str
    topic: str
    name: str
    model: type[EventData]
    source: str

    @property
    def summary(self) -> str:
        """The model's docstring, on one line."""
        return " ".join((self.model.__doc__ or self.event_type).split())


def event_contracts() -> list[EventContract]:
    """Every event type of ``shared.contracts``, by topic (in the topics' order) then by name.

    Events registered elsewhere (a test's example service) are not part of the contract.
    """
    found = [
        EventContract(t, m.topic, m.name, m, sys.modules[m.__module__].SOURCE)
        for t, m in registered_event_types().items()
        if m.__module__.startswith(f"{shared.contracts.__name__}.")
    ]
    return sorted(found, key=lambda c: (ALL_TOPICS.index(c.topic), c.name))


def envelope_schema() -> dict[str, Any]:
    """The CloudEvents envelope without its data: every attribute, always present in what we send."""
    schema = Envelope[EventData].model_json_schema(mode="serialization")
    properties = {k: _untitled(v) for k, v in schema["properties"].items() if k != "data"}
    return {
        "type": "object",
        "description": "A CloudEvents 1.0 structured-mode event (the Kafka message value) with homecare's "
        "extensions correlationid, causationid and schemaversion.",
        "required": list(properties),
        "properties": properties,
    }


def _untitled(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k != "title"}


def message_properties(contract: EventContract, data_ref: str) -> dict[str, Any]:
    """What pins an envelope to one event type: its type, source, schema version and data."""
    return {
        "type": {"const": contract.event_type},
        "source": {"const": contract.source},
        "schemaversion": {"const": contract.model.schema_version},
        "subject": {
            "type": "string",
            "format": "uuid",
            "description": f"data.{TOPIC_KEYS[contract.topic]}, also the Kafka message key.",
        },
        "data": {"$ref": data_ref},
    }


def payload_schemas(contracts: Sequence[EventContract], ref_template: str) -> tuple[dict[str, str], dict[str, Any]]:
    """JSON Schemas of the payloads as sent (serialisation mode): refs by event type, and the definitions."""
    refs, definitions = models_json_schema([(c.model, "serialization") for c in contracts], ref_template=ref_template)
    by_type = {c.event_type: refs[(c.model, "serialization")]["$ref"] for c in contracts}
    return by_type, definitions.get("$defs", {})


def _headers_schema(headers: dict[str, str], required: Sequence[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(required),
        "properties": {name: {"type": "string", "description": text} for name, text in headers.items()},
    }


def _producer(contract: EventContract, services: Sequence[ServiceContracts]) -> str:
    return next((s.info.name for s in services if s.source == contract.source), contract.source)


def _consumers(topic: str, services: Sequence[ServiceContracts]) -> list[tuple[str, str, list[str]]]:
    """(service, group, event types) for each consumer group that handles events of the topic."""
    out = []
    for svc in services:
        for group, types in svc.consumers.items():
            handled = [t for t in types if t.rsplit(".", 1)[0] == topic]
            if handled:
                out.append((svc.info.name, group, handled))
    return out


def _channel(topic: str, contracts: Sequence[EventContract], services: Sequence[ServiceContracts]) -> dict[str, Any]:
    producer = _producer(contracts[0], services)
    groups = ", ".join(f"{service} (group {group})" for service, group, _ in _consumers(topic, services))
    key = TOPIC_KEYS[topic]
    return {
        "address": topic,
        "title": topic,
        "description": (
            f"Events about one {topic.split('.', 1)[1]}, keyed by its id ({key}, the envelope's subject), so one "
            f"{topic.split('.', 1)[1]}'s events stay in order on one partition. Produced by {producer} through its "
            f"transactional outbox; consumed by {groups or 'no homecare service'}. Delivery is at least once: "
            "consumers deduplicate on the envelope id."
        ),
        "messages": {c.name: {"$ref": f"#/components/messages/{c.event_type}"} for c in contracts},
        "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def _dlq_channel(topic: str) -> dict[str, Any]:
    return {
        "address": dlq_topic(topic),
        "title": dlq_topic(topic),
        "description": (
            f"Dead letters of {topic}: an event a consumer group could not apply after its retries, with its "
            f"original key, value and headers plus the dlq.* headers. Outages are retried, never dead-lettered. "
            f"`homecare dlq replay --topic {topic}` sends them back once the fault is fixed (adding "
            f"{REPLAYED_HEADER}); groups that applied an event already skip it."
        ),
        "messages": {"deadLettered": {"$ref": f"#/components/messages/{dlq_topic(topic)}"}},
        "bindings": {"kafka": {"topic": dlq_topic(topic), "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def _operations(
    by_topic: dict[str, list[EventContract]], services: Sequence[ServiceContracts]
) -> dict[str, dict[str, Any]]:
    operations: dict[str, dict[str, Any]] = {}
    for topic, contracts in by_topic.items():
        producer = _producer(contracts[0], services)
        operations[f"{producer}.send.{topic}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{topic}"},
            "title": f"{producer} publishes {topic}",
            "summary": f"Written to the {producer} service's outbox with the change it describes; its relay sends it.",
            "tags": [{"name": producer}],
            "messages": [{"$ref": f"#/channels/{topic}/messages/{c.name}"} for c in contracts],
        }
        for service, group, handled in _consumers(topic, services):
            names = [t.rsplit(".", 1)[1] for t in handled]
            operations[f"{group}.receive.{topic}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{topic}"},
                "title": f"{service} consumes {topic}",
                "summary": f"Consumer group {group} applies {', '.join(names)} exactly once each; other types "
                "on the topic are skipped.",
                "tags": [{"name": service}],
                "messages": [{"$ref": f"#/channels/{topic}/messages/{n}"} for n in names],
            }
        operations[f"deadletter.{topic}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{dlq_topic(topic)}"},
            "title": f"A consumer group dead-letters an event of {topic}",
            "summary": "After its retries a consumer group sends the event here and moves on.",
            "messages": [{"$ref": f"#/channels/{dlq_topic(topic)}/messages/deadLettered"}],
        }
    return operations


def _message(contract: EventContract, producer: str) -> dict[str, Any]:
    return {
        "name": contract.event_type,
        "title": contract.event_type,
        "summary": contract.summary,
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/KafkaHeaders"},
        "payload": {"$ref": f"#/components/schemas/{contract.event_type}"},
        "correlationId": {"$ref": "#/components/correlationIds/flow"},
        "tags": [{"name": producer}],
        "bindings": {
            "kafka": {
                "key": {"type": "string", "format": "uuid", "description": f"data.{TOPIC_KEYS[contract.topic]}"},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _dlq_message(topic: str, contracts: Sequence[EventContract]) -> dict[str, Any]:
    return {
        "name": dlq_topic(topic),
        "title": f"A dead-lettered event of {topic}",
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        "payload": {"oneOf": [{"$ref": f"#/components/schemas/{c.event_type}"} for c in contracts]},
        "correlationId": {"$ref": "#/components/correlationIds/flow"},
    }


def asyncapi_document(services: Sequence[ServiceContracts]) -> dict[str, Any]:
    """The whole AsyncAPI 3 document."""
    contracts = event_contracts()
    by_topic: dict[str, list[EventContract]] = {t: [c for c in contracts if c.topic == t] for t in ALL_TOPICS}
    data_refs, definitions = payload_schemas(contracts, COMPONENT_REF)
    schemas: dict[str, Any] = {
        "CloudEvent": envelope_schema(),
        "KafkaHeaders": _headers_schema(KAFKA_HEADERS, ["ce_type", "ce_id"]),
        "DeadLetterHeaders": _headers_schema(
            {**KAFKA_HEADERS, **DEAD_LETTER_HEADERS}, ["ce_type", "ce_id", *DEAD_LETTER_HEADERS]
        ),
    }
    for c in contracts:
        schemas[c.event_type] = {
            "description": f"The Kafka message value of {c.event_type}: the envelope and its data.",
            "allOf": [
                {"$ref": "#/components/schemas/CloudEvent"},
                {"type": "object", "properties": message_properties(c, data_refs[c.event_type])},
            ],
        }
    schemas.update(definitions)
    channels: dict[str, Any] = {}
    for topic, topic_contracts in by_topic.items():
        channels[topic] = _channel(topic, topic_contracts, services)
        channels[dlq_topic(topic)] = _dlq_channel(topic)
    messages: dict[str, Any] = {c.event_type: _message(c, _producer(c, services)) for c in contracts}
    messages.update({dlq_topic(t): _dlq_message(t, cs) for t, cs in by_topic.items()})
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "homecare events",
            "version": version("homecare-shared"),
            "description": (
                "Every topic and event type of homecare. Each topic is `<service>.<aggregate>`, keyed by the "
                "aggregate id; each event is a CloudEvents 1.0 structured-mode JSON envelope in the message value. "
                "Each event type's JSON Schema is published beside this document in events/<type>.json. "
                f"Generated from shared/src/shared/contracts by `{REFRESH_COMMAND}`: do not edit by hand."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": "kafka:9092",
                "protocol": "kafka",
                "description": "The cluster named by KAFKA_BOOTSTRAP_SERVERS. Topics are created with "
                "KAFKA_TOPIC_PARTITIONS partitions; producers wait for all in-sync replicas (acks=all) and are "
                "idempotent where KAFKA_ENABLE_IDEMPOTENCE is true.",
            }
        },
        "channels": channels,
        "operations": _operations(by_topic, services),
        "components": {
            "schemas": schemas,
            "messages": messages,
            "correlationIds": {
                "flow": {
                    "description": "The flow an event belongs to, from the request that began it; "
                    "`homecare trace <correlationid>` follows it through every service's logs.",
                    "location": "$message.payload#/correlationid",
                }
            },
        },
    }


def event_json_schema(contract: EventContract) -> dict[str, Any]:
    """One event type's Kafka message value as a self-contained JSON Schema (draft 2020-12)."""
    data_refs, definitions = payload_schemas([contract], "#/$defs/{model}")
    envelope = envelope_schema()
    pinned = message_properties(contract, data_refs[contract.event_type])
    properties = {k: {**envelope["properties"].get(k, {}), **v} for k, v in pinned.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{contract.event_type}.json",
        "title": contract.event_type,
        "description": f"{contract.summary} Topic {contract.topic}, key data.{TOPIC_KEYS[contract.topic]}. "
        f"{envelope['description']}",
        "type": "object",
        "required": [*envelope["required"], "data"],
        "properties": {**envelope["properties"], **properties},
        "$defs": definitions,
    }
