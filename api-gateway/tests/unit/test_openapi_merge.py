"""Merging the services' OpenAPI documents into the platform's, on hand-written documents."""

from __future__ import annotations

from typing import Any

import httpx

from adapters.openapi_merge import SECURITY_SCHEME, merge_documents
from adapters.platform_openapi import PlatformOpenApi
from adapters.upstreams import Upstreams
from domain.access import TIKETQ_ACCESS
from domain.routing import TIKETQ_ROUTES, RoutingTable


def _merge(documents: dict[str, Any], unavailable: tuple[str, ...] = ()) -> dict[str, Any]:
    return merge_documents(
        documents, routing=RoutingTable(TIKETQ_ROUTES), access=TIKETQ_ACCESS, unavailable=unavailable
    )


def _doc(paths: dict[str, Any], schemas: dict[str, Any] | None = None, **components: Any) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "x", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas or {}, **components},
    }


def _op(operation_id: str, **fields: Any) -> dict[str, Any]:
    return {"operationId": operation_id, "responses": {}, **fields}


def _get(ref: str, operation_id: str = "op") -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation_id,
            "responses": {"200": {"content": {"application/json": {"schema": {"$ref": ref}}}}},
        }
    }


def _response_ref(document: dict[str, Any], path: str) -> str:
    return str(
        document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    )


def test_a_schema_that_refers_to_a_renamed_one_is_renamed_too() -> None:
    # Both services' `Order` look alike, but their `Money` differs, so their Orders differ too.
    order = {"type": "object", "properties": {"total": {"$ref": "#/components/schemas/Money"}}}
    merged = _merge(
        {
            "transaction": _doc(
                {"/orders": _get("#/components/schemas/Order")},
                {"Order": order, "Money": {"type": "string"}},
            ),
            "payment": _doc(
                {"/webhooks/midtrans": _get("#/components/schemas/Order", "op2")},
                {"Order": order, "Money": {"type": "integer"}},
            ),
        }
    )
    schemas = merged["components"]["schemas"]
    assert set(schemas) == {"transaction_Order", "transaction_Money", "payment_Order", "payment_Money"}
    assert schemas["payment_Order"]["properties"]["total"]["$ref"] == "#/components/schemas/payment_Money"
    assert _response_ref(merged, "/orders") == "#/components/schemas/transaction_Order"
    assert _response_ref(merged, "/webhooks/midtrans") == "#/components/schemas/payment_Order"


def test_identical_schemas_stay_one_under_their_own_name() -> None:
    error = {"type": "object", "properties": {"detail": {"type": "string"}}}
    merged = _merge(
        {
            "flights": _doc({"/flights/search": _get("#/components/schemas/Error")}, {"Error": error}),
            "hotels": _doc({"/hotels/search": _get("#/components/schemas/Error", "op2")}, {"Error": error}),
        }
    )
    assert merged["components"]["schemas"] == {"Error": error}
    assert _response_ref(merged, "/hotels/search") == "#/components/schemas/Error"


def test_a_prefixed_name_never_overwrites_an_existing_schema() -> None:
    merged = _merge(
        {
            "flights": _doc({}, {"Offer": {"type": "string"}, "flights_Offer": {"type": "boolean"}}),
            "hotels": _doc({}, {"Offer": {"type": "integer"}}),
        }
    )
    schemas = merged["components"]["schemas"]
    assert schemas["flights_Offer"] == {"type": "boolean"}
    assert schemas["flights_flights_Offer"] == {"type": "string"}
    assert schemas["hotels_Offer"] == {"type": "integer"}


def test_discriminator_mappings_follow_renames() -> None:
    union = {
        "oneOf": [{"$ref": "#/components/schemas/Bill"}],
        "discriminator": {"propertyName": "kind", "mapping": {"bill": "#/components/schemas/Bill"}},
    }
    merged = _merge(
        {
            "ppob": _doc({}, {"Product": union, "Bill": {"type": "object"}}),
            "hotels": _doc({}, {"Bill": {"type": "string"}}),
        }
    )
    product = merged["components"]["schemas"]["Product"]
    assert product["discriminator"]["mapping"] == {"bill": "#/components/schemas/ppob_Bill"}
    assert product["oneOf"] == [{"$ref": "#/components/schemas/ppob_Bill"}]


