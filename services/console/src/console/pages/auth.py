"""Signing in with one's own API key, and out again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.pages.common import FormErrors, field_errors, local_path, render
from console.session import COOKIE, StaffSession
from console.upstream import ApiError

router = APIRouter()
FORM = "sign-in"
# Any service answers whoami for any key; asked in turn, so one that is down does not stop staff signing in.
IDENTITY_SERVICES = ("payments", "quality", "brokerage", "monitoring")


def _page(request: Request, back: str, errors: FormErrors | None = None, status: int = 200) -> HTMLResponse:
    signed_out = request.query_params.get("signed_out") == "1"
    notice = "You have signed out." if signed_out and errors is None else None
    return render(request, "sign_in.html", {"back": back, "errors": errors, "notice": notice, "form": FORM}, status)


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, next: str | None = None) -> HTMLResponse:
    """The sign-in form: paste your API key."""
    return _page(request, local_path(next, "/"))


async def _whoami(request: Request, key: str) -> dict[str, str]:
    api = request.app.state.upstream.for_key(key)
    last: ApiError | None = None
    for service in IDENTITY_SERVICES:
        try:
            found: dict[str, str] = await api.get(service, "/v1/whoami")
            return found
        except ApiError as exc:
            if exc.status != 503:
                raise
            last = exc
    assert last is not None
    raise last


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, key: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    """Check the key with the services and keep it in the sealed session cookie."""
    back = local_path(next, "/")
    key = key.strip()
    if not key:
        return _page(request, back, field_errors(FORM, {"key": "Enter your API key"}), 422)
    try:
        me = await _whoami(request, key)
    except ApiError as exc:
        if exc.status == 503:
            message = "The services are not answering: try again in a minute"
            return _page(request, back, field_errors(FORM, {"key": message}), 503)
        message = "That API key was not accepted: check you copied all of it, or ask for a new one"
        return _page(request, back, field_errors(FORM, {"key": message}), 422)
    session = StaffSession(key=key, name=me["name"], role=me["role"])
    response = RedirectResponse(back, status_code=303)
    settings = request.app.state.settings
    response.set_cookie(
        COOKIE,
        request.app.state.seal.seal(session),
        max_age=request.app.state.seal.seconds,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/",
    )
    return response


@router.post("/sign-out")
async def sign_out() -> Response:
    """Forget the session."""
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response
