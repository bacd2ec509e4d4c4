from django.test import RequestFactory

from backoffice.lib.http import client_ip, describe_device


def test_client_ip_ignores_forwarded_for_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6"
    )
    assert client_ip(request) == "10.0.0.5"


def test_client_ip_takes_the_address_our_proxy_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged the first entry; our one proxy appended the real one.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    assert client_ip(request) == "203.0.113.9"


def test_client_ip_rejects_garbage():
    request = RequestFactory().get("/", REMOTE_ADDR="not-an-ip")
    assert client_ip(request) is None


def test_describe_device():
    android = (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
    )
    assert describe_device(android) == "Chrome · Android"
    mac = (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Safari/605.1.15"
    )
    assert describe_device(mac) == "Safari · macOS"
    assert describe_device("") == "—"
