"""The roles an API client can hold."""

from typing import Literal, get_args

Role = Literal[
    "case_management", "provider", "etms_vendor", "payments_staff", "payments_approver", "quality_officer", "admin"
]
ALL_ROLES: tuple[str, ...] = get_args(Role)
