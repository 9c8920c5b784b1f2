"""What the outside world can and cannot do at the edge: forged tokens, /internal, bad input."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
import jwt
import pytest

from devstack.stack import Stack
from tests.support import Account


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged_tokens(user: Account, stack: Stack) -> dict[str, str]:
    header = jwt.get_unverified_header(user.access_token)
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    admin_claims = {**claims, "role": "admin"}
    head, _, sig = user.access_token.split(".")
    jwks = httpx.get(f"{stack.url('auth')}/auth/.well-known/jwks.json").json()
    public_key = jwt.algorithms.RSAAlgorithm.from_jwk(jwks["keys"][0])
    from cryptography.hazmat.primitives import serialization

    public_pem = public_key.public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hs_header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": header["kid"]}).encode())
    hs_body = _b64(json.dumps(admin_claims).encode())
    hs_sig = _b64(hmac.new(public_pem, f"{hs_header}.{hs_body}".encode(), hashlib.sha256).digest())
    none_header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": header["kid"]}).encode())
    return {
        "alg none": f"{none_header}.{_b64(json.dumps(admin_claims).encode())}.",
        "HS256 with the public key": f"{hs_header}.{hs_body}.{hs_sig}",
        "tampered claims": f"{head}.{_b64(json.dumps(admin_claims).encode())}.{sig}",
        "unknown kid": jwt.encode(
            claims,
            jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(_throwaway_jwk())),  # type: ignore[arg-type]
            algorithm="RS256",
            headers={"kid": "not-a-real-kid"},
        ),
        "garbage": "not.a.token",
    }


def _throwaway_jwk() -> dict[str, object]:
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return dict(json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key)))


def test_forged_tokens_are_refused_at_the_gateway_and_at_services(
    stack: Stack, gateway: httpx.Client, new_account: Callable[[], Account]
) -> None:
    user = new_account()
    for name, token in forged_tokens(user, stack).items():
        headers = {"Authorization": f"Bearer {token}"}
        assert gateway.get("/auth/me", headers=headers).status_code == 401, name
        assert gateway.get("/auth/users", headers=headers).status_code == 401, name
        assert httpx.get(f"{stack.url('auth')}/auth/me", headers=headers).status_code == 401, name
        assert httpx.get(f"{stack.url('user')}/users/{user.id}", headers=headers).status_code == 401, name


@pytest.mark.parametrize(
    "path",
    [
        "/internal/accounts/00000000-0000-0000-0000-000000000000",
        "/auth/../internal/accounts/00000000-0000-0000-0000-000000000000",
        "/auth/%2e%2e/internal/accounts/00000000-0000-0000-0000-000000000000",
        "/users/../internal/events",
    ],
)
def test_internal_routes_are_unreachable_through_the_gateway(stack: Stack, admin: Account, path: str) -> None:
    # Raw paths: httpx would otherwise normalise the dot segments away before sending.
    with httpx.Client(base_url=stack.gateway_url) as client:
        request = client.build_request("GET", stack.gateway_url)
        request.url = request.url.copy_with(raw_path=path.encode())
        request.headers["X-Internal-Token"] = stack.internal_token
        request.headers.update(admin.headers)
        response = client.send(request)
    assert response.status_code == 404, path


def test_internal_routes_need_the_internal_credential_even_directly(stack: Stack, admin: Account) -> None:
    url = f"{stack.url('auth')}/internal/accounts/{admin.id}"
    assert httpx.get(url).status_code == 404
    assert httpx.get(url, headers={"X-Internal-Token": "x" * 48}).status_code == 404
    assert httpx.get(url, headers={"X-Internal-Token": stack.internal_token}).status_code == 200


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"email": 42, "password": ["x"]}', "application/json"),
        (b'{"email": "not-an-email", "password": "long enough"}', "application/json"),
        (b'{"email": "a@example.com", "password": "short"}', "application/json"),
        (b"", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"[]", "application/json"),
    ],
)
def test_bad_input_is_a_4xx_problem_never_500(
    gateway: httpx.Client, content: bytes, content_type: str
) -> None:
    response = gateway.post("/auth/register", content=content, headers={"Content-Type": content_type})
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["request_id"] == response.headers["x-request-id"]


def test_huge_bodies_are_refused_with_413(gateway: httpx.Client, new_account: Callable[[], Account]) -> None:
    user = new_account()
    huge = b'{"full_name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = gateway.put(
        f"/users/{user.id}", content=huge, headers={**user.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_wrong_types_in_path_and_query_are_4xx(
    gateway: httpx.Client, admin: Account, new_account: Callable[[], Account]
) -> None:
    assert gateway.get("/auth/users/not-a-uuid", headers=admin.headers).status_code in (404, 422)
    assert gateway.get("/users/not-a-uuid", headers=admin.headers).status_code in (404, 422)
    assert gateway.get("/auth/users", params={"offset": "-1"}, headers=admin.headers).status_code == 422
    assert gateway.get(f"/users/{uuid.uuid4()}", headers=admin.headers).status_code == 404


def test_request_id_is_returned_and_passed_through(gateway: httpx.Client) -> None:
    response = gateway.get("/auth/.well-known/jwks.json", headers={"X-Request-ID": "edge-req-1"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "edge-req-1"


def test_platform_docs_merge_every_service(gateway: httpx.Client) -> None:
    schema = gateway.get("/openapi.json").json()
    paths = schema["paths"]
    assert "/auth/login" in paths
    assert "/users/{user_id}" in paths or any(p.startswith("/users/{") for p in paths)
    assert not any(p.startswith("/internal") for p in paths)
    schemes = schema["components"]["securitySchemes"]
    assert any(
        s.get("flows", {}).get("password", {}).get("tokenUrl") == "/auth/login" for s in schemes.values()
    )
    assert gateway.get("/docs").status_code == 200
    assert gateway.get("/redoc").status_code == 200


def test_an_expired_or_bad_access_token_does_not_block_login_or_refresh(
    gateway: httpx.Client, new_account: Callable[[], Account]
) -> None:
    user = new_account()
    stale = {"Authorization": "Bearer not.a.valid-token"}
    refreshed = gateway.post("/auth/refresh", json={"refresh_token": user.refresh_token}, headers=stale)
    assert refreshed.status_code == 200, refreshed.text
    relogin = gateway.post(
        "/auth/login", json={"email": user.email, "password": user.password}, headers=stale
    )
    assert relogin.status_code == 200, relogin.text
    # Where identity matters, a bad token is still a 401, never "anonymous".
    assert (
        gateway.post(
            "/auth/register", json={"email": "x@example.com", "password": "x" * 12}, headers=stale
        ).status_code
        == 401
    )


def _raw_request(
    url: str, method: str, path: str, headers: list[tuple[str, str]], body: bytes = b""
) -> bytes:
    """One HTTP/1.1 request with the header bytes exactly as given (httpx and most clients refuse
    a value that ends in a space), sent whole before the answer is read, as most clients do."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=30) as conn:
        head = f"{method} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers)
        head += f"Content-Length: {len(body)}\r\n\r\n" if body or method in ("POST", "PUT") else "\r\n"
        conn.sendall(head.encode("latin-1") + body)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize(
    "headers",
    [
        [("Authorization", "Bearer ")],
        [("X-Client", "android ")],
        [("Accept", "application/json\t")],
        [("Authorization", "Bearer "), ("X-Client", " ios ")],
    ],
    ids=["bearer-without-token", "client-trailing-space", "accept-trailing-tab", "both"],
)
def test_header_values_ending_in_whitespace_are_never_a_5xx(
    stack: Stack, new_account: Callable[[], Account], headers: list[tuple[str, str]]
) -> None:
    user = new_account()
    padded_token = [("Authorization", f"Bearer {user.access_token}  "), ("X-Client", "android ")]
    cases = [
        ("GET", "/flights/airports?q=bali", headers, 200),
        ("GET", "/auth/.well-known/jwks.json", headers, 200),
        ("GET", "/orders/", headers, 401 if ("Authorization", "Bearer ") in headers else None),
        ("GET", "/auth/me", padded_token, 200),
        ("GET", f"/users/{user.id}", padded_token, 200),
    ]
    for method, path, sent, expected in cases:
        answer = _raw_request(stack.gateway_url, method, path, sent)
        status = _status(answer)
        assert status < 500, (path, answer[:400])
        if expected is not None:
            assert status == expected, (path, answer[:400])


