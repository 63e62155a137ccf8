"""The deadline sweeper: closes rounds whose deadline has passed, from the database, across restarts.

Deadlines live only in the ``package`` table, so a restart loses nothing: the first sweep after
start-up closes every round that fell due while the service was down.
"""

from __future__ import annotations

import asyncio
import uuid

from shared.clock import utcnow
from shared.logging import get_logger
from shared.web.runtime import ServiceRuntime
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from brokerage.db import dps_repository as dps
from brokerage.db import package_repository as packages
from brokerage.outbox import OUTBOX
from brokerage.placement.rounds import Placement, close_round_if_due
from brokerage.settings import BrokerageSettings

log = get_logger(__name__)
BATCH = 100


async def sweep_once(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Close every round due now, one package per transaction; returns how many closed.

    A package that fails to close is logged and left for the next sweep, so it cannot hold up
    the others behind it.
    """
    closed = 0
    while True:
        async with sessionmaker() as session:
            due: list[uuid.UUID] = await packages.due_rounds(session, utcnow(), BATCH)
            await session.rollback()
        closed_now = 0
        for package_id in due:
            try:
                async with sessionmaker() as session, session.begin():
                    ctx = Placement(OUTBOX, await dps.load_rules(session))
                    if await close_round_if_due(session, ctx, package_id, utcnow()):
                        closed_now += 1
            except Exception as exc:
                log.warning("round_close_failed", package_id=str(package_id), error=repr(exc))
        closed += closed_now
        if len(due) < BATCH or closed_now == 0:
            return closed


async def deadline_sweeper(runtime: ServiceRuntime) -> None:
    """Background task: sweep now, then every ``deadline_poll_seconds``, until cancelled."""
    settings = runtime.settings
    assert isinstance(settings, BrokerageSettings), "create_app gives the runtime BrokerageSettings"
    interval = settings.deadline_poll_seconds
    while True:
        try:
            closed = await sweep_once(runtime.sessionmaker)
            if closed:
                log.info("rounds_closed", count=closed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("deadline_sweep_failed", error=repr(exc))
        await asyncio.sleep(interval)
