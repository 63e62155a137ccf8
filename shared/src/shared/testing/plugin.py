"""Pytest fixtures for every test suite of the project (loaded with ``-p shared.testing.plugin``).

- ``pg`` (session): a Postgres server; create fresh databases with ``await pg.create_database()``
  or ``await migrated_database(pg, ("referrals",))``.
- ``kafka`` (module): a fresh broker per test module, so modules never see each other's events;
  yields ``(bootstrap, embedded_broker_or_None)``.
- ``bootstrap`` (module): just the bootstrap servers string.
Everything is started lazily: unit tests that use none of these start nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.devstack.broker import EmbeddedBroker
from shared.testing.stack import PostgresHandle, kafka_broker, postgres_server


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresHandle]:
    """The session's Postgres server."""
    with postgres_server() as handle:
        yield handle


@pytest.fixture(scope="module")
def kafka() -> Iterator[tuple[str, EmbeddedBroker | None]]:
    """A broker for this test module."""
    with kafka_broker() as pair:
        yield pair


@pytest.fixture(scope="module")
def bootstrap(kafka: tuple[str, EmbeddedBroker | None]) -> str:
    """The module broker's bootstrap servers."""
    return kafka[0]
