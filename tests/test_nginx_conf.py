"""nginx.conf, read through crossplane: TLS with HSTS, the security headers, what is routed at the
edge (the same public paths as the gateway's routing table), request ids, limits and nginx's own
problem+json answers. No nginx binary is needed (the nginx tier, tests/test_through_nginx.py,
runs the file; tests/test_nginx_render.py checks what its render changes).

    cd /work/main && .venv/bin/pytest tests/test_nginx_conf.py -q -p no:cacheprovider
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from the repository root without the suite's pytest.ini
    sys.path.insert(0, str(ROOT))

from tests.deploy_helpers import directives, first_block, load_compose, parse_nginx, walk  # noqa: E402

Block = list[dict[str, Any]]
SECURITY_HEADERS = {
    "strict-transport-security",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "cache-control",
    "x-request-id",
}


def _gateway_module(name: str) -> ModuleType:
    """A pure module of the gateway's domain (no framework imports), loaded by file path: every
    service has a top-level `domain` package, so it is never imported by name here."""
    path = ROOT / "api-gateway" / "domain" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"gateway_domain_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def nginx() -> Block:
    parsed = parse_nginx()
    assert parsed["status"] == "ok", parsed["errors"]
    assert not parsed["errors"]
    config: Block = parsed["config"][0]["parsed"]
    return config


@pytest.fixture(scope="module")
def http(nginx: Block) -> Block:
    return first_block(nginx, "http")


def _servers(http: Block) -> dict[str, Block]:
    """Each server block by its listen port."""
    found: dict[str, Block] = {}
    for server in directives(http, "server"):
        port = directives(server["block"], "listen")[0]["args"][0]
        found[port] = server["block"]
    return found


@pytest.fixture(scope="module")
def plain(http: Block) -> Block:
    return _servers(http)["80"]


@pytest.fixture(scope="module")
def tls(http: Block) -> Block:
    return _servers(http)["443"]


def _location(server: Block, *args: str) -> Block:
    for loc in directives(server, "location"):
        if loc["args"] == list(args):
            block: Block = loc["block"]
            return block
    raise AssertionError(f"no location {' '.join(args)}")


def _resolve(server: Block, path: str) -> Block:
    """The location nginx picks for a path: an exact match; else the longest prefix, unless a
    regular expression matches first (in file order) and that prefix was not `^~`."""
    exact: Block | None = None
    prefixes: list[tuple[int, bool, Block]] = []
    regexes: list[tuple[re.Pattern[str], Block]] = []
    for loc in directives(server, "location"):
        args = loc["args"]
        if args[0] == "=" and args[1] == path:
            exact = loc["block"]
        elif args[0] in ("~", "~*"):
            flags = re.IGNORECASE if args[0] == "~*" else 0
            regexes.append((re.compile(args[1], flags), loc["block"]))
        elif args[0] == "^~" and path.startswith(args[1]):
            prefixes.append((len(args[1]), True, loc["block"]))
        elif len(args) == 1 and not args[0].startswith("@") and path.startswith(args[0]):
            prefixes.append((len(args[0]), False, loc["block"]))
    if exact is not None:
        return exact
    longest = max(prefixes, key=lambda found: found[0], default=None)
    if longest is not None and longest[1]:
        return longest[2]
    for pattern, block in regexes:
        if pattern.search(path):
            return block
    assert longest is not None, f"no location for {path}"
    return longest[2]


def _proxied(server: Block, path: str) -> bool:
    location = _resolve(server, path)
    return bool(directives(location, "proxy_pass"))


def _added_headers(block: Block) -> dict[str, list[str]]:
    return {d["args"][0].lower(): d["args"][1:] for d in directives(block, "add_header")}


# --- the whole file ------------------------------------------------------------------------------


def test_nginx_conf_is_a_complete_config(nginx: Block, http: Block) -> None:
    assert directives(nginx, "events")
    assert directives(http, "server_tokens")[0]["args"] == ["off"]
    assert set(_servers(http)) == {"80", "443"}


def test_nginx_proxies_to_the_gateway_over_keepalive(nginx: Block, http: Block, tls: Block) -> None:
    upstream = first_block(nginx, "upstream")
    assert [d["args"] for d in directives(upstream, "server")] == [["api-gateway:8000"]]
    assert directives(upstream, "keepalive")
    assert directives(_resolve(tls, "/orders"), "proxy_pass")[0]["args"] == ["http://api_gateway"]
    headers = {d["args"][0].lower(): d["args"][1] for d in directives(http, "proxy_set_header")}
    assert headers["connection"] == ""  # keepalive to the upstream needs it cleared
    assert directives(http, "proxy_http_version")[0]["args"] == ["1.1"]
    for directive in walk(http):
        if directive["directive"] in ("server", "location") and "block" in directive:
            # None sets its own headers, so every proxying location inherits all of them.
            assert not directives(directive["block"], "proxy_set_header"), directive["args"]


def test_nginx_forwards_client_address_and_scheme_headers(http: Block) -> None:
    headers = {d["args"][0].lower(): d["args"][1] for d in directives(http, "proxy_set_header")}
    # Replaced, not appended: the edge does not pass on a client's claimed addresses.
    assert headers["x-forwarded-for"] == "$remote_addr"
    assert headers["x-forwarded-proto"] == "$scheme"
    assert headers["x-forwarded-host"] == "$host"
    assert headers["x-real-ip"] == "$remote_addr"


def test_nginx_makes_a_request_id_when_absent_and_forwards_it(http: Block, tls: Block) -> None:
    headers = {d["args"][0].lower(): d["args"][1] for d in directives(http, "proxy_set_header")}
    variable = headers["x-request-id"]
    maps = {tuple(d["args"]): d["block"] for d in directives(http, "map")}
    mapping = {entry["directive"]: entry["args"] for entry in maps[("$http_x_request_id", variable)]}
    assert mapping["default"] == ["$request_id"]
    assert ["$http_x_request_id"] in mapping.values()
    assert _added_headers(tls)["x-request-id"][0] == variable
    log_format = next(d for d in directives(http, "log_format"))
    assert variable in "".join(log_format["args"])
    assert "escape=json" in log_format["args"]
    assert directives(http, "access_log")[0]["args"][-1] == log_format["args"][0]


# --- TLS and HSTS --------------------------------------------------------------------------------


def test_https_on_443_with_the_certificate_from_docker_secrets(tls: Block) -> None:
    assert directives(tls, "listen")[0]["args"][:2] == ["443", "ssl"]
    assert directives(tls, "http2")[0]["args"] == ["on"]
    assert directives(tls, "ssl_certificate")[0]["args"] == ["/run/secrets/tls_certificate"]
    assert directives(tls, "ssl_certificate_key")[0]["args"] == ["/run/secrets/tls_private_key"]
    assert directives(tls, "ssl_protocols")[0]["args"] == ["TLSv1.2", "TLSv1.3"]
    assert directives(tls, "ssl_session_tickets")[0]["args"] == ["off"]
    ciphers = directives(tls, "ssl_ciphers")[0]["args"][0].split(":")
    assert all(cipher.startswith("ECDHE-") for cipher in ciphers), ciphers
    assert all("GCM" in cipher or "CHACHA20" in cipher for cipher in ciphers), ciphers


def test_compose_mounts_the_certificate_and_publishes_443() -> None:
    compose = load_compose()
    nginx = compose["services"]["nginx"]
    assert set(nginx["secrets"]) == {"tls_certificate", "tls_private_key"}
    for secret in nginx["secrets"]:
        assert compose["secrets"][secret]["file"].startswith("./secrets/")
    assert any(str(port).endswith(":443") for port in nginx["ports"])


def test_hsts_for_a_year_on_every_https_answer(tls: Block) -> None:
    hsts = _added_headers(tls)["strict-transport-security"]
    assert hsts == ["max-age=31536000; includeSubDomains", "always"]


def test_plain_http_only_moves_callers_to_https_and_answers_health_probes(plain: Block) -> None:
    moved = directives(_resolve(plain, "/orders"), "return")[0]["args"]
    # 308, not 301: a POST stays a POST with its body.
    assert moved == ["308", "https://$host$request_uri"]
    assert directives(_resolve(plain, "/auth/login"), "return")[0]["args"][0] == "308"
    # The compose health check goes through to the gateway over plain HTTP inside the container.
    assert _proxied(plain, "/healthz")
    assert not directives(plain, "ssl_certificate")
    assert "strict-transport-security" not in _added_headers(plain)  # HSTS only counts over TLS


# --- security headers ----------------------------------------------------------------------------


def test_security_headers_on_every_answer_nginx_s_own_errors_included(tls: Block) -> None:
    added = _added_headers(tls)
    assert added["x-content-type-options"] == ["nosniff", "always"]
    assert added["x-frame-options"] == ["DENY", "always"]
    assert added["referrer-policy"] == ["no-referrer", "always"]
    # A location that adds a header of its own inherits none of the server's: it repeats them all.
    for directive in walk(tls):
        if directive["directive"] == "location" and directives(directive["block"], "add_header"):
            own = _added_headers(directive["block"])
            assert set(own) >= SECURITY_HEADERS, directive["args"]


def test_api_answers_are_no_store_unless_the_gateway_says_otherwise(http: Block, tls: Block) -> None:
    variable = _added_headers(tls)["cache-control"][0]
    maps = {tuple(d["args"]): d["block"] for d in directives(http, "map")}
    mapping = {
        entry["directive"]: entry["args"] for entry in maps[("$upstream_http_cache_control", variable)]
    }
    # No Cache-Control from the gateway (or an answer of nginx's own) → no-store; a header the
    # gateway set (the public JWKS, the docs' pinned assets) is kept and nothing is added.
    assert mapping[""] == ["no-store"]
    assert mapping["default"] == [""]
    hidden = {d["args"][0].lower() for d in directives(http, "proxy_hide_header")}
    assert "cache-control" not in hidden
    # The gateway sets these too: hidden from it, so that each answer has exactly one.
    assert {"x-content-type-options", "x-frame-options", "referrer-policy", "x-request-id"} <= hidden


# --- what is routed ------------------------------------------------------------------------------


def test_exactly_the_gateway_s_public_prefixes_and_docs_are_routed(tls: Block) -> None:
    routing = _gateway_module("routing")
    prefixes = [route.prefix for route in routing.TIKETQ_ROUTES]
    assert "/webhooks" not in prefixes  # the signed service-to-service events stay private
    for prefix in prefixes:
        for path in (prefix, prefix + "/", prefix + "/x/y"):
            assert _proxied(tls, path), path
        assert not _proxied(tls, prefix + "x"), prefix + "x"
    for path in ("/docs", "/docs/oauth2-redirect", "/docs/assets/swagger-ui-bundle.js", "/redoc"):
        assert _proxied(tls, path), path
    for path in ("/openapi.json", "/healthz", "/readyz"):
        assert _proxied(tls, path), path


@pytest.mark.parametrize(
    "path",
    [
        "/metrics",
        "/webhooks/payment",
        "/webhooks",
        "/webhooks/midtransx",
        "/internal/bookings",
        "/",
        "/admin",
        "/openapi.jsonx",
        "/.env",
    ],
)
def test_everything_else_is_a_problem_json_404_at_the_edge(tls: Block, path: str) -> None:
    location = _resolve(tls, path)
    assert not directives(location, "proxy_pass"), path
    status, body = directives(location, "return")[0]["args"]
    assert status == "404"
    assert directives(location, "default_type")[0]["args"] == ["application/problem+json"]
    assert json.loads(body.replace("$tiketq_request_id", "id"))["status"] == 404


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register"])
def test_nginx_rate_limits_credential_endpoints_per_client_ip(http: Block, tls: Block, path: str) -> None:
    zones = {
        d["args"][1].removeprefix("zone=").split(":")[0]: d["args"]
        for d in directives(http, "limit_req_zone")
    }
    location = _location(tls, "=", path)
    limit = directives(location, "limit_req")[0]["args"]
    zone = next(arg.removeprefix("zone=") for arg in limit if arg.startswith("zone="))
    assert zones[zone][0] == "$binary_remote_addr"
    assert any(arg.startswith("burst=") for arg in limit)
    assert directives(location, "proxy_pass")[0]["args"] == ["http://api_gateway"]
    assert directives(http, "limit_req_status")[0]["args"] == ["429"]


def test_every_proxied_location_is_rate_limited(tls: Block) -> None:
    for loc in directives(tls, "location"):
        if directives(loc["block"], "proxy_pass"):
            assert directives(loc["block"], "limit_req"), loc["args"]


# --- limits and nginx's own answers --------------------------------------------------------------


def test_a_body_over_the_services_cap_is_a_413_problem(http: Block, tls: Block) -> None:
    settings_source = (ROOT / "shared" / "settings.py").read_text(encoding="utf-8")
    default_cap = re.search(r"max_body_bytes: int = Field\(\s*default=([0-9_]+)", settings_source)
    assert default_cap, "MAX_BODY_BYTES default not found in shared/settings.py"
    cap = int(default_cap.group(1).replace("_", ""))
    assert directives(http, "client_max_body_size")[0]["args"] == [f"{cap // (1024 * 1024)}m"]
    pages = {d["args"][0]: d["args"][-1] for d in directives(tls, "error_page")}
    status, body = directives(_location(tls, pages["413"]), "return")[0]["args"]
    assert status == "413"
    problem = json.loads(body.replace("$tiketq_request_id", "id"))
    assert problem["status"] == 413
    assert problem["type"].endswith("/payload-too-large")
    assert str(cap) in problem["detail"]


def _error_location(server: Block, target: str) -> Block:
    """An error_page's target: a named location, or an exact URI nobody outside can ask for."""
    if target.startswith("@"):
        return _location(server, target)
    location = _location(server, "=", target)
    assert directives(location, "internal"), target
    return location


@pytest.mark.parametrize("status", ["400", "404", "414", "494", "497", "413", "429", "502", "503", "504"])
def test_nginx_s_own_errors_are_problem_json(tls: Block, status: str) -> None:
    pages: dict[str, str] = {}
    for page in directives(tls, "error_page"):
        for code in page["args"][:-1]:
            pages[code] = page["args"][-1]
    location = _error_location(tls, pages[status])
    assert directives(location, "default_type")[0]["args"] == ["application/problem+json"]
    answered, body = directives(location, "return")[0]["args"]
    assert json.loads(body.replace("$tiketq_request_id", "id"))["status"] == int(answered)


def test_nginx_sets_timeouts_gzip_and_its_own_health_location(http: Block, tls: Block, plain: Block) -> None:
    for timeout in ("proxy_connect_timeout", "proxy_send_timeout", "proxy_read_timeout"):
        assert directives(http, timeout), timeout
    assert directives(http, "gzip")[0]["args"] == ["on"]
    assert "application/json" in directives(http, "gzip_types")[0]["args"]
    for server in (plain, tls):
        health = _location(server, "=", "/nginx-health")
        assert directives(health, "return")[0]["args"][0] == "200"
