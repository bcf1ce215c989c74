"""Access-token verifications per second, one process, the same RS256 token and key for all.

- propelauth_async TokenVerifier.verify: every check, and the claims as AuthenticatedUser; the
  same token again (as a service sees it) and, separately, a token never seen before (its
  decoded payload not cached: the signature and time checks run on every call either way)
- the bare `cryptography` floor: split, base64-decode, RSA verify, json.loads (no checks at all)
- joserfc's plain jwt.decode (signature only, no claim checks)
- PyJWT jwt.decode with the official library's options
- the official library's validate_access_token_and_get_user

Aims: at least 0.8 of the floor and at least 2.5x the official library. Also prints the import
time of propelauth_async (joserfc is imported only when a verifier is first built).

    python benchmarks/verify.py [--seconds 1.0] [--rounds 5]
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from propelauth_async.testing import Emulator
from propelauth_async.tokens import TokenVerifier


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _rate(fn: Callable[[], Any], seconds: float) -> float:
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(100):
            fn()
        count += 100
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def _import_ms(module: str) -> float:
    code = f"import time; t=time.perf_counter(); import {module}; print(time.perf_counter()-t)"
    runs = [float(subprocess.check_output([sys.executable, "-c", code]).strip()) for _ in range(5)]
    return statistics.median(runs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    emu = Emulator(auth_host="auth.bench.example")
    org = emu.add_org("Acme")
    user = emu.add_user("ada@bench.example", first_name="Ada", username="ada")
    emu.add_member(org, user, "Admin")
    token = emu.mint_access_token(user, expires_in=3600)  # a one-org token
    pem = emu.public_key_pem
    issuer = emu.issuer

    ours = TokenVerifier(pem, issuer=issuer)
    crypto_key = load_pem_public_key(pem.encode())

    def floor() -> Any:
        header, payload, signature = token.split(".")
        crypto_key.verify(  # type: ignore[union-attr, call-arg]
            _b64(signature), f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return json.loads(_b64(payload))

    from joserfc import jwt as joserfc_jwt
    from joserfc.jwk import RSAKey

    joserfc_key = RSAKey.import_key(pem)

    import jwt as pyjwt

    pyjwt_options = {"require": ["exp", "iat", "iss"], "verify_aud": False}

    from propelauth_py import init_base_auth
    from propelauth_py.api import TokenVerificationMetadata

    official = init_base_auth(
        "https://auth.bench.example",
        "unused",
        TokenVerificationMetadata(verifier_key=pem, issuer=issuer),
    )
    header = f"Bearer {token}"

    sides: dict[str, Callable[[], Any]] = {
        "propelauth_async TokenVerifier.verify": lambda: ours.verify(token),
        "propelauth_async, every token new (no cache)": lambda: (
            ours._decoded.clear(),
            ours.verify(token),
        ),
        "bare cryptography floor": floor,
        "joserfc jwt.decode (signature only)": lambda: joserfc_jwt.decode(
            token, joserfc_key, algorithms=["RS256"]
        ),
        "PyJWT jwt.decode": lambda: pyjwt.decode(
            token, pem, algorithms=["RS256"], issuer=issuer, leeway=60, options=pyjwt_options
        ),
        "propelauth-py validate_access_token_and_get_user": lambda: (
            official.validate_access_token_and_get_user(header)
        ),
    }
    for fn in sides.values():
        fn()  # each must accept the token
    rates: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.rounds):  # interleaved rounds: machine drift hits every side alike
        for name, fn in sides.items():
            rates[name].append(_rate(fn, args.seconds))
    medians = {name: statistics.median(values) for name, values in rates.items()}
    floor_rate = medians["bare cryptography floor"]
    official_rate = medians["propelauth-py validate_access_token_and_get_user"]
    print(f"verifications per second, one core, median of {args.rounds} x {args.seconds:g} s")
    for name, rate in medians.items():
        print(
            f"  {name:50s} {rate:9,.0f}/s  {1e6 / rate:6.1f} us  "
            f"x{rate / floor_rate:4.2f} floor  x{rate / official_rate:4.2f} official"
        )
    ours_rate = medians["propelauth_async TokenVerifier.verify"]
    cold_rate = medians["propelauth_async, every token new (no cache)"]
    print(f"ours / floor    = {ours_rate / floor_rate:.2f}   (aim >= 0.80; a token seen before)")
    print(f"ours / official = {ours_rate / official_rate:.2f}   (aim >= 2.50)")
    print(
        f"never-seen token: {cold_rate / floor_rate:.2f} of the floor, "
        f"x{cold_rate / official_rate:.2f} the official library"
    )
    print(
        f"import propelauth_async: {_import_ms('propelauth_async'):.0f} ms "
        f"(joserfc loaded: {_joserfc_loaded()}); import propelauth_py: "
        f"{_import_ms('propelauth_py'):.0f} ms"
    )


def _joserfc_loaded() -> bool:
    code = "import sys, propelauth_async; print('joserfc' in sys.modules)"
    return subprocess.check_output([sys.executable, "-c", code]).strip() == b"True"


if __name__ == "__main__":
    main()
