"""A service's address as its callers are configured with it: one URL, or a comma-separated list
of its instances' URLs (`http://10.0.0.5:8003,http://10.0.0.6:8003`), as a Kubernetes Service
would spread them. The gateway and every service-to-service client read it the same way."""

from __future__ import annotations

from urllib.parse import urlsplit


class UpstreamUrlError(ValueError):
    """The value is not a list of http(s) URLs of one service."""


def parse_upstream_urls(value: str) -> tuple[str, ...]:
    """Every instance's base URL, in the order given, without a trailing slash.

    Blank items (a trailing comma, spaces) are ignored; the instances must differ only in host
    and port, because a request is moved from one to another by changing its origin alone.
    """
    urls = tuple(item.strip().rstrip("/") for item in value.split(",") if item.strip())
    if not urls:
        raise UpstreamUrlError("no URL given")
    paths = set()
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UpstreamUrlError(f"not an http(s) URL: {url!r}")
        try:
            parts.port  # noqa: B018 - reading it checks it
        except ValueError as exc:
            raise UpstreamUrlError(f"not a port number in {url!r}") from exc
        if parts.query or parts.fragment:
            raise UpstreamUrlError(f"a base URL has no query or fragment: {url!r}")
        paths.add(parts.path)
    if len(paths) > 1:
        raise UpstreamUrlError(f"the instances' URLs differ in their path: {value!r}")
    if len(set(urls)) != len(urls):
        raise UpstreamUrlError(f"an instance is listed twice: {value!r}")
    return urls


def primary_url(value: str) -> str:
    """The first instance's URL: where a full URL (an events endpoint, the JWKS) is written
    against; a client built with the whole list moves each request to the instance it picks."""
    return parse_upstream_urls(value)[0]
