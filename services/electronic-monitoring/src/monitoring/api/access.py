"""Who may see a package and its visits: the one rule every monitoring endpoint applies.

Providers and ETMS vendors see the packages of the providers they are bound to; a case-management
client sees the packages it referred; council officers see every package. Anything else answers
404 rather than 403, so ids do not leak.
"""

from __future__ import annotations

import uuid

from shared.auth.dependency import Principal
from shared.errors import NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from monitoring.db import plans_repository as plans


async def ensure_visible(
    session: AsyncSession, principal: Principal, *, package_id: uuid.UUID, provider_id: uuid.UUID, what: str
) -> None:
    """Raise 404 ("No <what> with this id is visible to you.") unless ``principal`` may see the package."""
    if principal.role in ("provider", "etms_vendor"):
        visible = principal.serves(provider_id)
    elif principal.role == "case_management":
        visible = await plans.referring_client(session, package_id) == principal.client_id
    else:
        visible = True
    if not visible:
        raise NotFound(f"No {what} with this id is visible to you.")
