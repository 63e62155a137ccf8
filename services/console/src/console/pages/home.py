"""The start page: what the signed-in staff member's role lets them do."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from console.pages.common import Staff, render

router = APIRouter()

# Which sections each role works in (the services decide what each may do; this only orders the start page).
SECTIONS_BY_ROLE = {
    "payments_staff": ("payments",),
    "payments_approver": ("payments",),
    "quality_officer": ("quality",),
    "admin": ("brokerage", "payments", "quality"),
}


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, staff: Staff) -> HTMLResponse:
    """Links to the sections for this role."""
    sections = SECTIONS_BY_ROLE.get(staff.role, ())
    return render(request, "home.html", {"sections": sections, "section": None})
