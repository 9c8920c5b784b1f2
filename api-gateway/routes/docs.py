"""The platform's OpenAPI document at the gateway's /openapi.json, which FastAPI's /docs
(Swagger UI) and /redoc load.

FastAPI's own /openapi.json route is swapped for this one at runtime. `app.openapi()` still
returns the gateway's generated schema (its own routes only), which is what
tools/export_openapi.py writes to api-gateway/openapi.json and what the drift test compares.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.ports import PlatformDocument


async def platform_openapi(request: Request) -> JSONResponse:
    source: PlatformDocument = request.app.state.platform_openapi
    return JSONResponse(await source.document())


def install_platform_docs(app: FastAPI) -> None:
    path = app.openapi_url
    if not path:
        raise ValueError("the gateway serves the platform document at its openapi_url")
    route = Route(path, platform_openapi, methods=["GET"], include_in_schema=False)
    for index, existing in enumerate(app.router.routes):
        if getattr(existing, "path", None) == path:
            app.router.routes[index] = route
            return
    app.router.routes.append(route)
