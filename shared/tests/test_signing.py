from __future__ import annotations

from shared import signing

SECRET = "s" * 40
BODY = b'{"event_id":"e1","topic":"account.registered","data":{}}'


def test_signed_headers_verify() -> None:
    headers = signing.signed_headers(SECRET, BODY, "e1", now=1_700_000_000)
    assert signing.verify(
        SECRET, headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER], BODY, now=1_700_000_010
    )


def test_another_body_secret_or_a_stale_timestamp_fails() -> None:
    headers = signing.signed_headers(SECRET, BODY, "e1", now=1_700_000_000)
    ts, sig = headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER]
    assert not signing.verify(SECRET, ts, sig, BODY + b" ", now=1_700_000_000)
    assert not signing.verify("x" * 40, ts, sig, BODY, now=1_700_000_000)
    assert not signing.verify(SECRET, ts, sig, BODY, now=1_700_000_000 + 301)
    assert not signing.verify(SECRET, None, sig, BODY)
    assert not signing.verify(SECRET, "abc", sig, BODY)
    assert not signing.verify(SECRET, ts, None, BODY)


def test_non_ascii_digits_or_an_endless_timestamp_are_refused_not_crashed_on() -> None:
    headers = signing.signed_headers(SECRET, BODY, "e1", now=1_700_000_000)
    sig = headers[signing.SIGNATURE_HEADER]
    # A header byte 0xB2 reads as "²" (Latin-1): str.isdigit() says yes, int() says no.
    for timestamp in ("\xb2", "17000000\xb2", "١٧٠٠٠٠٠٠٠٠", "1" * 5000):
        assert not signing.verify(SECRET, timestamp, sig, BODY, now=1_700_000_000)
