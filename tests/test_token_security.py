"""Every way a token can be wrong is refused with TokenError and the reason; nothing else escapes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import attrs
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propelauth_async import (
    AccessDeniedError,
    AuthenticatedUser,
    ConfigurationError,
    OrgMemberInfo,
    TokenError,
)
from propelauth_async.tokens import TokenVerifier, token_from_authorization
from propelauth_async.tokens import verifier as verifier_module

ISSUER = "https://auth.example.com"
# Every time-dependent check runs against this frozen clock, never the machine's: tokens are
# minted at import time and a slow run must not change what they mean.
NOW = 1_800_000_000
ORG = "2ef0e1fc-234f-4dc0-a50c-35adb1bbb7e4"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def seg(value: Any) -> str:
    return b64(json.dumps(value).encode())


def claims(**overrides: Any) -> dict[str, Any]:
    now = NOW
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


def frozen() -> float:
    return float(NOW)


@pytest.fixture(scope="module")
def verifier() -> TokenVerifier:
    return TokenVerifier(PEM, issuer=ISSUER, clock=frozen)


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
    ("bad base64 in the payload", VALID.replace(".", ".%%", 1), "malformed"),
    ("payload is not JSON", f"{seg({'alg': 'RS256'})}.{b64(b'not json')}.AAAA", "bad_signature"),
    ("two segments", ".".join(VALID.split(".")[:2]), "malformed"),
    ("four segments", VALID + ".AAAA", "malformed"),
    ("a five-part JWE", "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", "malformed"),
    ("one MiB", "a" * (1024 * 1024), "too_large"),
    ("expired beyond the leeway", sign(claims(exp=NOW - 120)), "expired"),
    ("iat in the future", sign(claims(iat=NOW + 120)), "issued_in_future"),
    ("nbf in the future", sign(claims(nbf=NOW + 120)), "not_yet_valid"),
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
    assert verifier.verify(sign(claims(exp=NOW - 30))).user_id == "u-1"
    assert verifier.verify(sign(claims(iat=NOW + 30))).user_id == "u-1"


def test_key_material_in_the_header_is_refused(verifier: TokenVerifier) -> None:
    other_pem = OTHER_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    for extra in (
        {"jwk": {"kty": "RSA"}},
        {"x5u": "https://evil"},
        {"jku": "https://evil"},
        {"pem": other_pem.decode()},
    ):
        with pytest.raises(TokenError) as info:
            verifier.verify(sign(claims(), key=OTHER_KEY, header=extra))
        assert info.value.reason == "unsupported_header"


def test_a_kid_never_chooses_the_key(verifier: TokenVerifier) -> None:
    assert verifier.verify(sign(claims(), header={"kid": "any"})).user_id == "u-1"
    with pytest.raises(TokenError) as info:
        verifier.verify(sign(claims(), key=OTHER_KEY, header={"kid": "other"}))
    assert info.value.reason == "bad_signature"


def test_size_limit_is_configurable() -> None:
    small = TokenVerifier(PEM, issuer=ISSUER, max_token_bytes=100, clock=frozen)
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


def test_a_verified_token_cache_hit_still_checks_the_clock() -> None:
    now = [float(NOW)]
    verifier = TokenVerifier(PEM, issuer=ISSUER, clock=lambda: now[0])
    token = sign(claims(exp=NOW + 100, properties={"plan": "pro"}))
    first = verifier.verify(token)
    second = verifier.verify(token)  # cached from here on
    assert verifier.verify(token) is second
    assert first == second
    head, body, _ = token.split(".")
    forged = f"{head}.{body}.{sign(claims(), key=OTHER_KEY).split('.')[2]}"
    with pytest.raises(TokenError) as info:
        verifier.verify(forged)  # same payload, other signature: a different cache key
    assert info.value.reason == "bad_signature"
    now[0] += 161  # past exp + leeway
    with pytest.raises(TokenError) as expired:
        verifier.verify(token)
    assert expired.value.reason == "expired"


def test_a_cache_hit_checks_nbf_and_iat_with_the_leeway() -> None:
    now = [float(NOW)]
    verifier = TokenVerifier(PEM, issuer=ISSUER, clock=lambda: now[0])
    token = sign(claims(nbf=NOW, iat=NOW))
    verifier.verify(token)
    verifier.verify(token)
    now[0] -= 61  # the clock steps back (NTP): now before nbf - leeway
    with pytest.raises(TokenError) as info:
        verifier.verify(token)
    assert info.value.reason == "issued_in_future"
    now[0] += 2
    assert verifier.verify(token).user_id == "u-1"


def test_the_cache_can_be_turned_off_and_is_bounded() -> None:
    off = TokenVerifier(PEM, issuer=ISSUER, clock=frozen, cache_size=0)
    token = sign(claims())
    assert off.verify(token) is not off.verify(token)
    assert off.verify(token) == off.verify(token)
    small = TokenVerifier(PEM, issuer=ISSUER, clock=frozen, cache_size=2)
    tokens = [sign(claims(jti=str(i))) for i in range(3)]
    for token in tokens:
        small.verify(token)
        small.verify(token)  # a session's second request: cached
    assert list(small._verified) == tokens[1:]  # bounded; the oldest went first


def test_a_cycle_longer_than_the_cache_stores_nothing() -> None:
    small = TokenVerifier(PEM, issuer=ISSUER, clock=frozen, cache_size=3)
    tokens = [sign(claims(jti=str(i))) for i in range(4)]
    for token in tokens * 3:
        small.verify(token)
    assert not small._verified  # each came back only after 3 other new tokens


def test_a_token_seen_once_keeps_nothing_the_gc_tracks() -> None:
    verifier = TokenVerifier(PEM, issuer=ISSUER, clock=frozen)
    for i in range(5):
        verifier.verify(sign(claims(jti=f"once-{i}")))
    assert not verifier._verified
    assert all(type(fingerprint) is int for fingerprint in verifier._seen_once)


def test_with_bad_cache_size() -> None:
    with pytest.raises(ConfigurationError):
        TokenVerifier(PEM, issuer=ISSUER, cache_size=-1)


# Claims are immutable, or at least not shared (issue 10, section 1) ---------------------------


def test_verify_claims_is_never_shared_between_calls(verifier: TokenVerifier) -> None:
    token = sign(claims(exp=NOW + 10))
    first = verifier.verify_claims(token)
    first["exp"] = NOW + 10**6
    first["iss"] = "https://evil"
    again = verifier.verify_claims(token)
    assert again["exp"] == NOW + 10
    assert again is not first


def test_the_user_cannot_be_used_to_corrupt_the_cache() -> None:
    verifier = TokenVerifier(PEM, issuer=ISSUER, clock=frozen)
    token = sign(claims(properties={"plan": "pro", "tags": ["a"], "nested": {"k": [1, {"x": 2}]}}))
    verifier.verify(token)
    user = verifier.verify(token)
    with pytest.raises(TypeError):
        user.properties["plan"] = "free"  # type: ignore[index]
    with pytest.raises(TypeError):
        user.properties["nested"]["k"] = 0
    with pytest.raises(AttributeError):
        user.properties["tags"].append("b")
    with pytest.raises(TypeError):
        user.org_id_to_org_member_info["x"] = user.get_orgs()[0]  # type: ignore[index]
    with pytest.raises(TypeError):
        user.get_orgs()[0].org_metadata["k"] = 1  # type: ignore[index]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        user.email = "mallory@example.com"  # type: ignore[misc]
    assert verifier.verify(token).properties == {
        "plan": "pro",
        "tags": ("a",),
        "nested": {"k": (1, {"x": 2})},
    }


def test_the_fast_build_matches_the_constructor(verifier: TokenVerifier) -> None:
    """The verifier builds users without __init__; a field added to the class but not to the
    fast path would be missing here."""
    entry = claims()["org_id_to_org_member_info"][ORG]
    user = verifier.verify(sign(claims(org_member_info={**entry, "legacy_org_id": "L"})))
    rebuilt = AuthenticatedUser(
        **{f.name: getattr(user, f.name) for f in attrs.fields(AuthenticatedUser)}
    )
    assert vars(user).keys() == vars(rebuilt).keys()
    assert user == rebuilt
    info = user.get_orgs()[0]
    fields = {f.name: getattr(info, f.name) for f in attrs.fields(OrgMemberInfo)}
    assert vars(info).keys() == vars(OrgMemberInfo(**fields)).keys()


# Strict parsing: one meaning for every accepted token (issue 10, section 1) -------------------


def sign_raw(header: bytes | str, payload: bytes | str, *, key: rsa.RSAPrivateKey = KEY) -> str:
    """A token over segments given as they are (text is JSON; bytes is the exact encoding)."""
    head = b64(header.encode() if isinstance(header, str) else header)
    body = b64(payload.encode() if isinstance(payload, str) else payload)
    signing_input = f"{head}.{body}".encode()
    return f"{head}.{body}.{b64(key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256()))}"


def sign_segments(head: str, body: str) -> str:
    """A token over base64url text given as it is (for non-canonical spellings)."""
    signing_input = f"{head}.{body}".encode()
    return f"{head}.{body}.{b64(KEY.sign(signing_input, padding.PKCS1v15(), hashes.SHA256()))}"


HEADER = '{"alg":"RS256","typ":"JWT"}'
BODY = json.dumps(claims())
BODY_FIELDS = BODY[1:-1]
DEEP = "[" * 5000 + "]" * 5000


def _with_property(text: str) -> str:
    return json.dumps(claims())[:-1] + f', "properties": {{"p": {text}}}}}'


def _non_canonical_last(segment: str) -> str:
    """The same bytes with non-zero unused bits in the last character."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    assert len(segment) % 4 in (2, 3)
    return segment[:-1] + alphabet[alphabet.index(segment[-1]) + 1]


