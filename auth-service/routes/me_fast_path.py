"""`GET /auth/me` answered just inside the service shell, without FastAPI's router, dependency
solving and response-model pass around it.

Every request the gateway forwards for a signed-in app screen is this one read, and those layers
cost about as much CPU as the rest of the request (uvicorn, the shell, the token check and the
database read together). The answer is the operation's own: the same checks (`routes.deps.signed_in`),
the same problems (401 with `WWW-Authenticate: Bearer`, or 502/503/504), the same JSON
(`AccountOut`, as the response model serialises it) and the same route label in metrics. The
operation stays in routes/auth.py for the schema and for every other method (HEAD, a trailing
slash), which this layer hands on untouched.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from routes.deps import signed_in
from routes.schemas import AccountOut
from shared.errors import ProblemError, response_for

ME_PATH = "/auth/me"
_AUTHORIZATION = b"authorization"
_JSON_HEADER = (b"content-type", b"application/json")


class MeFastPath:
    path = ME_PATH  # the route template metrics record: the operation's own

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or _route_path(scope) != ME_PATH:
            await self.app(scope, receive, send)
            return
        scope["route"] = self
        state = scope["app"].state
        try:
            _, account = await signed_in(state.token_verifier, state.services, bearer_token(scope["headers"]))
        except ProblemError as problem:
            await response_for(problem)(scope, receive, send)
            return
        body = AccountOut.from_domain(account).model_dump_json().encode()
        headers = [(b"content-length", str(len(body)).encode()), _JSON_HEADER]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def bearer_token(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The token as the operation's `OAuth2PasswordBearer` reads it: the first Authorization
    header, `Bearer` in any case, the rest without its surrounding whitespace."""
    for name, value in headers:
        if name.lower() == _AUTHORIZATION:
            scheme, _, param = value.decode("latin-1").partition(" ")
            return param.strip() if scheme.lower() == "bearer" else None
    return None


def _route_path(scope: Scope) -> str:
    """The path below the app's root path, as the router matches it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
