"""Every way a token can be wrong is refused with TokenError and the reason; nothing else escapes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propelauth_async import AccessDeniedError, TokenError
from propelauth_async.tokens import TokenVerifier, token_from_authorization

ISSUER = "https://auth.example.com"
ORG = "2ef0e1fc-234f-4dc0-a50c-35adb1bbb7e4"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def seg(value: Any) -> str:
    return b64(json.dumps(value).encode())


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    body: dict[str, Any] = {
        "user_id": "u-1",
        "sub": "u-1",
        "email": "ada@example.com",
        "iss": ISSUER,
        "iat": now,
        "exp": now + 600,
        "org_id_to_org_member_info": {
            ORG: {
                "org_id": ORG,
                "org_name": "Acme",
                "org_metadata": {},
                "url_safe_org_name": "acme",
                "user_role": "Admin",
                "inherited_user_roles_plus_current_role": ["Admin", "Member"],
                "user_permissions": ["read", "invite"],
            }
        },
        "login_method": {"login_method": "password"},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def sign(
    payload: dict[str, Any],
    *,
    alg: str = "RS256",
    key: rsa.RSAPrivateKey = KEY,
    header: dict[str, Any] | None = None,
) -> str:
    head = {"alg": alg, "typ": "JWT", **(header or {})}
    signing_input = f"{seg(head)}.{seg(payload)}".encode()
    if alg == "RS256":
        sig = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    elif alg == "RS512":
        sig = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA512())
    elif alg == "PS256":
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        sig = key.sign(signing_input, pss, hashes.SHA256())
    elif alg == "HS256":
        sig = hmac.new(PEM.encode(), signing_input, hashlib.sha256).digest()
    else:
        sig = b""
    return f"{signing_input.decode()}.{b64(sig)}"


@pytest.fixture(scope="module")
def verifier() -> TokenVerifier:
    return TokenVerifier(PEM, issuer=ISSUER)


VALID = sign(claims())


def _tamper_payload() -> str:
    head, _, sig = VALID.split(".")
    return f"{head}.{seg(claims(email='mallory@example.com'))}.{sig}"


def _tamper_header() -> str:
    _, body, sig = VALID.split(".")
    return f"{seg({'alg': 'RS256', 'typ': 'JWT', 'kid': 'x'})}.{body}.{sig}"


REFUSED: list[tuple[str, str, str]] = [
    ("alg none, empty signature", f"{seg({'alg': 'none'})}.{seg(claims())}.", "malformed"),
    (
        "alg none with a signature",
        sign(claims(), alg="none")[:-1] + ".AAAA",
        "unsupported_algorithm",
    ),
    ("HS256 with the public key as secret", sign(claims(), alg="HS256"), "unsupported_algorithm"),
    ("RS512", sign(claims(), alg="RS512"), "unsupported_algorithm"),
    ("PS256", sign(claims(), alg="PS256"), "unsupported_algorithm"),
    ("signed by another RSA key", sign(claims(), key=OTHER_KEY), "bad_signature"),
    ("tampered payload", _tamper_payload(), "bad_signature"),
    ("tampered header", _tamper_header(), "bad_signature"),
    ("bad base64 in the signature", VALID[:-4] + "!!!!", "malformed"),
    ("stray characters after the signature", VALID + "*", "malformed"),
    ("bad base64 in the payload", VALID.replace(".", ".%%", 1), "bad_signature"),
    ("payload is not JSON", f"{seg({'alg': 'RS256'})}.{b64(b'not json')}.AAAA", "bad_signature"),
    ("two segments", ".".join(VALID.split(".")[:2]), "malformed"),
    ("four segments", VALID + ".AAAA", "malformed"),
    ("a five-part JWE", "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", "malformed"),
    ("one MiB", "a" * (1024 * 1024), "too_large"),
    ("expired beyond the leeway", sign(claims(exp=int(time.time()) - 120)), "expired"),
    ("iat in the future", sign(claims(iat=int(time.time()) + 3600)), "issued_in_future"),
    ("nbf in the future", sign(claims(nbf=int(time.time()) + 3600)), "not_yet_valid"),
    ("issuer with a trailing slash", sign(claims(iss=ISSUER + "/")), "invalid_issuer"),
    ("issuer over http", sign(claims(iss="http://auth.example.com")), "invalid_issuer"),
    ("no issuer", sign(claims(iss=...)), "invalid_issuer"),
    ("no exp", sign(claims(exp=...)), "missing_claim"),
    ("no iat", sign(claims(iat=...)), "missing_claim"),
    ("exp is a string", sign(claims(exp="tomorrow")), "invalid_claims"),
    ("no user_id", sign(claims(user_id=...)), "invalid_claims"),
    ("a non-string sub", sign(claims(sub=42)), "invalid_claims"),
    ("a crit header", sign(claims(), header={"crit": ["exp"]}), "unsupported_header"),
    (
        "an org entry missing keys",
        sign(claims(org_id_to_org_member_info={ORG: {"org_id": ORG, "user_role": "Admin"}})),
        "invalid_claims",
    ),
    ("empty string", "", "malformed"),
]


@pytest.mark.parametrize(("token", "reason"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused(verifier: TokenVerifier, token: str, reason: str) -> None:
    with pytest.raises(TokenError) as info:
        verifier.verify(token)
    assert info.value.reason == reason
    assert token[20:60] not in str(info.value) or len(token) < 60  # no message repeats the token


def test_accepted_cases(verifier: TokenVerifier) -> None:
    user = verifier.verify(VALID)
    assert user.user_id == "u-1"
    assert user.email == "ada@example.com"
    assert verifier.verify(sign(claims(aud="someone-else"))).user_id == "u-1"
    assert verifier.verify(sign(claims(exp=int(time.time()) - 30))).user_id == "u-1"
    assert verifier.verify(sign(claims(iat=int(time.time()) + 30))).user_id == "u-1"


def test_key_from_the_header_is_never_used(verifier: TokenVerifier) -> None:
    other_pem = OTHER_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    token = sign(
        claims(),
        key=OTHER_KEY,
        header={
            "jwk": {"kty": "RSA"},
            "x5u": "https://evil",
            "jku": "https://evil",
            "pem": other_pem.decode(),
        },
    )
    with pytest.raises(TokenError) as info:
        verifier.verify(token)
    assert info.value.reason == "bad_signature"


def test_size_limit_is_configurable() -> None:
    small = TokenVerifier(PEM, issuer=ISSUER, max_token_bytes=100)
    with pytest.raises(TokenError, match="longer than 100"):
        small.verify(VALID)


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),
        ("BEARER   abc  ", "abc"),
        ("  Bearer abc", "abc"),
        ("abc", "abc"),
    ],
)
def test_header_parsing_accepts(header: str, token: str) -> None:
    assert token_from_authorization(header) == token


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("   ", "missing"),
        ("Basic abc", "invalid_header"),
        ("Bearer", "invalid_header"),
        ("Bearer a b", "invalid_header"),
        ("Token abc", "invalid_header"),
    ],
)
def test_header_parsing_refuses(header: str | None, reason: str) -> None:
    with pytest.raises(TokenError) as info:
        token_from_authorization(header)
    assert info.value.reason == reason


def test_claims_helpers_and_require_org_member(verifier: TokenVerifier) -> None:
    user = verifier.verify(VALID)
    assert user.get_org_by_name("acme") is not None
    assert user.is_at_least_role_in_org(ORG, "Member")
    assert not user.is_role_in_org(ORG, "Member")
    assert user.has_all_permissions_in_org(ORG, ["read", "invite"])
    assert user.login_method.kind.value == "password"
    assert not user.is_impersonated()
    assert user.require_org_member(ORG, min_role="Member", permission="read").org_name == "Acme"
    with pytest.raises(AccessDeniedError, match="not a member"):
        user.require_org_member("another-org")
    with pytest.raises(AccessDeniedError, match="'Owner' or above"):
        user.require_org_member(ORG, min_role="Owner")
    with pytest.raises(AccessDeniedError, match="role 'Member'"):
        user.require_org_member(ORG, exact_role="Member")
    with pytest.raises(AccessDeniedError, match="delete"):
        user.require_org_member(ORG, permissions=["read", "delete"])
    with pytest.raises(AccessDeniedError, match="no organization"):
        user.require_org_member(None)


def test_active_org_wins_and_null_roles_are_skipped(verifier: TokenVerifier) -> None:
    entry = claims()["org_id_to_org_member_info"][ORG]
    token = sign(
        claims(org_member_info=entry, org_id_to_org_member_info={"x": {**entry, "org_id": "x"}})
    )
    user = verifier.verify(token)
    assert user.active_org_id == ORG
    assert list(user.org_id_to_org_member_info) == [ORG]
    assert user.get_active_org() is not None
    skipped = verifier.verify(
        sign(claims(org_id_to_org_member_info={ORG: {**entry, "user_role": None}}))
    )
    assert skipped.org_id_to_org_member_info == {}


def test_multi_role_semantics(verifier: TokenVerifier) -> None:
    entry = {
        **claims()["org_id_to_org_member_info"][ORG],
        "org_role_structure": "multi_role",
        "additional_roles": ["Billing"],
    }
    user = verifier.verify(sign(claims(org_id_to_org_member_info={ORG: entry})))
    assert user.is_role_in_org(ORG, "Billing")
    assert user.is_at_least_role_in_org(ORG, "Billing")
    assert not user.is_at_least_role_in_org(ORG, "Member")  # no hierarchy in multi-role


# Property-based: random input and random mutations -----------------------------------------


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=3000))
def test_random_strings_only_ever_raise_token_error(verifier: TokenVerifier, text: str) -> None:
    try:
        verifier.verify(text)
    except TokenError:
        return
    pytest.fail("a random string was accepted")


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_no_mutation_of_the_signed_part_is_accepted(
    verifier: TokenVerifier, data: st.DataObject
) -> None:
    signed_length = VALID.rindex(".")
    position = data.draw(st.integers(0, signed_length - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ %\x00é"
    replacement = data.draw(st.sampled_from(alphabet).filter(lambda c: c != VALID[position]))
    mutated = VALID[:position] + replacement + VALID[position + 1 :]
    with pytest.raises(TokenError):
        verifier.verify(mutated)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(min_size=1, max_size=64), st.integers(0, 2))
def test_inserting_bytes_anywhere_never_passes(
    verifier: TokenVerifier, junk: bytes, part: int
) -> None:
    parts = VALID.split(".")
    parts[part] = parts[part][:10] + b64(junk) + parts[part][10:]
    with pytest.raises(TokenError):
        verifier.verify(".".join(parts))


def test_the_decoded_payload_cache_never_skips_a_check() -> None:
    now = [time.time()]
    verifier = TokenVerifier(PEM, issuer=ISSUER, clock=lambda: now[0])
    token = sign(claims(exp=int(now[0]) + 100, properties={"plan": "pro"}))
    first = verifier.verify(token)
    first.properties["plan"] = "free"  # a caller changing its copy
    assert verifier.verify(token).properties == {"plan": "pro"}
    head, body, _ = token.split(".")
    forged = f"{head}.{body}.{sign(claims(), key=OTHER_KEY).split('.')[2]}"
    with pytest.raises(TokenError) as info:
        verifier.verify(forged)  # same payload, cached: the signature is still checked
    assert info.value.reason == "bad_signature"
    now[0] += 200
    with pytest.raises(TokenError) as expired:
        verifier.verify(token)  # cached claims: expiry is still checked
    assert expired.value.reason == "expired"