def _signature_with_unused_bits() -> str:
    head, body, sig = VALID.split(".")
    return f"{head}.{body}.{_non_canonical_last(sig)}"


def _payload_spelled_twice() -> str:
    body = seg(claims())
    while len(body) % 4 not in (2, 3):
        body = seg(claims(pad="x" * (len(body) % 7 + 1)))
    return sign_segments(seg({"alg": "RS256", "typ": "JWT"}), _non_canonical_last(body))


def _header_spelled_twice() -> str:
    head = b64(b'{"alg":"RS256","kid":"k"}')
    assert len(head) % 4 in (2, 3)
    return sign_segments(_non_canonical_last(head), seg(claims()))


STRICT: list[tuple[str, str, str]] = [
    ("header with alg twice", sign_raw('{"alg":"HS256","alg":"RS256"}', BODY), "malformed"),
    (
        "header with typ twice",
        sign_raw('{"alg":"RS256","typ":"JWT","typ":"JWT"}', BODY),
        "malformed",
    ),
    (
        "payload with user_id twice",
        sign_raw(HEADER, '{"user_id":"u-2",' + BODY_FIELDS + "}"),
        "malformed",
    ),
    (
        "payload with iss twice",
        sign_raw(HEADER, "{" + BODY_FIELDS + ', "iss":"https://evil"}'),
        "malformed",
    ),
    (
        "a duplicate deep in properties",
        sign_raw(HEADER, _with_property('{"a":{"b":1,"b":2}}')),
        "malformed",
    ),
    (
        "a duplicate in an org entry",
        sign_raw(
            HEADER,
            BODY.replace('"user_role": "Admin"', '"user_role": "Admin", "user_role": "Owner"'),
        ),
        "malformed",
    ),
    ("payload nested 5000 deep", sign_raw(HEADER, _with_property(DEEP)), "malformed"),
    ("payload nested 40 deep", sign_raw(HEADER, _with_property("[" * 40 + "]" * 40)), "malformed"),
    ("payload with a UTF-8 BOM", sign_raw(HEADER, b"\xef\xbb\xbf" + BODY.encode()), "malformed"),
    ("payload in UTF-16", sign_raw(HEADER, BODY.encode("utf-16")), "malformed"),
    ("payload in UTF-16-LE", sign_raw(HEADER, BODY.encode("utf-16-le")), "malformed"),
    ("header with a UTF-8 BOM", sign_raw(b"\xef\xbb\xbf" + HEADER.encode(), BODY), "malformed"),
    (
        "payload not UTF-8 at all",
        sign_raw(HEADER, BODY.replace("ada", "\udce9").encode("utf-8", "surrogateescape")),
        "malformed",
    ),
    ("a lone surrogate escape", sign_raw(HEADER, BODY.replace('"ada@', '"\\ud800@')), "malformed"),
    (
        "exp of 1e30",
        sign_raw(HEADER, BODY.replace(f'"exp": {NOW + 600}', '"exp": 1e30')),
        "invalid_claims",
    ),
    (
        "exp of 1e400",
        sign_raw(HEADER, BODY.replace(f'"exp": {NOW + 600}', '"exp": 1e400')),
        "malformed",
    ),
    ("exp a huge integer", sign(claims(exp=10**30)), "invalid_claims"),
    ("exp after the year 3000", sign(claims(exp=32_503_680_001)), "invalid_claims"),
    ("exp NaN", sign_raw(HEADER, BODY.replace(f'"exp": {NOW + 600}', '"exp": NaN')), "malformed"),
    (
        "exp Infinity",
        sign_raw(HEADER, BODY.replace(f'"exp": {NOW + 600}', '"exp": Infinity')),
        "malformed",
    ),
    ("exp a float", sign(claims(exp=NOW + 600.5)), "invalid_claims"),
    ("exp true", sign(claims(exp=True)), "invalid_claims"),
    ("exp negative", sign(claims(exp=-1)), "invalid_claims"),
    ("iat NaN", sign_raw(HEADER, BODY.replace(f'"iat": {NOW}', '"iat": NaN')), "malformed"),
    ("iat of 1e30", sign(claims(iat=1e30)), "invalid_claims"),
    ("nbf of 1e30", sign(claims(nbf=1e30)), "invalid_claims"),
    ("nbf -Infinity", sign_raw(HEADER, "{" + BODY_FIELDS + ', "nbf": -Infinity}'), "malformed"),
    ("a property of 1e400", sign_raw(HEADER, _with_property("1e400")), "malformed"),
    ("signature with unused bits set", _signature_with_unused_bits(), "malformed"),
    ("payload with unused bits set", _payload_spelled_twice(), "malformed"),
    ("header with unused bits set", _header_spelled_twice(), "malformed"),
    ("padding in the signature", VALID + "=" * (-len(VALID.split(".")[2]) % 4 or 4), "malformed"),
    (
        "padding in the payload",
        sign_segments(seg({"alg": "RS256"}), seg(claims(pad="ab")) + "=="),
        "malformed",
    ),
    ("standard alphabet in the signature", VALID[:-2] + "+/", "malformed"),
    ("typ JWE", sign(claims(), header={"typ": "JWE"}), "unsupported_header"),
    ("typ refresh", sign(claims(), header={"typ": "refresh"}), "unsupported_header"),
    ("cty JWT (nested)", sign(claims(), header={"cty": "JWT"}), "unsupported_header"),
    ("an unknown header parameter", sign(claims(), header={"zip": "DEF"}), "unsupported_header"),
    ("b64 false", sign(claims(), header={"b64": False}), "unsupported_header"),
    ("kid not a string", sign(claims(), header={"kid": 7}), "unsupported_header"),
    ("header not an object", sign_raw('["RS256"]', BODY), "malformed"),
    (
        "active org with no role",
        sign(
            claims(
                org_member_info={
                    k: v
                    for k, v in claims()["org_id_to_org_member_info"][ORG].items()
                    if k != "user_role"
                }
            )
        ),
        "invalid_claims",
    ),
    (
        "active org with a null role",
        sign(
            claims(
                org_member_info={**claims()["org_id_to_org_member_info"][ORG], "user_role": None}
            )
        ),
        "invalid_claims",
    ),
    (
        "active org with a numeric role",
        sign(
            claims(org_member_info={**claims()["org_id_to_org_member_info"][ORG], "user_role": 3})
        ),
        "invalid_claims",
    ),
    (
        "an org entry with a numeric org_id",
        sign(
            claims(
                org_id_to_org_member_info={
                    ORG: {**claims()["org_id_to_org_member_info"][ORG], "org_id": 5}
                }
            )
        ),
        "invalid_claims",
    ),
    ("email not a string", sign(claims(email=["a@x.io"])), "invalid_claims"),
]


