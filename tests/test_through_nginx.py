"""The nginx tier: the end-to-end stack behind the project's own nginx.conf, run by a real nginx.

nginx/nginx.conf is rendered for this machine (tests/edge_nginx.py: ports, upstream, certificate
and file paths only) and started in front of the session's gateway, so what compose deploys is what
answers here: HTTPS with HSTS and the security headers, request ids, the client address handed on
as X-Forwarded-For, the body cap, the sign-in rate limit and nginx's own problem+json answers.
Each test is a client address of its own in 127.0.0.0/8, as nginx and auth-service count per
address. Runs where nginx is installed; tools/run_tests.py names the tier where it is not.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from devstack.stack import Stack
from testkit.stack_runner import StackRunner
from tests.edge_nginx import NginxEdge, find_nginx, free_port, fresh_loopback_address
from tests.money import act_on_payment_page, order, start_payment, wait_for_order
from tests.support import REVOCATION_BOUND_SECONDS, Account, login, seconds_until_refused, service_env

PROBLEM = "application/problem+json"
PASSWORD = "correct horse battery"
EDGE_HEADERS = {
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
# nginx.conf's credential zones, per address: a quick run of requests gets 1 + the burst through
# and the rest are refused at the edge. Sign-in: 10 a minute with a burst of 5.
SIGN_INS_BEFORE_THE_EDGE_REFUSES = 6
SIGN_UPS_BEFORE_THE_EDGE_REFUSES = 4  # 5 a minute with a burst of 3
AWKWARD_USER_AGENT = 'probe "quoted" \\ {"status": 200}'
LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = 5  # auth-service's default, which the stack runs with


@pytest.fixture(scope="module")
def edge(stack: Stack) -> Iterator[NginxEdge]:
    binary = find_nginx()
    if binary is None:
        # tools/run_tests.py does not collect this file without nginx; run by hand, say why.
        pytest.fail("nginx tier cannot run: nginx not installed (.ci/run installs Debian's nginx)")
    prefix = Path(tempfile.mkdtemp(prefix="tiketq-edge-"))
    running = NginxEdge(binary, prefix, upstream=urlsplit(stack.gateway_url).netloc)
    running.start()
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(prefix, ignore_errors=True)


def sign_up(client: httpx.Client) -> Account:
    email = f"edge-{uuid.uuid4().hex[:12]}@example.com"
    created = client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert created.status_code == 201, created.text
    tokens = login(client, email, PASSWORD)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    return Account(created.json()["id"], email, PASSWORD, body["access_token"], body["refresh_token"])


def assert_edge_problem(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    """An answer of nginx's own: problem+json carrying the request id, with the edge's headers."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["type"] == f"https://docs.tiketq.id/problems/{kind}"
    assert problem["request_id"] == response.headers["x-request-id"]
    for name, value in EDGE_HEADERS.items():
        assert response.headers.get_list(name) == [value], name
    return problem


# --- journeys ------------------------------------------------------------------------------------