def test_only_paths_the_gateway_routes_to_that_service_are_kept() -> None:
    merged = _merge(
        {
            "payment": _doc(
                {
                    "/webhooks/midtrans": _get("#/x"),
                    "/payments/{id}": _get("#/x"),  # /payments belongs to transaction-service
                    "/internal/charges": _get("#/x"),
                    "/healthz": _get("#/x"),
                }
            ),
            "auth": _doc({"/auth/../internal/x": _get("#/x"), "/metrics": _get("#/x")}),
        }
    )
    assert list(merged["paths"]) == ["/webhooks/midtrans"]


def test_security_reflects_the_gateways_rules_and_its_login() -> None:
    merged = _merge(
        {
            "auth": _doc(
                {
                    "/auth/login": {"post": _op("login")},
                    "/auth/me": {"get": _op("me")},
                    "/auth/register": {"post": _op("register", security=[{SECURITY_SCHEME: []}])},
                },
                securitySchemes={
                    SECURITY_SCHEME: {
                        "type": "oauth2",
                        "flows": {"password": {"tokenUrl": "http://auth:8001/x"}},
                    },
                    "ApiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
                },
            ),
            "ppob": _doc(
                {"/ppob/bills": {"get": _op("bills", security=[{"ApiKey": []}])}},
                securitySchemes={"ApiKey": {"type": "apiKey", "in": "query", "name": "key"}},
            ),
        }
    )
    schemes = merged["components"]["securitySchemes"]
    assert schemes[SECURITY_SCHEME]["flows"]["password"]["tokenUrl"] == "/auth/login"
    assert {"auth_ApiKey", "ppob_ApiKey"} <= set(schemes)
    paths = merged["paths"]
    assert "security" not in paths["/auth/login"]["post"]
    assert paths["/auth/me"]["get"]["security"] == [{SECURITY_SCHEME: []}]
    assert paths["/auth/register"]["post"]["security"] == [{SECURITY_SCHEME: []}]  # optional admin token
    assert paths["/ppob/bills"]["get"]["security"] == [{"ppob_ApiKey": []}]


def test_operation_ids_stay_unique_and_untagged_operations_get_their_service() -> None:
    merged = _merge(
        {
            "flights": _doc({"/flights/search": {"get": _op("search")}}),
            "hotels": _doc({"/hotels/search": {"get": _op("search", tags=["h"])}}),
        }
    )
    assert merged["paths"]["/flights/search"]["get"]["operationId"] == "search"
    assert merged["paths"]["/hotels/search"]["get"]["operationId"] == "hotels_search"
    assert merged["paths"]["/flights/search"]["get"]["tags"] == ["flights"]
    assert merged["paths"]["/hotels/search"]["get"]["tags"] == ["h"]
    assert {"name": "flights", "description": "Operations of flights-service."} in merged["tags"]


def test_the_inputs_are_not_changed() -> None:
    document = _doc({"/flights/search": _get("#/components/schemas/A")}, {"A": {"type": "string"}})
    other = _doc({}, {"A": {"type": "integer"}})
    before = repr(document)
    _merge({"flights": document, "hotels": other})
    assert repr(document) == before


async def test_a_partial_document_is_refetched_sooner_than_a_complete_one() -> None:
    now = [0.0]
    answers = {"flights": 503}
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        service = request.url.host
        calls.append(service)
        if answers.get(service, 200) != 200:
            return httpx.Response(answers[service])
        return httpx.Response(200, json=_doc({}))

    transport = httpx.MockTransport(handler)
    upstreams = Upstreams(
        {"flights": ("http://flights",), "hotels": ("http://hotels",)},
        timeout=1,
        transports={"flights": transport, "hotels": transport},
    )
    source = PlatformOpenApi(
        upstreams,
        lambda docs, unavailable: {"services": sorted(docs), "unavailable": list(unavailable)},
        ttl=60,
        partial_ttl=5,
        clock=lambda: now[0],
    )
    try:
        assert await source.document() == {"services": ["hotels"], "unavailable": ["flights"]}
        now[0] = 4.9
        await source.document()
        assert len(calls) == 2
        answers["flights"] = 200
        now[0] = 5.0
        assert await source.document() == {"services": ["flights", "hotels"], "unavailable": []}
        now[0] = 64.9
        await source.document()
        assert len(calls) == 4
        now[0] = 65.0
        await source.document()
        assert len(calls) == 6
    finally:
        await upstreams.aclose()