@pytest.mark.parametrize(("token", "reason"), [c[1:] for c in STRICT], ids=[c[0] for c in STRICT])
def test_strict_parsing_refuses(verifier: TokenVerifier, token: str, reason: str) -> None:
    with pytest.raises(TokenError) as info:
        verifier.verify(token)
    assert info.value.reason == reason


def test_strict_parsing_still_accepts_what_propelauth_issues(verifier: TokenVerifier) -> None:
    assert verifier.verify(sign_raw(HEADER, BODY)).user_id == "u-1"
    assert verifier.verify(sign_raw('{"typ":"JWT","alg":"RS256"}', BODY)).user_id == "u-1"
    assert verifier.verify(sign_raw('{"alg":"RS256"}', BODY)).user_id == "u-1"
    # the same name in different objects is not a duplicate; floats and escapes are fine
    two_orgs = {
        ORG: claims()["org_id_to_org_member_info"][ORG],
        "o2": {**claims()["org_id_to_org_member_info"][ORG], "org_id": "o2", "org_name": "B"},
    }
    user = verifier.verify(
        sign(
            claims(
                org_id_to_org_member_info=two_orgs, properties={"score": 1.5, "emoji": "\U0001f600"}
            )
        )
    )
    assert len(user.get_orgs()) == 2
    assert user.properties["emoji"] == "\U0001f600"
    escaped = sign_raw(HEADER, BODY.replace('"ada@', '"\\ud83d\\ude00@'))  # a surrogate pair
    assert verifier.verify(escaped).email == "\U0001f600@example.com"
    nested = sign_raw(HEADER, _with_property("[" * 20 + "]" * 20))
    assert verifier.verify(nested).user_id == "u-1"


