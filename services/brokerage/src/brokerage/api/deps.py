"""Dependency aliases of the brokerage API."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from shared.auth.dependency import Principal, require_roles
from shared.errors import Forbidden

AdminDep = Annotated[Principal, Depends(require_roles("admin"))]
ProviderDep = Annotated[Principal, Depends(require_roles("provider"))]
ProviderOrAdminDep = Annotated[Principal, Depends(require_roles("provider", "admin"))]
# Council staff of every office read the DPS directory: it names the providers they pay and score.
StaffReaderDep = Annotated[
    Principal, Depends(require_roles("admin", "payments_staff", "payments_approver", "quality_officer"))
]

MAX_PAGE = 200


def bound_provider(principal: Principal) -> uuid.UUID:
    """The provider a ``provider`` client acts for."""
    if principal.provider_id is None:
        raise Forbidden("This client is not bound to a provider.")
    return principal.provider_id
