"""The console app: pages, static files, sessions, and errors shown as pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from shared.logging import configure_logging, get_logger
from shared.metrics import Metrics
from shared.web.middleware import PlatformMiddleware
from starlette.exceptions import HTTPException as StarletteHTTPException

from console.pages import auth, brokerage, home, payments, payments_actions, quality
from console.pages.common import SignInNeeded, render, sign_in_url
from console.security import SecurityMiddleware
from console.session import COOKIE, SessionSeal
from console.settings import ConsoleSettings
from console.upstream import ApiError, Upstream

log = get_logger(__name__)
MAX_FORM_BYTES = 64 * 1024


def _problem_page(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    return render(
        request, "problem.html", {"title": title, "detail": detail, "status": status, "section": None}, status
    )


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(SignInNeeded)
    async def sign_in_needed(request: Request, exc: SignInNeeded) -> Response:
        return RedirectResponse(sign_in_url(exc.back), status_code=303)

    @app.exception_handler(ApiError)
    async def service_refused(request: Request, exc: ApiError) -> Response:
        if exc.status == 401:
            # The key was revoked or rotated since sign-in: start again.
            response = RedirectResponse(sign_in_url(request.url.path), status_code=303)
            response.delete_cookie(COOKIE, path="/")
            return response
        if exc.status == 403:
            title = "You cannot see this page with your key"
            detail = f"The {exc.service} service says: {exc.detail} Sign in with a key of one of those roles."
            return _problem_page(request, 403, title, detail)
        if exc.status == 404:
            return _problem_page(request, 404, "Page not found", exc.detail)
        if exc.status == 503:
            return _problem_page(request, 503, "Sorry, the service is unavailable", f"{exc.detail} Try again later.")
        return _problem_page(request, exc.status, exc.title, exc.detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _problem_page(request, 404, "Page not found", "Check the address, or start again from the menu.")
        return _problem_page(request, exc.status_code, "Sorry, there is a problem", str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_address(request: Request, exc: RequestValidationError) -> Response:
        return _problem_page(request, 404, "Page not found", "Check the address, or start again from the menu.")


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:
    """The console for council staff; every figure it shows comes from the services' public APIs."""
    settings = settings or ConsoleSettings()
    metrics = Metrics("console")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("console", settings.log_level)
        if settings.session_secret is None:
            log.warning("console_session_secret_unset", effect="sessions end when the console restarts")
        app.state.upstream = Upstream(settings.service_urls(), settings.upstream_timeout_seconds)
        try:
            yield
        finally:
            await app.state.upstream.aclose()

    app = FastAPI(title="homecare console", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    secret = settings.session_secret.get_secret_value() if settings.session_secret else None
    app.state.seal = SessionSeal(secret, settings.session_minutes)
    app.mount("/static", StaticFiles(directory=str(files("console") / "static")), name="static")
    for module in (auth, home, payments, payments_actions, quality, brokerage):
        app.include_router(module.router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> dict[str, str]:
        # The console holds no state of its own: ready once it serves; each page says if a service is down.
        return {"status": "ready"}

    @app.get("/metrics", include_in_schema=False)
    async def render_metrics() -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    _install_error_pages(app)
    app.add_middleware(SecurityMiddleware)
    app.add_middleware(
        PlatformMiddleware, service="console", metrics=metrics, max_body_bytes=MAX_FORM_BYTES, body_limits={}
    )
    return app


app = create_app()