def test_emulator_tokens_pass_the_strict_header_rules() -> None:
    from propelauth_async.testing import Emulator

    emu = Emulator()
    user = emu.add_user("ada@example.com")
    strict = TokenVerifier(emu.public_key_pem, issuer=emu.issuer)
    assert strict.verify(emu.mint_access_token(user)).user_id == user


# Property-based: mutated header and payload JSON, properly signed ----------------------------
# Whatever the verifier accepts, an independent strict reading must accept too, with the same
# meaning; whatever that reading refuses, the verifier refuses.

_NUMBER_FORMS = [
    str,
    lambda n: f"{n}.0",
    lambda n: f"{n}e0",
    lambda n: f"{n / 10**9}e9",
    lambda n: f"{n}.5",
    lambda n: f"0{n}",
    lambda n: f"-{n}",
    lambda n: f'"{n}"',
    lambda n: "1e400",
    lambda n: "NaN",
    lambda n: "Infinity",
    lambda n: "-Infinity",
    lambda n: str(10**30),
    lambda n: "true",
    lambda n: "null",
]
_ENCODINGS = ["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32"]
_SEPARATORS = [",", ", ", ",\n", " ,\t"]
_SCALARS = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=5)
_JSON_VALUES = (
    _SCALARS
    | st.lists(_SCALARS, max_size=3)
    | st.dictionaries(st.text(max_size=3), _SCALARS | st.lists(_SCALARS, max_size=2), max_size=3)
).map(json.dumps)


