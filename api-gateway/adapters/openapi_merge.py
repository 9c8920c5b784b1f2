"""The platform's OpenAPI document: every service's public operations in one, so the gateway's
/docs shows the whole platform and its Authorize button logs in through /auth/login.

- A path is kept only from the service the gateway routes it to: `/internal/...`, the ops
  routes (/healthz, /metrics, ...) and anything the gateway would not forward drop out.
- Components merge by name. Identical bodies under one name become one; a name whose bodies
  differ between services is prefixed with the service name in every service that has it
  (`payment_Order`, `transaction_Order`), and that service's `$ref`s follow the rename.
- Every operation the gateway guards carries the OAuth2 password scheme, whose token URL is
  the gateway-relative `/auth/login`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from domain.access import GATEWAY_PATHS, AccessRules
from domain.routing import RoutingTable, inspect_path

OPENAPI_VERSION = "3.1.0"
SECURITY_SCHEME = "OAuth2PasswordBearer"  # the name FastAPI gives shared.security's bearer scheme
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_COMPONENT_REF = "#/components/"

Document = dict[str, Any]
# (service, component section, original name) -> merged name
Renames = dict[tuple[str, str, str], str]


def security_scheme() -> dict[str, Any]:
    return {
        "type": "oauth2",
        "description": "Log in with your e-mail as username; the gateway forwards to auth-service.",
        "flows": {"password": {"tokenUrl": "/auth/login", "scopes": {}}},
    }


def merge_documents(
    documents: Mapping[str, Mapping[str, Any]],
    *,
    routing: RoutingTable,
    access: AccessRules,
    unavailable: Sequence[str] = (),
    title: str = "TiketQ API",
    version: str = "0.1.0",
    description: str = "",
) -> Document:
    """`documents` maps service name to its OpenAPI document, in the order to present them."""
    docs = {service: copy.deepcopy(dict(doc)) for service, doc in documents.items()}
    renames = _component_renames(docs)

    components: dict[str, dict[str, Any]] = {}
    for service, section, name, body in _components(docs):
        merged_name = renames.get((service, section, name), name)
        components.setdefault(section, {})[merged_name] = _rewrite_refs(body, service, renames)
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = security_scheme()

    paths: dict[str, Any] = {}
    operation_ids: set[str] = set()
    tags: dict[str, dict[str, Any]] = {}
    for service, doc in docs.items():
        for tag in doc.get("tags") or ():
            if isinstance(tag, dict) and isinstance(tag.get("name"), str):
                tags.setdefault(tag["name"], tag)
        for path, item in (doc.get("paths") or {}).items():
            if not _routed_to(path, service, routing):
                continue
            item = _rewrite_refs(item, service, renames)
            for method in HTTP_METHODS:
                operation = item.get(method)
                if isinstance(operation, dict):
                    _adapt_operation(operation, service, method, path, access, renames, operation_ids, tags)
            paths[path] = item

    merged: Document = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": components,
        "x-tiketq-services": {
            service: str((doc.get("info") or {}).get("version", "")) for service, doc in docs.items()
        },
        "x-tiketq-unavailable": list(unavailable),
    }
    if tags:
        merged["tags"] = list(tags.values())
    return merged


def _routed_to(path: str, service: str, routing: RoutingTable) -> bool:
    if path in GATEWAY_PATHS:
        return False
    inspected = inspect_path(path)
    return inspected is not None and routing.service_for(inspected) == service


def _adapt_operation(
    operation: dict[str, Any],
    service: str,
    method: str,
    path: str,
    access: AccessRules,
    renames: Renames,
    operation_ids: set[str],
    tags: dict[str, dict[str, Any]],
) -> None:
    operation_id = operation.get("operationId")
    if isinstance(operation_id, str):
        if operation_id in operation_ids:
            operation_id = operation["operationId"] = f"{service}_{operation_id}"
        operation_ids.add(operation_id)
    if not operation.get("tags"):
        operation["tags"] = [service]
        tags.setdefault(service, {"name": service, "description": f"Operations of {service}-service."})
    if "security" in operation:
        operation["security"] = [
            {
                renames.get((service, "securitySchemes", scheme), scheme): scopes
                for scheme, scopes in requirement.items()
            }
            for requirement in operation["security"]
        ]
    elif not access.is_public(method.upper(), path):
        # The gateway demands a token here whatever the service declares.
        operation["security"] = [{SECURITY_SCHEME: []}]


def _components(docs: Mapping[str, Document]) -> Iterable[tuple[str, str, str, Any]]:
    for service, doc in docs.items():
        for section, entries in (doc.get("components") or {}).items():
            if not isinstance(entries, dict):
                continue
            for name, body in entries.items():
                if section == "securitySchemes" and name == SECURITY_SCHEME:
                    continue  # replaced by the gateway's own, whose token URL goes through the gateway
                yield service, section, name, body


def _component_renames(docs: Mapping[str, Document]) -> Renames:
    """Prefixes every copy of a component whose bodies differ between services.

    Bodies are compared after the renames found so far are applied, so a schema that refers
    to a renamed one is compared as it will be published; repeat until nothing changes.
    """
    taken = {(section, name) for _, section, name, _ in _components(docs)}
    renames: Renames = {}
    while True:
        by_name: dict[tuple[str, str], dict[str, Any]] = {}
        for service, section, name, body in _components(docs):
            if (service, section, name) not in renames:
                by_name.setdefault((section, name), {})[service] = _rewrite_refs(body, service, renames)
        clashing = [
            (key, services)
            for key, services in by_name.items()
            if len(services) > 1 and any(body != next(iter(services.values())) for body in services.values())
        ]
        if not clashing:
            return renames
        for (section, name), services in clashing:
            for service in services:
                merged_name = f"{service}_{name}"
                while (section, merged_name) in taken:
                    merged_name = f"{service}_{merged_name}"
                taken.add((section, merged_name))
                renames[(service, section, name)] = merged_name


def _rewrite_refs(node: Any, service: str, renames: Renames, key: str | None = None) -> Any:
    """A copy of `node` whose component references follow this service's renames
    (`$ref` values and discriminator `mapping` values)."""
    if isinstance(node, dict):
        in_mapping = key == "mapping"
        return {
            k: (
                _renamed_ref(v, service, renames)
                if isinstance(v, str) and (k == "$ref" or in_mapping)
                else _rewrite_refs(v, service, renames, k)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item, service, renames) for item in node]
    return node


def _renamed_ref(ref: str, service: str, renames: Renames) -> str:
    if not renames or not ref.startswith(_COMPONENT_REF):
        return ref
    section, _, name = ref[len(_COMPONENT_REF) :].partition("/")
    merged_name = renames.get((service, section, name))
    return ref if merged_name is None else f"{_COMPONENT_REF}{section}/{merged_name}"
