"""The intranet search page: plain static files (HTML, CSS, JS) served by the app itself."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

# The page only ever talks to the server it came from; the browser enforces it.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def mount_page(app: FastAPI) -> None:
    """Serve the search page at ``/`` and its assets under ``/static``."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)(index)
    app.api_route("/knowledge", methods=["GET", "HEAD"], include_in_schema=False)(knowledge)


def index() -> FileResponse:
    """The search page; everything else it needs comes from ``/static`` and the API."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers=PAGE_HEADERS)


def knowledge() -> FileResponse:
    """The topics, decisions and knowledge-at-risk views (their data comes from the API)."""
    return FileResponse(STATIC_DIR / "knowledge.html", media_type="text/html", headers=PAGE_HEADERS)