def _object_text(members: list[tuple[str, str]], separator: str) -> str:
    return "{" + separator.join(f"{json.dumps(k)}:{v}" for k, v in members) + "}"


@st.composite
def _mutated_payloads(draw: st.DrawFn) -> bytes:
    members = [(k, json.dumps(v)) for k, v in claims().items()]
    for name in ("exp", "iat"):
        form = draw(st.sampled_from(_NUMBER_FORMS))
        members = [
            (k, form(NOW + 600 if k == "exp" else NOW) if k == name else v) for k, v in members
        ]
    if draw(st.booleans()):
        name, _ = draw(st.sampled_from(members))
        members.insert(draw(st.integers(0, len(members))), (name, draw(_JSON_VALUES)))
    depth = draw(st.sampled_from([0, 0, 1, 5, 31, 32, 33, 60, 2000]))
    inner = draw(
        st.sampled_from(['{"a":1}', '{"a":1,"a":2}', '{"a":{"b":[1,{"c":2,"c":3}]}}', "[]"])
    )
    members.append(("properties", '{"p":' + "[" * depth + inner + "]" * depth + "}"))
    text = _object_text(members, draw(st.sampled_from(_SEPARATORS)))
    return text.encode(draw(st.sampled_from(_ENCODINGS)))


@st.composite
def _mutated_headers(draw: st.DrawFn) -> bytes:
    members = [("alg", '"RS256"')]
    extras = draw(
        st.lists(
            st.sampled_from(
                [
                    ("typ", '"JWT"'),
                    ("typ", '"JWE"'),
                    ("typ", '"jwt"'),
                    ("kid", '"k1"'),
                    ("kid", "1"),
                    ("alg", '"RS256"'),
                    ("alg", '"none"'),
                    ("cty", '"JWT"'),
                    ("crit", '["exp"]'),
                ]
            ),
            max_size=3,
        )
    )
    members += extras
    text = _object_text(draw(st.permutations(members)), draw(st.sampled_from(_SEPARATORS)))
    return text.encode(draw(st.sampled_from(_ENCODINGS)))


