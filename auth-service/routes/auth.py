"""Public auth operations: register, sign in, refresh, sign out, who am I, and the JWKS."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from routes.credentials import login_request_body, read_credentials
from routes.deps import ClientIp, Services, SignedInAccount, actor_of
from routes.errors import problem_responses, throttled_response
from routes.schemas import AccountOut, Jwks, RefreshRequest, RegisterRequest, TokenResponse
from shared.security import CurrentPrincipal, OptionalPrincipal

router = APIRouter(prefix="/auth", tags=["auth"])

# RFC 6749 §5.1: responses carrying tokens must not be cached.
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post(
    "/register",
    status_code=201,
    response_model=AccountOut,
    summary="Register an account",
    responses=problem_responses(401, 403, 409, 422),
)
async def register(body: RegisterRequest, services: Services, principal: OptionalPrincipal) -> AccountOut:
    """Anyone may register a `user`. Registering an `admin` needs an admin's bearer token (403
    otherwise); a bearer token that is sent must be valid (401 otherwise)."""
    actor = actor_of(principal) if principal else None
    account = await services.registration.register(body.email, body.password, body.role, actor)
    return AccountOut.from_domain(account)


@router.post(
    "/login",
    response_model=TokenResponse,
    summary="Sign in",
    responses={**problem_responses(401, 415, 422), **throttled_response()},
    openapi_extra=login_request_body(),
)
async def login(
    request: Request, response: Response, services: Services, client_ip: ClientIp
) -> TokenResponse:
    """JSON `{"email", "password"}` or the OAuth2 password form (`username`, `password`).
    Wrong credentials and inactive accounts get the same 401; repeated failures per email or
    address get 429 with `Retry-After`."""
    email, password = await read_credentials(request)
    pair = await services.sessions.login(email, password, client_ip)
    response.headers.update(_NO_STORE)
    return TokenResponse.from_pair(pair)


@router.post(
    "/refresh",
    response_model=TokenResponse,
    summary="Exchange a refresh token for a new pair",
    responses=problem_responses(401, 422),
)
async def refresh(body: RefreshRequest, response: Response, services: Services) -> TokenResponse:
    """Rotates: the refresh token sent is spent. Sending a spent one again revokes every token
    descended from the same sign-in (401)."""
    pair = await services.sessions.refresh(body.refresh_token)
    response.headers.update(_NO_STORE)
    return TokenResponse.from_pair(pair)


@router.post(
    "/logout",
    status_code=204,
    response_class=Response,
    summary="Sign out everywhere",
    responses=problem_responses(401),
)
async def logout(principal: CurrentPrincipal, services: Services) -> Response:
    """Every access token and refresh token of the account stops working."""
    await services.sessions.logout(actor_of(principal))
    return Response(status_code=204)


@router.get(
    "/me", response_model=AccountOut, summary="The signed-in account", responses=problem_responses(401)
)
async def me(account: SignedInAccount) -> AccountOut:
    return AccountOut.from_domain(account)


@router.get("/.well-known/jwks.json", response_model=Jwks, summary="Public keys that verify access tokens")
async def jwks(request: Request, response: Response) -> Jwks:
    # Short: verifiers refetch on an unknown kid anyway, so a rotation is picked up quickly.
    response.headers["Cache-Control"] = "public, max-age=300"
    return Jwks.model_validate(request.app.state.jwks)
