"""The platform's docs: the merged OpenAPI document at /openapi.json, and Swagger UI (/docs) and
ReDoc (/redoc) that load it.

FastAPI's own /openapi.json route is swapped for this one at runtime. `app.openapi()` still
returns the gateway's generated schema (its own routes only), which is what
tools/export_openapi.py writes to api-gateway/openapi.json and what the drift test compares.

The pages load their JavaScript and CSS from the gateway itself (/docs/assets/), from the pinned
`fastapi-offline` package, never from a CDN: the docs work on a machine without internet, and no
future release of a bundle runs in an admin's browser next to their token. A
Content-Security-Policy lets the pages run only those files and their own inline start-up
script (by its hash), and talk only to the gateway.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Message, Receive, Scope, Send

from domain.ports import PlatformDocument

ASSETS_PATH = "/docs/assets"
# The bundles change only with the pinned package, so browsers may keep them for a day.
ASSETS_CACHE_CONTROL = "public, max-age=86400"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_assets_directory() -> Path:
    """swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js and favicon.png."""
    return Path(str(files("fastapi_offline") / "static"))


async def platform_openapi(request: Request) -> JSONResponse:
    source: PlatformDocument = request.app.state.platform_openapi
    return JSONResponse(await source.document())


def content_security_policy(html: str, *, workers: bool = False) -> str:
    """Only the gateway's own files, and the page's own inline scripts by their hash.

    Styles may be inline: both UIs set style attributes as they render (harmless without
    script). ReDoc runs its search in a worker it builds from a blob.
    """
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    directives = [
        "default-src 'none'",
        f"script-src 'self' {hashes}".rstrip(),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    if workers:
        directives.append("worker-src blob:")
    return "; ".join(directives)


def _page(html: str, *, workers: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """A route that always answers the same page, with the CSP that fits it."""
    headers = {"Content-Security-Policy": content_security_policy(html, workers=workers)}

    async def page(_: Request) -> Response:
        return HTMLResponse(html, headers=headers)

    return page


class _Assets:
    """The static bundles with a cache lifetime (StaticFiles sets only validators)."""

    def __init__(self, directory: Path) -> None:
        self.files = StaticFiles(directory=directory)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_cached(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"cache-control", ASSETS_CACHE_CONTROL.encode()))
                message["headers"] = headers
            await send(message)

        await self.files(scope, receive, send_cached)


def _text(page: HTMLResponse) -> str:
    return bytes(page.body).decode()


def install_platform_docs(app: FastAPI) -> None:
    openapi_path = app.openapi_url
    docs_path = app.docs_url
    redoc_path = app.redoc_url
    redirect_path = app.swagger_ui_oauth2_redirect_url
    if not (openapi_path and docs_path and redoc_path and redirect_path):
        raise ValueError("the gateway serves the platform document, Swagger UI and ReDoc")
    swagger = _text(
        get_swagger_ui_html(
            openapi_url=openapi_path,
            title="TiketQ API - Swagger UI",
            oauth2_redirect_url=redirect_path,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
            # The online validator badge would send the document to a third party.
            swagger_ui_parameters={**(app.swagger_ui_parameters or {}), "validatorUrl": None},
        )
    )
    redoc = _text(
        get_redoc_html(
            openapi_url=openapi_path,
            title="TiketQ API - ReDoc",
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
    )
    redirect = _text(get_swagger_ui_oauth2_redirect_html())

    replacements = {
        openapi_path: Route(openapi_path, platform_openapi, methods=["GET"], include_in_schema=False),
        docs_path: Route(docs_path, _page(swagger), methods=["GET"], include_in_schema=False),
        redoc_path: Route(redoc_path, _page(redoc, workers=True), methods=["GET"], include_in_schema=False),
        redirect_path: Route(redirect_path, _page(redirect), methods=["GET"], include_in_schema=False),
    }
    routes = app.router.routes
    for index, existing in enumerate(routes):
        path = getattr(existing, "path", None)
        if path in replacements:
            routes[index] = replacements.pop(path)
    routes.extend(replacements.values())
    # Before the proxy's catch-all, which is installed after the docs.
    routes.append(Mount(ASSETS_PATH, app=_Assets(docs_assets_directory()), name="docs-assets"))
