"""Request rate limits per API client: a token bucket per client, refilled continuously.

Each client may make ``burst`` requests at once and ``per_second`` on average after that; one more
is answered 429 with ``Retry-After`` (the seconds until a token is back). The limit is set per
service (its settings) and may differ by role (``rate_limits_by_role``), e.g. more for ETMS vendors
posting batches than for a provider polling its offers.

Several replicas: the buckets live in each process, so behind a load balancer that spreads a
client's requests over N replicas the client gets up to N times the limit. Set the per-replica limit
to the total divided by N (replicas are few and fixed in a council deployment), or, if a limit must
hold exactly across replicas, keep the bucket in a shared store (a row per client updated with
``UPDATE ... RETURNING`` in Postgres, or Redis). The limit is there to stop one runaway or hostile
client from starving the others, not to bill anyone, so being approximate is fine.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel, Field


class RateLimit(BaseModel):
    """``per_second`` requests on average, with bursts of up to ``burst``."""

    per_second: float = Field(gt=0)
    burst: int = Field(ge=1)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets by client id, in this process (see the module's note on replicas)."""

    def __init__(
        self,
        default: RateLimit,
        by_role: Mapping[str, RateLimit] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.default = default
        self.by_role = dict(by_role or {})
        self.clock = clock
        # One entry per API client that called: bounded by the clients the council issued.
        self._buckets: dict[uuid.UUID, _Bucket] = {}

    def limit_for(self, role: str) -> RateLimit:
        """The limit of a role: its own, or the service's default."""
        return self.by_role.get(role, self.default)

    def acquire(self, client_id: uuid.UUID, role: str) -> int | None:
        """Take a token for one request: None if allowed, else the whole seconds to wait."""
        limit = self.limit_for(role)
        now = self.clock()
        bucket = self._buckets.get(client_id)
        if bucket is None:
            bucket = self._buckets[client_id] = _Bucket(float(limit.burst), now)
        bucket.tokens = min(float(limit.burst), bucket.tokens + (now - bucket.updated) * limit.per_second)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return max(1, math.ceil((1 - bucket.tokens) / limit.per_second))