def _reference_reading(data: bytes, kind: str) -> dict[str, Any] | None:
    """A strict reading written independently of the verifier: None when it refuses."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate")
        return dict(pairs)

    def depth(value: Any) -> int:
        if isinstance(value, dict):
            return 1 + max(map(depth, value.values()), default=0)
        if isinstance(value, list):
            return 1 + max(map(depth, value), default=0)
        return 0

    if data.startswith(b"\xef\xbb\xbf"):
        return None
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text,
            object_pairs_hook=no_duplicates,
            parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)),
            parse_float=lambda f: float(f) if abs(float(f)) != float("inf") else int("x"),
        )
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or depth(value) > 32:
        return None
    if kind == "header":
        allowed = value.get("alg") == "RS256" and set(value) <= {"alg", "typ", "kid"}
        allowed = allowed and value.get("typ", "JWT") == "JWT"
        return value if allowed and isinstance(value.get("kid", ""), str) else None
    for name in ("exp", "iat"):
        if type(value.get(name)) is not int or not 0 <= value[name] <= 32_503_680_000:
            return None
    return value


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(header=_mutated_headers(), payload=_mutated_payloads())
def test_mutated_json_is_read_strictly_or_refused(
    verifier: TokenVerifier, header: bytes, payload: bytes
) -> None:
    token = sign_raw(header, payload)
    expected_header = _reference_reading(header, "header")
    expected = _reference_reading(payload, "payload")
    try:
        got = verifier.verify_claims(token)
    except TokenError:
        assert expected_header is None or expected is None, "a strictly valid token was refused"
        return
    assert expected_header is not None, "a header a strict reading refuses was accepted"
    assert expected is not None, "a payload a strict reading refuses was accepted"
    assert got == expected


@pytest.mark.parametrize("decode", [verifier_module._a2b_checked, verifier_module._a2b])
@pytest.mark.parametrize(
    "segment", [b"AB+C", b"AB/C", b"AB=C", b"AB.C", b"AB C", b"AB\nC", b"AB%C", b"AB*C"]
)
def test_both_base64url_decoders_refuse_the_same(decode: Any, segment: bytes) -> None:
    """The 3.10 decoder (alphabet check, then decode) and the 3.11+ one (strict decoding)."""
    with pytest.raises(TokenError):
        decode(segment, b"")
    assert decode(b"AB-_", b"") == base64.urlsafe_b64decode(b"AB-_")
    assert decode(b"AB", b"==") == base64.urlsafe_b64decode(b"AB==")
