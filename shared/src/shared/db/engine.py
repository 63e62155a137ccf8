"""Async engine and session factory, created in the lifespan, never at import time."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from shared.settings import to_sqlalchemy_url


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An asyncpg engine that fails fast (503 to callers) rather than hanging when Postgres is down.

    ``hide_parameters``: a failed statement's error (and so any log of it) never carries its values,
    which may be a person's name, NHS number or address.
    """
    return create_async_engine(
        to_sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        hide_parameters=True,
        pool_timeout=10,
        connect_args={"timeout": 5, "command_timeout": 60},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