def test_the_gateway_serves_no_metrics_to_the_public(stack: Stack, gateway: httpx.Client) -> None:
    public = gateway.get("/metrics")
    assert public.status_code == 404
    assert "http_requests_total" not in public.text
    # The platform's own scraper presents the internal token.
    scraped = gateway.get("/metrics", headers={"X-Internal-Token": stack.internal_token})
    assert scraped.status_code == 200
    assert "http_requests_total" in scraped.text


def test_only_the_providers_webhooks_are_public(gateway: httpx.Client) -> None:
    event = {"event_id": str(uuid.uuid4()), "type": "payment.settled"}
    # The signed payment events go from payment-service to transaction-service directly.
    assert gateway.post("/webhooks/payment", json=event).status_code == 404
    assert gateway.post("/webhooks", json=event).status_code == 404
    # The providers' callbacks get through to their service (which refuses an unsigned one).
    midtrans = gateway.post("/webhooks/midtrans", json={"order_id": "x"})
    assert midtrans.status_code not in (404, 405), midtrans.text
    assert midtrans.status_code < 500, midtrans.text
    digiflazz = gateway.post("/webhooks/digiflazz", json={"data": {}})
    assert digiflazz.status_code not in (404, 405), digiflazz.text
    assert digiflazz.status_code < 500, digiflazz.text


def test_readiness_says_ready_and_names_nothing_inside(gateway: httpx.Client) -> None:
    ready = gateway.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "service": "api-gateway"}


def test_a_5_mb_body_is_answered_413_not_a_reset(stack: Stack, new_account: Callable[[], Account]) -> None:
    user = new_account()
    body = b'{"full_name": "' + b"x" * (5 * 1000 * 1000) + b'"}'
    answer = _raw_request(
        stack.gateway_url,
        "PUT",
        f"/users/{user.id}",
        [("Authorization", f"Bearer {user.access_token}"), ("Content-Type", "application/json")],
        body,
    )
    head, _, problem = answer.partition(b"\r\n\r\n")
    assert _status(answer) == 413, head
    assert b"content-type: application/problem+json" in head.lower()
    assert json.loads(problem)["type"].endswith("/payload-too-large")


def test_every_gateway_answer_carries_the_security_headers(
    gateway: httpx.Client, new_account: Callable[[], Account]
) -> None:
    user = new_account()
    for path in ("/auth/me", "/orders/", "/nowhere", "/docs", "/flights/airports?q=bali"):
        response = gateway.get(path, headers=user.headers)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["cache-control"] == "no-store", path
    docs = gateway.get("/docs")
    assert "script-src 'self' 'sha256-" in docs.headers["content-security-policy"]
