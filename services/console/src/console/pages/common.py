"""What every page shares: the signed-in staff member, their API calls, templates and errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from shared.logging import get_logger

from console.domain import formatting
from console.session import COOKIE, StaffSession
from console.upstream import ApiError, StaffApi

log = get_logger(__name__)
templates = Jinja2Templates(directory=str(files("console") / "templates"))
FILTERS = ("money", "share", "number", "long_date", "short_date", "when", "humanise", "role_name", "skip_reason",
           "short_id", "method")  # fmt: skip
for _name in FILTERS:
    templates.env.filters[_name] = getattr(formatting, _name)


class SignInNeeded(Exception):
    """No valid session: the page sends the browser to sign in, and back afterwards."""

    def __init__(self, back: str) -> None:
        super().__init__(back)
        self.back = back


def signed_in(request: Request) -> StaffSession:
    """The staff member whose sealed cookie came with the request."""
    session = request.app.state.seal.open(request.cookies.get(COOKIE))
    if session is None:
        raise SignInNeeded(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return session


Staff = Annotated[StaffSession, Depends(signed_in)]


def staff_api(request: Request, staff: Staff) -> StaffApi:
    """The services' APIs called with the staff member's own key."""
    return request.app.state.upstream.for_key(staff.key)


Api = Annotated[StaffApi, Depends(staff_api)]


@dataclass
class ErrorItem:
    """A line of the error summary, linking to the field at fault."""

    text: str
    href: str


@dataclass
class FormErrors:
    """A refused form: the summary at the top of the page and the message beside each field."""

    form: str
    items: list[ErrorItem] = field(default_factory=list)
    by_field: dict[str, str] = field(default_factory=dict)
    # The page is sent with the service's status (422 invalid, 403 refused, 409 too late).
    status: int = 422


def form_errors(form: str, error: ApiError, fields: Mapping[str, str]) -> FormErrors:
    """Map a service's refusal onto a form: ``fields`` maps the API's field names to the form's."""
    out = FormErrors(form, status=error.status)
    for problem in error.errors:
        name = fields.get(problem.field) or fields.get(problem.field.split(".")[-1])
        if name is None:
            out.items.append(ErrorItem(f"{problem.message} ({problem.field})", f"#{form}"))
            continue
        message = problem.message[:1].upper() + problem.message[1:]
        out.by_field.setdefault(name, message)
        out.items.append(ErrorItem(message, f"#{form}-{name}"))
    if not out.items:
        out.items.append(ErrorItem(error.detail, f"#{form}"))
    return out


def field_errors(form: str, errors: Mapping[str, str]) -> FormErrors:
    """A form the console refuses itself (a field left empty), before asking a service."""
    return FormErrors(
        form,
        [ErrorItem(message, f"#{form}-{name}") for name, message in errors.items()],
        dict(errors),
    )


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A page, with the signed-in staff member (if any) and the section it belongs to."""
    session = request.app.state.seal.open(request.cookies.get(COOKIE))
    return templates.TemplateResponse(
        request, template, {"staff": session, "errors": None, "notice": None, **context}, status_code=status
    )


def sign_in_url(back: str) -> str:
    """The sign-in page, coming back to ``back`` afterwards."""
    return "/sign-in?next=" + quote(back, safe="")


def local_path(value: str | None, default: str) -> str:
    """``value`` if it is a path on this console (never another site), else ``default``."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


async def provider_names(api: StaffApi) -> dict[str, str]:
    """Provider names from the DPS directory, by id; empty when this key may not read it."""
    names: dict[str, str] = {}
    after: str | None = None
    try:
        while True:
            page = await api.get("brokerage", "/v1/providers", after=after, limit=200)
            names.update({p["id"]: p["name"] for p in page["items"]})
            after = page["next_after"]
            if after is None:
                return names
    except ApiError as exc:
        log.info("provider_names_unavailable", status=exc.status, service=exc.service)
        return names
