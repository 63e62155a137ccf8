"""API clients: hashed keys, roles and the FastAPI dependency that checks them."""

from shared.auth.dependency import CurrentPrincipal, Principal, require_roles
from shared.auth.roles import ALL_ROLES, Role

__all__ = ["ALL_ROLES", "CurrentPrincipal", "Principal", "Role", "require_roles"]
