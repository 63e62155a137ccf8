"""The event envelope: CloudEvents 1.0 attributes plus correlation, causation and schema version.

Every event type is a pydantic model subclassing :class:`EventData` with ``topic`` and ``name``;
subclassing registers it, so a raw message parses to its typed model by its ``type``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.clock import utcnow
from shared.logging import current_causation_id, current_correlation_id

_REGISTRY: dict[str, type[EventData]] = {}


class EventData(BaseModel):
    """Base of every event payload. Subclasses set ``topic`` and ``name``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    topic: ClassVar[str]
    name: ClassVar[str]
    schema_version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__ and getattr(cls, "topic", None):
            existing = _REGISTRY.get(cls.event_type())
            if existing is not None and existing.__qualname__ != cls.__qualname__:
                raise TypeError(f"event type {cls.event_type()} registered twice")
            _REGISTRY[cls.event_type()] = cls

    @classmethod
    def event_type(cls) -> str:
        """``<topic>.<name>``, e.g. ``referrals.referral.submitted``."""
        return f"{cls.topic}.{cls.name}"


DataT = TypeVar("DataT", bound=EventData)


class Envelope(BaseModel, Generic[DataT]):
    """A CloudEvents 1.0 structured-mode event with homecare's extensions.

    The descriptions are the contract's: the AsyncAPI document and the published JSON Schemas take them from here.
    """

    model_config = ConfigDict(frozen=True)

    specversion: Literal["1.0"] = Field(default="1.0", description="CloudEvents specification version.")
    id: uuid.UUID = Field(description="Unique per event; consumers deduplicate on it (redeliveries repeat it).")
    source: str = Field(description="The producing service, e.g. /homecare/referrals.")
    type: str = Field(description="<topic>.<name>, e.g. referrals.referral.submitted: selects the data schema.")
    subject: str = Field(
        description="The aggregate id the event is about; also the Kafka message key, so one aggregate's events "
        "keep their order on one partition."
    )
    time: AwareDatetime = Field(description="When the event happened (RFC 3339, UTC).")
    datacontenttype: Literal["application/json"] = Field(
        default="application/json", description="The media type of data."
    )
    schemaversion: int = Field(
        default=1, description="Version of the data schema; a breaking change to an event type increments it."
    )
    correlationid: str | None = Field(
        default=None,
        description="The flow the event belongs to: the X-Request-ID of the request that began it (a referral's "
        "submission), kept by every event that follows from it, in every service, and in their logs.",
    )
    causationid: str | None = Field(
        default=None,
        description="What caused this event: the id of the consumed event, or the X-Request-ID of the HTTP request.",
    )
    data: DataT


class RawEnvelope(BaseModel):
    """An envelope whose data is not parsed yet (used to read the type first)."""

    model_config = ConfigDict(frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID
    source: str
    type: str
    subject: str
    time: AwareDatetime
    datacontenttype: str = "application/json"
    schemaversion: int = 1
    correlationid: str | None = None
    causationid: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class UnknownEventType(ValueError):
    """A message whose type no contract declares."""


def event_model(event_type: str) -> type[EventData]:
    """The registered model for an event type."""
    import shared.contracts  # noqa: F401  (registers every contract)

    try:
        return _REGISTRY[event_type]
    except KeyError as exc:
        raise UnknownEventType(event_type) from exc


def registered_event_types() -> dict[str, type[EventData]]:
    """Every event type the contracts declare."""
    import shared.contracts  # noqa: F401

    return dict(_REGISTRY)


def build_envelope(
    data: EventData,
    *,
    subject: str,
    source: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    event_id: uuid.UUID | None = None,
    time: datetime | None = None,
) -> Envelope[EventData]:
    """Wrap a payload in an envelope; correlation and causation default to the request or event being handled."""
    return Envelope[EventData](
        id=event_id or uuid.uuid4(),
        source=source,
        type=data.event_type(),
        subject=subject,
        time=time or utcnow(),
        schemaversion=data.schema_version,
        correlationid=correlation_id or current_correlation_id(),
        causationid=causation_id or current_causation_id(),
        data=data,
    )


def parse_envelope(raw: bytes | str | dict[str, Any]) -> Envelope[EventData]:
    """Parse a message into an envelope with its typed payload."""
    env = RawEnvelope.model_validate_json(raw) if isinstance(raw, bytes | str) else RawEnvelope.model_validate(raw)
    model = event_model(env.type)
    return Envelope[EventData](**{**env.model_dump(exclude={"data"}), "data": model.model_validate(env.data)})


def envelope_to_dict(envelope: Envelope[Any]) -> dict[str, Any]:
    """The envelope as JSON-ready data, with its payload serialised by its own (sub)type."""
    out = envelope.model_dump(mode="json", exclude={"data"})
    out["data"] = envelope.data.model_dump(mode="json")
    return out
