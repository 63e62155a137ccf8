"""Structured JSON logs that carry the correlation id, and the context events inherit it from.

Three places open a context: an HTTP request (``request_context``: the ``X-Request-ID`` is the
request id, the correlation id and the cause of what the request publishes), a consumed event
(``event_context``: the event's correlation id is kept and the event is the cause), and nothing
else; background tasks run without one. Every log line written inside a context carries its
``correlation_id`` (and ``request_id`` for requests), which is what ``homecare trace`` follows.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import structlog


@dataclass(frozen=True, slots=True)
class _Context:
    correlation_id: str
    causation_id: str
    handling_event: bool


_context: ContextVar[_Context | None] = ContextVar("homecare_context", default=None)

# Keys whose values are personal data: never written to a log, whoever passes them.
PERSONAL_DATA_KEYS = frozenset(
    {"nhs_number", "given_name", "family_name", "date_of_birth", "address", "person", "name_of_person"}
)


def current_correlation_id() -> str | None:
    """The correlation id of the request or event being handled, if any."""
    ctx = _context.get()
    return ctx.correlation_id if ctx else None


def current_causation_id() -> str | None:
    """What causes the events published now: the event being handled, or the request's id."""
    ctx = _context.get()
    return ctx.causation_id if ctx else None


def flow_correlation_id(aggregate_correlation_id: str | None) -> str | None:
    """The correlation id an event about an existing aggregate carries.

    While handling an event, that event's (a conversation stays whole). In a request or a
    background task acting on an aggregate that a flow created earlier (a provider accepting an
    offer, a deadline closing a round, a visit derived from a plan), the aggregate's own flow, so
    one referral can be followed from its submission to its payment; the request stays the cause.
    """
    ctx = _context.get()
    if ctx is not None and ctx.handling_event:
        return ctx.correlation_id
    return aggregate_correlation_id or current_correlation_id()


@contextmanager
def request_context(request_id: str | None, service: str) -> Iterator[str]:
    """Bind a request's id (or a new one) as its correlation id for the request's duration."""
    rid = request_id or str(uuid.uuid4())
    token = _context.set(_Context(correlation_id=rid, causation_id=rid, handling_event=False))
    log_tokens = structlog.contextvars.bind_contextvars(service=service, request_id=rid, correlation_id=rid)
    try:
        yield rid
    finally:
        structlog.contextvars.reset_contextvars(**log_tokens)
        _context.reset(token)


@contextmanager
def event_context(event_id: uuid.UUID, correlation_id: str | None) -> Iterator[str]:
    """Bind a consumed event's correlation id (or a new one) while its handler runs."""
    cid = correlation_id or str(uuid.uuid4())
    token = _context.set(_Context(correlation_id=cid, causation_id=str(event_id), handling_event=True))
    log_tokens = structlog.contextvars.bind_contextvars(correlation_id=cid)
    try:
        yield cid
    finally:
        structlog.contextvars.reset_contextvars(**log_tokens)
        _context.reset(token)


def _redact_personal_data(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in PERSONAL_DATA_KEYS.intersection(event_dict):
        event_dict[key] = "[redacted]"
    return event_dict


def configure_logging(service: str, level: str = "INFO") -> None:
    """JSON lines on stdout, one per event, with service, level, time and correlation id."""
    logging.basicConfig(format="%(message)s", stream=sys.stdout, level=level.upper(), force=True)
    for noisy in ("aiokafka", "kafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact_personal_data,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.bind_contextvars(service=service)


def get_logger(name: str | None = None) -> Any:
    """A structlog logger."""
    return structlog.get_logger(name)
