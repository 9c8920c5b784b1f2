"""Which headers cross the gateway in each direction."""

from __future__ import annotations

import pytest

from domain.forwarding import (
    InvalidHeaderValue,
    client_response_headers,
    normalised_value,
    upstream_request_headers,
)


def _forward(headers: list[tuple[bytes, bytes]], **kwargs: object) -> dict[bytes, bytes]:
    options: dict[str, object] = {"client_host": "203.0.113.7", "scheme": "https", "request_id": "rid-1"}
    options.update(kwargs)
    out = upstream_request_headers(headers, **options)  # type: ignore[arg-type]
    names = [name for name, _ in out]
    assert len(names) == len(set(names)), f"duplicated headers: {names}"
    return dict(out)


def test_end_to_end_headers_pass_and_hop_by_hop_headers_stop() -> None:
    sent = _forward(
        [
            (b"host", b"api.tiketq.id"),
            (b"authorization", b"Bearer t"),
            (b"content-type", b"application/json"),
            (b"content-length", b"12"),
            (b"idempotency-key", b"k-1"),
            (b"connection", b"keep-alive, x-secret-hop"),
            (b"keep-alive", b"timeout=5"),
            (b"transfer-encoding", b"chunked"),
            (b"te", b"trailers"),
            (b"trailer", b"x-checksum"),
            (b"upgrade", b"websocket"),
            (b"proxy-authorization", b"Basic x"),
            (b"proxy-connection", b"keep-alive"),
            (b"x-secret-hop", b"1"),
            (b"accept-encoding", b"gzip"),
        ]
    )
    assert sent[b"authorization"] == b"Bearer t"
    assert sent[b"content-type"] == b"application/json"
    assert sent[b"idempotency-key"] == b"k-1"
    assert sent[b"accept-encoding"] == b"gzip"
    for hop in (
        b"host",
        b"content-length",
        b"connection",
        b"keep-alive",
        b"transfer-encoding",
        b"te",
        b"trailer",
        b"upgrade",
        b"proxy-authorization",
        b"proxy-connection",
        b"x-secret-hop",
    ):
        assert hop not in sent


def test_identity_headers_from_outside_are_dropped() -> None:
    sent = _forward(
        [
            (b"x-user-id", b"00000000-0000-0000-0000-000000000001"),
            (b"x-user-role", b"admin"),
            (b"x-internal-token", b"guess"),
            (b"x-userland", b"kept: not an identity header"),
        ]
    )
    assert b"x-user-id" not in sent
    assert b"x-user-role" not in sent
    assert b"x-internal-token" not in sent
    assert sent[b"x-userland"] == b"kept: not an identity header"


def test_forwarded_headers_describe_this_hop_and_drop_client_claims() -> None:
    sent = _forward(
        [
            (b"host", b"api.tiketq.id"),
            (b"x-forwarded-for", b"198.51.100.1"),
            (b"x-forwarded-for", b"10.0.0.2"),
            (b"x-forwarded-proto", b"gopher"),
            (b"x-forwarded-host", b"evil.example"),
            (b"x-request-id", b"from-client"),
        ]
    )
    # Only the address the server resolved: a client cannot invent where it comes from.
    assert sent[b"x-forwarded-for"] == b"203.0.113.7"
    assert sent[b"x-forwarded-proto"] == b"https"
    assert sent[b"x-forwarded-host"] == b"api.tiketq.id"
    assert sent[b"x-request-id"] == b"rid-1"


def test_no_client_address_and_no_host_leave_those_headers_out() -> None:
    sent = _forward([], client_host=None, request_id=None)
    assert b"x-forwarded-for" not in sent
    assert b"x-forwarded-host" not in sent
    assert b"x-request-id" not in sent
    assert sent[b"x-forwarded-proto"] == b"https"


def test_response_headers_lose_hop_by_hop_and_server_headers_but_keep_repeats() -> None:
    kept = client_response_headers(
        [
            (b"Content-Type", b"application/json"),
            (b"Content-Length", b"10"),
            (b"Transfer-Encoding", b"chunked"),
            (b"Connection", b"close, X-Hop"),
            (b"X-Hop", b"1"),
            (b"Date", b"Mon, 01 Jan 2024 00:00:00 GMT"),
            (b"Server", b"uvicorn"),
            (b"Set-Cookie", b"a=1"),
            (b"Set-Cookie", b"b=2"),
            (b"Content-Encoding", b"gzip"),
            (b"WWW-Authenticate", b"Bearer"),
        ]
    )
    assert kept == [
        (b"content-type", b"application/json"),
        (b"set-cookie", b"a=1"),
        (b"set-cookie", b"b=2"),
        (b"content-encoding", b"gzip"),
        (b"www-authenticate", b"Bearer"),
    ]


def test_redirects_to_the_upstream_address_become_relative() -> None:
    origin = b"http://127.0.0.1:8003"

    def location(value: bytes) -> bytes:
        return dict(client_response_headers([(b"location", value)], upstream_origin=origin))[b"location"]

    assert location(b"http://127.0.0.1:8003/orders/?limit=5") == b"/orders/?limit=5"
    assert location(b"http://127.0.0.1:8003") == b"/"
    assert location(b"http://127.0.0.1:8003?x=1") == b"/?x=1"
    assert location(b"http://127.0.0.1:80031/x") == b"http://127.0.0.1:80031/x"
    assert location(b"https://app.midtrans.com/snap/v2") == b"https://app.midtrans.com/snap/v2"
    assert location(b"/relative") == b"/relative"


def test_header_values_are_sent_without_surrounding_whitespace() -> None:
    sent = _forward([(b"authorization", b"Bearer "), (b"x-client", b"\t android  "), (b"x-empty", b"  ")])
    assert sent[b"authorization"] == b"Bearer"
    assert sent[b"x-client"] == b"android"
    assert sent[b"x-empty"] == b""


def test_inner_whitespace_of_a_value_is_kept() -> None:
    assert normalised_value(b"user-agent", b" TiketQ/1.0 (Android 14) ") == b"TiketQ/1.0 (Android 14)"


@pytest.mark.parametrize("value", [b"a\x00b", b"a\rb", b"a\nb", b"a\x7fb", b"a\x1bb"])
def test_a_control_character_in_a_value_is_refused(value: bytes) -> None:
    with pytest.raises(InvalidHeaderValue) as refused:
        _forward([(b"x-client", value)])
    assert refused.value.name == "x-client"


def test_every_byte_is_judged_as_rfc_9110_says() -> None:
    """HTAB, visible ASCII and obs-text (0x80-0xFF) may sit inside a value; no other control."""
    for byte in range(256):
        value = b"a" + bytes([byte]) + b"b"
        allowed = byte == 0x09 or 0x20 <= byte <= 0x7E or byte >= 0x80
        if allowed:
            assert normalised_value(b"x-client", value) == value
        else:
            with pytest.raises(InvalidHeaderValue):
                normalised_value(b"x-client", value)