def test_register_sign_in_refresh_and_sign_out_through_the_edge(edge: NginxEdge) -> None:
    with edge.client() as client:
        account = sign_up(client)
        me = client.get("/auth/me", headers=account.headers)
        assert me.status_code == 200, me.text
        assert me.json()["email"] == account.email
        assert me.headers["cache-control"] == "no-store"

        refreshed = client.post("/auth/refresh", json={"refresh_token": account.refresh_token})
        assert refreshed.status_code == 200, refreshed.text
        rotated = refreshed.json()
        headers = {"Authorization": f"Bearer {rotated['access_token']}"}
        assert client.get("/auth/me", headers=headers).status_code == 200

        assert client.post("/auth/logout", headers=headers).status_code == 204
        assert seconds_until_refused(client, "/auth/me", headers) <= REVOCATION_BOUND_SECONDS
        again = client.post("/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
        assert again.status_code == 401
        assert again.headers["content-type"] == PROBLEM


def test_order_pay_on_the_sandbox_and_the_order_completes_through_the_edge(
    edge: NginxEdge, stack_runner: StackRunner
) -> None:
    # Midtrans's payment notification comes in at the edge as well, over HTTPS, as in production.
    midtrans = {
        "SANDBOX_MIDTRANS_NOTIFICATION_URL": f"{edge.https_url}/webhooks/midtrans",
        "SSL_CERT_FILE": str(edge.placement.certificate),
    }
    with service_env(stack_runner, "sandbox", midtrans), edge.client() as client:
        buyer = sign_up(client)
        placed = order(client, buyer)
        assert placed["status"] == "CONFIRMED"
        payment = start_payment(client, buyer, placed["transaction_id"])
        # The payer is on Midtrans's page (the sandbox), not on TiketQ's edge.
        act_on_payment_page(payment["redirect_url"], "pay", payment_type="bank_transfer", bank="bca")
        done = wait_for_order(client, buyer, placed["id"], "COMPLETED")
        assert done["booking"]["status"] == "issued"
        transaction = client.get(f"/transactions/{placed['transaction_id']}", headers=buyer.headers)
        assert transaction.json()["status"] == "COMPLETED"
        assert client.get(f"/payments/{payment['id']}", headers=buyer.headers).json()["status"] == "PAID"
    notifications = edge.access_log(lambda entry: entry["uri"] == "/webhooks/midtrans")
    assert notifications, "Midtrans's notification did not come through the edge"
    assert {entry["method"] for entry in notifications} == {"POST"}
    assert "200" in {entry["upstream_status"] for entry in notifications}


# --- request ids ---------------------------------------------------------------------------------


def test_a_caller_s_request_id_reaches_the_service_and_comes_back(edge: NginxEdge) -> None:
    request_id = f"edge-{uuid.uuid4().hex}"
    with edge.client() as client:
        # A wrong password: the problem is auth-service's own, so the id went all the way there.
        answer = client.post(
            "/auth/login",
            json={"email": f"nobody-{uuid.uuid4().hex[:8]}@example.com", "password": "x" * 12},
            headers={"X-Request-ID": request_id, "User-Agent": AWKWARD_USER_AGENT},
        )
    assert answer.status_code == 401, answer.text
    assert answer.headers.get_list("x-request-id") == [request_id]
    assert answer.json()["request_id"] == request_id
    logged = edge.logged(request_id)
    assert logged["status"] == 401
    assert logged["upstream_status"] == "401"
    assert logged["user_agent"] == AWKWARD_USER_AGENT  # escaped: the log line stays JSON


@pytest.mark.parametrize("sent", [None, "has spaces in it", "x" * 129, "semi;colon"])
def test_nginx_makes_a_request_id_when_there_is_none_fit_to_pass_on(
    edge: NginxEdge, sent: str | None
) -> None:
    with edge.client() as client:
        answer = client.get("/auth/me", headers={"X-Request-ID": sent} if sent else {})
    assert answer.status_code == 401  # the gateway's problem: no token
    made = answer.headers.get_list("x-request-id")
    assert len(made) == 1
    assert len(made[0]) == 32
    assert int(made[0], 16) >= 0
    assert answer.json()["request_id"] == made[0]
    assert edge.logged(made[0])["upstream_status"] == "401"


# --- client addresses ----------------------------------------------------------------------------


def test_the_address_nginx_sees_is_the_one_auth_service_throttles(edge: NginxEdge) -> None:
    attacker, owner_home = fresh_loopback_address(), fresh_loopback_address()
    with edge.client() as signup:
        owner = sign_up(signup)
    with edge.client(attacker) as client:
        for n in range(LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS):
            # A made-up X-Forwarded-For is replaced by nginx, not believed.
            wrong = client.post(
                "/auth/login",
                json={"email": owner.email, "password": f"guess-{n}-wrong"},
                headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
            )
            assert wrong.status_code == 401, wrong.text
        throttled = login(client, owner.email, owner.password)
    # auth-service's answer (not the edge's): it counted all five guesses against one address.
    assert throttled.status_code == 429, throttled.text
    assert throttled.json()["type"].endswith("/too-many-login-attempts")
    assert "retry-after" in throttled.headers
    logged = edge.logged(throttled.headers["x-request-id"])
    assert logged["remote_addr"] == attacker
    assert logged["upstream_status"] == "429"

    with edge.client(owner_home) as client:
        assert login(client, owner.email, owner.password).status_code == 200


# --- limits --------------------------------------------------------------------------------------


def test_a_body_over_the_cap_is_nginx_s_413_problem(edge: NginxEdge) -> None:
    oversized = b'{"email": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    with edge.client() as client:
        answer = client.post(
            "/auth/register", content=oversized, headers={"Content-Type": "application/json"}
        )
    problem = assert_edge_problem(answer, 413, "payload-too-large")
    assert "1048576" in problem["detail"]
    assert edge.logged(problem["request_id"])["upstream_status"] == ""  # never reached the gateway


def test_a_body_under_the_cap_goes_on_to_the_service(edge: NginxEdge) -> None:
    under = b'{"email": "' + b"a" * (512 * 1024) + b'", "password": "correct horse battery"}'
    with edge.client() as client:
        answer = client.post("/auth/register", content=under, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text  # auth-service's validation, not the edge's cap
    assert edge.logged(answer.headers["x-request-id"])["upstream_status"] == "422"


@pytest.mark.parametrize(
    ("path", "passing", "answered"),
    [
        ("/auth/login", SIGN_INS_BEFORE_THE_EDGE_REFUSES, 401),
        ("/auth/register", SIGN_UPS_BEFORE_THE_EDGE_REFUSES, 201),
    ],
)
def test_a_run_of_sign_ins_or_sign_ups_from_one_address_gets_nginx_s_429(
    edge: NginxEdge, path: str, passing: int, answered: int
) -> None:
    attempts = passing + 6
    with edge.client() as client:

        def attempt(n: int) -> httpx.Response:
            email = f"edge-{n}-{uuid.uuid4().hex[:8]}@example.com"
            return client.post(path, json={"email": email, "password": PASSWORD})

        with ThreadPoolExecutor(max_workers=attempts) as pool:
            answers = list(pool.map(attempt, range(attempts)))

    refused = [a for a in answers if a.status_code == 429]
    assert len(refused) == attempts - passing, [a.status_code for a in answers]
    through = [a for a in answers if a.status_code != 429]
    assert all(a.status_code == answered for a in through), [a.text for a in through]
    for answer in refused:
        assert_edge_problem(answer, 429, "rate-limited")
        assert answer.headers["retry-after"] == "60"
        assert edge.logged(answer.headers["x-request-id"])["upstream_status"] == ""
    # Per address: another client signs up and in at once.
    with edge.client() as other:
        account = sign_up(other)
        assert login(other, account.email, account.password).status_code == 200


# --- what the edge answers itself ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/metrics", "/internal/bookings", "/webhooks/payment", "/", "/.env"])
def test_private_and_unknown_paths_are_nginx_s_404_problem(edge: NginxEdge, path: str) -> None:
    with edge.client() as client:
        answer = client.get(path)
    problem = assert_edge_problem(answer, 404, "not-found")
    assert edge.logged(problem["request_id"])["upstream_status"] == ""


def test_requests_nginx_cannot_read_are_its_own_400_and_414_problems(edge: NginxEdge) -> None:
    plain = httpx.HTTPTransport(local_address=fresh_loopback_address())
    with httpx.Client(transport=plain, timeout=10) as client:
        to_the_tls_port = client.get(f"http://127.0.0.1:{edge.placement.https_port}/orders")
    assert_edge_problem(to_the_tls_port, 400, "bad-request")
    with edge.client() as client:
        assert_edge_problem(client.get("/orders", headers={"X-Padding": "a" * 20_000}), 400, "bad-request")
        assert_edge_problem(client.get("/orders/" + "a" * 10_000), 414, "uri-too-long")
        # The error pages' own URIs are internal: from outside they do not exist.
        assert_edge_problem(client.get("/_edge/bad-request"), 404, "not-found")


def test_the_gateway_s_metrics_exist_but_not_at_the_edge(edge: NginxEdge, stack: Stack) -> None:
    token = {"X-Internal-Token": stack.internal_token}
    direct = httpx.get(f"{stack.gateway_url}/metrics", headers=token, timeout=10)
    assert direct.status_code == 200  # on the private network, with the internal token
    with edge.client() as client:
        assert_edge_problem(client.get("/metrics", headers=token), 404, "not-found")


def test_plain_http_moves_callers_to_https_and_answers_probes(edge: NginxEdge) -> None:
    with edge.client(https=False) as client:
        for method in ("GET", "POST"):
            moved = client.request(method, "/orders/abc?page=2", headers={"Host": "api.tiketq.id"})
            assert moved.status_code == 308
            assert moved.headers["location"] == "https://api.tiketq.id/orders/abc?page=2"
            assert "strict-transport-security" not in moved.headers  # HSTS only counts over TLS
        assert client.get("/nginx-health").json() == {"status": "ok", "service": "nginx"}
        # The container's health check: through to the gateway (which names itself).
        probe = client.get("/healthz")
        assert probe.status_code == 200
        assert probe.json() == {"status": "ok", "service": "api-gateway"}


def test_https_answers_carry_hsts_and_one_copy_of_each_security_header(edge: NginxEdge) -> None:
    with edge.client() as client:
        answer = client.get("/healthz")
        stream = client.stream("GET", "/healthz")
        with stream as response:
            tls_version = response.extensions["network_stream"].get_extra_info("ssl_object").version()
    assert answer.status_code == 200
    for name, value in EDGE_HEADERS.items():
        # The gateway sets some of these too; the edge hides its copy and sends its own.
        assert answer.headers.get_list(name) == [value], name
    assert answer.headers["server"] == "nginx"  # server_tokens off: no version
    assert tls_version in ("TLSv1.2", "TLSv1.3")


def test_https_offers_http2_and_compresses_json(edge: NginxEdge, stack: Stack) -> None:
    context = edge.ssl_context()
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", edge.placement.https_port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2"
    gzip = {"Accept-Encoding": "gzip"}
    direct = httpx.get(f"{stack.gateway_url}/openapi.json", headers=gzip, timeout=30)
    assert "content-encoding" not in direct.headers  # the gateway sends it as it is
    with edge.client() as client:
        compressed = client.get("/openapi.json", headers=gzip)
    assert compressed.status_code == 200
    assert compressed.headers["content-encoding"] == "gzip"
    assert compressed.json() == direct.json()


def test_a_gateway_that_is_not_there_is_nginx_s_503_problem(edge: NginxEdge) -> None:
    # The same rendered file in front of a port nothing listens on (the session's gateway is left
    # alone): nginx's 502 becomes a problem+json 503.
    prefix = Path(tempfile.mkdtemp(prefix="tiketq-edge-"))
    lonely = NginxEdge(edge.binary, prefix, upstream=f"127.0.0.1:{free_port()}")
    lonely.start()
    try:
        with lonely.client() as client:
            answer = client.get("/orders")
        problem = assert_edge_problem(answer, 503, "gateway-unavailable")
        assert lonely.logged(problem["request_id"])["upstream_status"] == "502"
    finally:
        lonely.stop()
        shutil.rmtree(prefix, ignore_errors=True)
