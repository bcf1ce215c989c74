"""Client configuration, lifecycle and request headers."""

from __future__ import annotations

import ssl

import certifi
import httpx
import pytest
import respx

from propelauth_async import AsyncPropelAuth, ConfigurationError, __version__
from propelauth_async._tls import default_ssl_context

from .conftest import API_KEY, USER_ID, user_json


@pytest.mark.parametrize(
    "url",
    [
        "",
        "auth.example.com",
        "ftp://auth.example.com",
        "http://auth.example.com",
        "https://auth.example.com/api",
        "https://auth.example.com?x=1",
        "https://user:pw@auth.example.com",
        "https://auth.example.com:99999",
    ],
)
def test_bad_auth_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        AsyncPropelAuth(url, API_KEY)


@pytest.mark.parametrize(
    "url",
    [
        "https://auth.example.com",
        "https://auth.example.com/",
        "http://localhost:8765",
        "http://127.0.0.1:9000",
        "http://[::1]:9000",
    ],
)
def test_good_auth_urls(url: str) -> None:
    client = AsyncPropelAuth(url, API_KEY)
    assert client.auth_url == url.rstrip("/")


@pytest.mark.parametrize("key", ["", "   "])
def test_empty_key_is_refused(key: str) -> None:
    with pytest.raises(ConfigurationError):
        AsyncPropelAuth("https://auth.example.com", key)


def test_repr_never_shows_the_key() -> None:
    client = AsyncPropelAuth("https://auth.example.com", API_KEY)
    assert repr(client) == "AsyncPropelAuth(auth_url='https://auth.example.com')"
    assert API_KEY not in repr(client) and API_KEY not in str(client)


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROPELAUTH_AUTH_URL", raising=False)
    monkeypatch.delenv("PROPELAUTH_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="PROPELAUTH_AUTH_URL"):
        AsyncPropelAuth.from_env()
    monkeypatch.setenv("PROPELAUTH_AUTH_URL", "https://auth.example.com")
    monkeypatch.setenv("PROPELAUTH_API_KEY", API_KEY)
    client = AsyncPropelAuth.from_env(max_retries=0)
    assert client.auth_host == "auth.example.com"
    assert API_KEY not in repr(client)


def test_http_client_and_transport_are_exclusive() -> None:
    with pytest.raises(ConfigurationError):
        AsyncPropelAuth(
            "https://auth.example.com",
            API_KEY,
            http_client=httpx.AsyncClient(),
            transport=httpx.MockTransport(lambda r: httpx.Response(200)),
        )


async def test_transport_plugs_in() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=user_json())

    async with AsyncPropelAuth(
        "https://auth.example.com:8443", API_KEY, transport=httpx.MockTransport(answer)
    ) as client:
        await client.users.fetch(USER_ID)
    request = seen[0]
    assert str(request.url).startswith("https://auth.example.com:8443/api/backend/v1/user/")
    assert request.headers["x-propelauth-url"] == "auth.example.com:8443"
    assert request.headers["user-agent"].startswith(f"propelauth-async/{__version__}")


async def test_backend_url_routes_requests_but_header_names_auth_host() -> None:
    with respx.mock(assert_all_called=True, using="httpx") as router:
        route = router.get(f"https://api.example.net/api/backend/v1/user/{USER_ID}").respond(
            json=user_json()
        )
        async with AsyncPropelAuth(
            "https://auth.example.com", API_KEY, backend_url="https://api.example.net"
        ) as client:
            await client.users.fetch(USER_ID)
    assert route.calls.last.request.headers["x-propelauth-url"] == "auth.example.com"


async def test_user_supplied_http_client_is_never_closed() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200, json={})))
    async with AsyncPropelAuth("https://auth.example.com", API_KEY, http_client=http):
        pass
    assert not http.is_closed
    await http.aclose()


async def test_owned_http_client_is_closed_once() -> None:
    client = AsyncPropelAuth("https://auth.example.com", API_KEY)
    await client.aclose()
    await client.aclose()
    assert client._http_client.is_closed


def test_no_del_cleanup() -> None:
    assert "__del__" not in vars(AsyncPropelAuth)


@pytest.mark.parametrize(
    "options",
    [{"max_retries": -1}, {"total_timeout": 0}, {"rate_limit": 0}, {"max_concurrency": 0}],
)
def test_bad_settings_are_configuration_errors(options: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        AsyncPropelAuth("https://auth.example.com", API_KEY, **options)  # type: ignore[arg-type]


def _tls_context(client: AsyncPropelAuth) -> ssl.SSLContext:
    """The context of the transport the client builds at its first request."""
    inner = client._http_client._transport._build()  # type: ignore[attr-defined]
    context = inner._pool._ssl_context
    assert isinstance(context, ssl.SSLContext)
    return context


def _client() -> AsyncPropelAuth:
    return AsyncPropelAuth("https://a.example.com", API_KEY, transport="httpx")


@pytest.mark.asyncio
async def test_clients_share_one_verifying_tls_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the CA bundle costs ~45 ms a client; every client shares one context."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    first, second = (_tls_context(_client()) for _ in "12")
    assert first is second
    assert first.verify_mode == ssl.CERT_REQUIRED
    assert first.check_hostname
    assert first.cert_store_stats()["x509_ca"] > 0
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())  # a new CA setting takes effect
    assert _tls_context(_client()) is not first
    assert default_ssl_context() is default_ssl_context()


def test_keep_alive_can_be_switched_off() -> None:
    """0 is a setting, not "unset": the pytest plugin's client relies on it."""
    off = AsyncPropelAuth("https://a.example.com", API_KEY, max_keepalive_connections=0)
    assert off._http_client._transport._limits.max_keepalive_connections == 0  # type: ignore[attr-defined]
    default = AsyncPropelAuth("https://a.example.com", API_KEY, max_connections=7)
    assert default._http_client._transport._limits.max_keepalive_connections == 7  # type: ignore[attr-defined]
