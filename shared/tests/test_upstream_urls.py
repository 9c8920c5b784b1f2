import re

import pytest
from pydantic import SecretStr, ValidationError

from shared.settings import InternalSettings
from shared.upstream_urls import UpstreamUrlError, parse_upstream_urls, primary_url


def test_one_url_is_a_list_of_one_without_its_trailing_slash() -> None:
    assert parse_upstream_urls("http://127.0.0.1:8003/") == ("http://127.0.0.1:8003",)


def test_a_comma_separated_list_keeps_its_order_and_ignores_blanks() -> None:
    urls = parse_upstream_urls(" http://10.0.0.6:8003 ,http://10.0.0.5:8003/,")
    assert urls == ("http://10.0.0.6:8003", "http://10.0.0.5:8003")
    assert primary_url("http://10.0.0.6:8003,http://10.0.0.5:8003") == "http://10.0.0.6:8003"


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("", "no URL"),
        (" , ", "no URL"),
        ("ftp://10.0.0.5", "not an http(s) URL"),
        ("http://a:8003,10.0.0.6:8003", "not an http(s) URL"),
        ("http://a:port", "not a port number"),
        ("http://a:8003/?x=1", "no query"),
        ("http://a:8003/v1,http://b:8003/v2", "differ in their path"),
        ("http://a:8003,http://a:8003/", "listed twice"),
    ],
)
def test_what_is_not_a_list_of_one_services_urls_is_refused(value: str, complaint: str) -> None:
    with pytest.raises(UpstreamUrlError, match=re.escape(complaint)):
        parse_upstream_urls(value)


def test_auth_service_url_in_settings_may_list_instances_and_nothing_else() -> None:
    token = SecretStr("t" * 32)
    listed = InternalSettings(
        INTERNAL_TOKEN=token, AUTH_SERVICE_URL="http://10.0.0.5:8001,http://10.0.0.6:8001"
    )
    assert listed.auth_service_url == "http://10.0.0.5:8001,http://10.0.0.6:8001"
    with pytest.raises(ValidationError, match="AUTH_SERVICE_URL"):
        InternalSettings(INTERNAL_TOKEN=token, AUTH_SERVICE_URL="auth-service:8001")
