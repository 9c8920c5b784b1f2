"""The gateway's /openapi.json is the whole platform's public API, merged from the services'
own documents; /docs and /redoc show it.

No `from __future__ import annotations` here: the stub services declare their models inside
functions (two services, two `Order`s), and FastAPI must see those annotations evaluated."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel

from shared.security import bearer_scheme
from tests.conftest import GatewayFactory, Platform, make_settings
from tests.stubs import Received, echo_service

Token = Annotated[str | None, Depends(bearer_scheme)]


def transaction_service() -> FastAPI:
    app = FastAPI(title="stub transaction", version="1.2.3")

    class Money(BaseModel):
        amount: str
        currency: str

    class Order(BaseModel):
        id: str
        total: Money

    @app.post("/orders", response_model=Order, tags=["orders"])
    async def create_order(order: Order, token: Token) -> Order:
        return order

    @app.get("/orders/{order_id}", response_model=Order)
    async def get_order(order_id: str) -> Order:
        raise NotImplementedError

    @app.post("/webhooks/payment")
    async def payment_event() -> dict[str, str]:
        return {}

    @app.post("/internal/bookings")
    async def internal_booking() -> dict[str, str]:
        return {}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {}

    return app


def payment_service() -> FastAPI:
    app = FastAPI(title="stub payment", version="4.5.6")

    class Money(BaseModel):
        amount: int

    class Order(BaseModel):
        order_id: str
        gross: Money

    @app.post("/webhooks/midtrans")
    async def midtrans(order: Order) -> dict[str, str]:
        return {}

    @app.get("/payments/shadow")
    async def not_routed_here() -> dict[str, str]:
        return {}

    @app.get("/internal/charges/{charge_id}")
    async def internal_charge(charge_id: str) -> dict[str, str]:
        return {}

    return app


class CountingTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: FastAPI) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return await self.inner.handle_async_request(request)


@pytest.fixture
async def platform_docs(
    start_gateway: GatewayFactory, platform: Platform, refused_url: str
) -> AsyncIterator[tuple[dict[str, Any], httpx.AsyncClient, CountingTransport]]:
    transaction = CountingTransport(transaction_service())
    transports: dict[str, httpx.AsyncBaseTransport] = {
        **platform.transports(),
        "transaction": transaction,
        "payment": httpx.ASGITransport(app=payment_service()),
    }
    del transports["user"]  # user-service is down
    async with start_gateway(make_settings(USER_SERVICE_URL=refused_url), transports=transports) as gateway:
        response = await gateway.get("/openapi.json")
        assert response.status_code == 200
        yield response.json(), gateway, transaction


def _ref(schema: dict[str, Any]) -> str:
    return str(schema["$ref"])


async def test_the_platform_document_holds_every_services_public_paths(platform_docs: Any) -> None:
    document, _, _ = platform_docs
    assert document["info"]["title"] == "TiketQ API"
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    assert {"/orders", "/orders/{order_id}", "/webhooks/midtrans"} <= set(paths)
    assert "/auth/.well-known/jwks.json" in paths
    assert "/auth/users/{account_id}" in paths
    assert document["x-tiketq-services"]["transaction"] == "1.2.3"


async def test_internal_ops_and_unrouted_paths_are_left_out(platform_docs: Any) -> None:
    document, _, _ = platform_docs
    paths = set(document["paths"])
    assert not [path for path in paths if "internal" in path]
    assert not paths & {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"}
    # Served by transaction-service to payment-service only; the gateway does not route it.
    assert "/webhooks/payment" not in paths
    assert "/payments/shadow" not in paths  # the gateway sends /payments to transaction-service


async def test_clashing_schema_names_are_prefixed_and_refs_follow(platform_docs: Any) -> None:
    document, _, _ = platform_docs
    schemas = document["components"]["schemas"]
    assert "Order" not in schemas
    assert "Money" not in schemas
    assert set(schemas["transaction_Order"]["properties"]) == {"id", "total"}
    assert set(schemas["payment_Order"]["properties"]) == {"order_id", "gross"}
    assert (
        _ref(schemas["transaction_Order"]["properties"]["total"]) == "#/components/schemas/transaction_Money"
    )
    assert _ref(schemas["payment_Order"]["properties"]["gross"]) == "#/components/schemas/payment_Money"
    create = document["paths"]["/orders"]["post"]
    assert _ref(create["requestBody"]["content"]["application/json"]["schema"]) == (
        "#/components/schemas/transaction_Order"
    )
    midtrans = document["paths"]["/webhooks/midtrans"]["post"]
    assert _ref(midtrans["requestBody"]["content"]["application/json"]["schema"]) == (
        "#/components/schemas/payment_Order"
    )
    # Every $ref in the document resolves.
    for ref in _all_refs(document):
        section, name = ref.removeprefix("#/components/").split("/")
        assert name in document["components"][section], ref


async def test_identical_schemas_merge_into_one(platform_docs: Any) -> None:
    document, _, _ = platform_docs
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" in schemas
    assert not [name for name in schemas if name.endswith("_HTTPValidationError")]


async def test_authorize_logs_in_through_the_gateway(platform_docs: Any) -> None:
    document, _, _ = platform_docs
    scheme = document["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["type"] == "oauth2"
    assert scheme["flows"]["password"]["tokenUrl"] == "/auth/login"
    paths = document["paths"]
    # Guarded at the gateway: the scheme applies even where the service did not declare it.
    assert paths["/orders/{order_id}"]["get"]["security"] == [{"OAuth2PasswordBearer": []}]
    assert paths["/orders"]["post"]["security"] == [{"OAuth2PasswordBearer": []}]
    assert paths["/auth/users/{account_id}"]["get"]["security"] == [{"OAuth2PasswordBearer": []}]
    # Public at the gateway: no lock shown.
    assert "security" not in paths["/auth/.well-known/jwks.json"]["get"]
    assert "security" not in paths["/webhooks/midtrans"]["post"]


async def test_a_service_that_is_down_is_skipped_and_named(platform_docs: Any) -> None:
    document, _, _ = platform_docs
    assert document["x-tiketq-unavailable"] == ["user"]
    assert "user" not in document["x-tiketq-services"]


async def test_the_merged_document_is_cached(platform_docs: Any) -> None:
    _, gateway, transaction = platform_docs
    fetched = transaction.calls
    assert (await gateway.get("/openapi.json")).status_code == 200
    assert transaction.calls == fetched


async def test_docs_and_redoc_show_the_platform_document(platform_docs: Any) -> None:
    _, gateway, _ = platform_docs
    swagger = await gateway.get("/docs")
    assert swagger.status_code == 200
    assert "/openapi.json" in swagger.text
    assert '"persistAuthorization": true' in swagger.text
    redoc = await gateway.get("/redoc")
    assert redoc.status_code == 200
    assert "/openapi.json" in redoc.text


async def test_the_docs_load_pinned_assets_from_the_gateway_under_a_content_security_policy(
    platform_docs: Any,
) -> None:
    _, gateway, _ = platform_docs
    pages = {path: await gateway.get(path) for path in ("/docs", "/redoc", "/docs/oauth2-redirect")}
    for path, page in pages.items():
        assert page.status_code == 200, path
        assert "cdn" not in page.text.lower(), path
        assert "https://" not in page.text, path
        csp = page.headers["content-security-policy"]
        policy = dict(directive.strip().split(" ", 1) for directive in csp.split(";"))
        assert policy["default-src"] == "'none'"
        assert policy["connect-src"] == "'self'"
        assert policy["frame-ancestors"] == "'none'"
        # Only the gateway's own files, and the page's own inline script by its hash.
        sources = policy["script-src"].split()
        assert sources[0] == "'self'"
        assert all(source.startswith("'sha256-") for source in sources[1:])
        assert "'unsafe-inline'" not in sources
    assert '<script src="/docs/assets/swagger-ui-bundle.js">' in pages["/docs"].text
    assert '"validatorUrl": null' in pages["/docs"].text
    assert '<script src="/docs/assets/redoc.standalone.js">' in pages["/redoc"].text
    for asset, kind in (
        ("swagger-ui-bundle.js", "javascript"),
        ("swagger-ui.css", "text/css"),
        ("redoc.standalone.js", "javascript"),
        ("favicon.png", "image/png"),
    ):
        served = await gateway.get(f"/docs/assets/{asset}")
        assert served.status_code == 200, asset
        assert kind in served.headers["content-type"], asset
        assert len(served.content) > 1000, asset
    assert (await gateway.get("/docs/assets/../app.py")).status_code == 404


async def test_the_docs_need_no_token_and_work_when_every_service_is_down(
    start_gateway: GatewayFactory, refused_url: str
) -> None:
    settings = make_settings(**{f"{name.upper()}_SERVICE_URL": refused_url for name in _SERVICES})
    async with start_gateway(settings, transports={}) as gateway:
        response = await gateway.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["paths"] == {}
    assert response.json()["x-tiketq-unavailable"] == list(_SERVICES)


_SERVICES = ("auth", "user", "transaction", "flights", "ferries", "hotels", "ppob", "payment", "notification")


def _all_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _all_refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _all_refs(item)]
    return []


def test_an_echo_stub_has_no_paths_of_its_own() -> None:
    # The other stubs' documents are empty, so everything above comes from the two built here.
    assert echo_service("x", Received()).openapi()["paths"] == {}
