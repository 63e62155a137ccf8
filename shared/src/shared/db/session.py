"""The request's database session: the request boundary is the only place that commits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Yield a session; commit when the endpoint returns, roll back when it raises.

    ``scope="function"`` makes FastAPI run the commit before the response is sent (its default runs
    it after), so a 2xx answer means the write and its outbox events are durable.
    """
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
