"""Access-token verifications per second, one process, every side measured in the same run.

Two goals (issue 10), as ratios to the bare `cryptography` floor measured alongside:

- a NEW token (thousands of distinct valid tokens, cycled, more than the verified-token cache
  holds, so no cache can help): at least 0.9 of the floor;
- a token ALREADY VERIFIED (the same token on every request of a session; a fresh string
  object each time, as a header parser hands it over): at least 10 times the floor.

Sides:
- the floor: split, base64url, RSA verify, json.loads, exp and iss (no other check)
- propelauth_async TokenVerifier.verify (default settings), .verify with the cache off, and
  .verify_claims (no AuthenticatedUser built)
- the official library's validate_access_token_and_get_user

Each round runs every side over all the tokens, interleaved in chunks so that the machine's
drift hits every side alike; the figure is the median of the rounds. Time is this thread's CPU
time, so other processes on a shared machine skew it less than wall time would. Garbage-collector runs
during the new-token passes are counted too (the floor makes none).

    python benchmarks/verify.py [--tokens 5000] [--rounds 5] [--profile]

``--profile`` then prints where a new token's time goes: each stage timed in place, right after
an RSA verification as in real use (the CPU caches are cold then, which makes the Python stages
cost more than they do in a tight loop of their own).
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from propelauth_async.testing import Emulator
from propelauth_async.testing._tokens import access_token_claims
from propelauth_async.tokens import TokenVerifier
from propelauth_async.tokens.verifier import DEFAULT_CACHE_SIZE

CHUNK = 250


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _mint(count: int) -> tuple[Emulator, list[str]]:
    """``count`` distinct one-org tokens in PropelAuth's layout, signed with the emulator's key
    (directly with cryptography: the emulator's own minting is slower)."""
    emu = Emulator(auth_host="auth.bench.example")
    org = emu.add_org("Acme Inc")
    user = emu.add_user("ada@bench.example", first_name="Ada", username="ada")
    emu.add_member(org, user, "Admin")
    private_key: Any = load_pem_private_key(emu.key.private_pem.encode(), None)
    header = _b64encode(b'{"alg":"RS256","typ":"JWT"}')
    base = access_token_claims(emu.state, emu.state.users[user], issuer=emu.issuer, expires_in=7200)
    tokens = []
    for i in range(count):
        claims = {**base, "iat": base["iat"] - i}
        payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{payload}".encode()
        signature = private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        tokens.append(f"{header}.{payload}.{_b64encode(signature)}")
    return emu, tokens


def _pass(fn: Callable[[str], Any], tokens: Sequence[str]) -> float:
    """CPU time of this thread: time the machine spends on other processes is not counted."""
    start = time.thread_time()
    for token in tokens:
        fn(token)
    return time.thread_time() - start


class _GcCounter:
    def __init__(self) -> None:
        self.runs = 0
        self.active = False

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if self.active and phase == "start":
            self.runs += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tokens", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.tokens <= DEFAULT_CACHE_SIZE:
        parser.error(f"--tokens must exceed the cache size ({DEFAULT_CACHE_SIZE})")

    started = time.perf_counter()
    emu, tokens = _mint(args.tokens)
    pem, issuer = emu.public_key_pem, emu.issuer
    crypto_key: Any = load_pem_public_key(pem.encode())
    pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()

    def floor(token: str) -> Any:
        header, payload, signature = token.split(".")
        crypto_key.verify(_b64(signature), f"{header}.{payload}".encode(), pkcs1, sha256)
        claims = json.loads(_b64(payload))
        if claims["iss"] != issuer or claims["exp"] < time.time():
            raise ValueError("refused")
        return claims

    ours = TokenVerifier(pem, issuer=issuer)
    ours_no_cache = TokenVerifier(pem, issuer=issuer, cache_size=0)
    ours_claims = TokenVerifier(pem, issuer=issuer, cache_size=0)
    repeated = TokenVerifier(pem, issuer=issuer)
    session_token = tokens[0]
    for _ in range(2):
        repeated.verify(session_token)  # cached from its second verification
    # A fresh str object per request (as a header parser hands it over): its hash is not cached.
    copies = [session_token[:-1] + session_token[-1] for _ in range(len(tokens))]

    from propelauth_py import init_base_auth
    from propelauth_py.api import TokenVerificationMetadata

    official = init_base_auth(
        "https://auth.bench.example",
        "unused",
        TokenVerificationMetadata(verifier_key=pem, issuer=issuer),
    )

    sides: dict[str, tuple[Callable[[str], Any], Sequence[str]]] = {
        "bare cryptography floor (new tokens)": (floor, tokens),
        "ours TokenVerifier.verify, new tokens": (ours.verify, tokens),
        "ours .verify, new tokens, cache off": (ours_no_cache.verify, tokens),
        "ours .verify_claims, new tokens": (ours_claims.verify_claims, tokens),
        "ours .verify, token already verified": (repeated.verify, copies),
        "official validate_access_token_and_get_user": (
            lambda token: official.validate_access_token_and_get_user(f"Bearer {token}"),
            tokens,
        ),
    }
    for fn, batch in sides.values():
        fn(batch[0])  # each side accepts the tokens
    counter = _GcCounter()
    gc.callbacks.append(counter)
    gc_runs = dict.fromkeys(sides, 0)
    rates: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.rounds):
        spent = dict.fromkeys(sides, 0.0)
        for offset in range(0, len(tokens), CHUNK):
            for name, (fn, batch) in sides.items():
                counter.runs, counter.active = 0, True
                spent[name] += _pass(fn, batch[offset : offset + CHUNK])
                counter.active = False
                gc_runs[name] += counter.runs
        for name in sides:
            rates[name].append(len(tokens) / spent[name])
    gc.callbacks.remove(counter)

    medians = {name: statistics.median(values) for name, values in rates.items()}
    floor_rate = medians["bare cryptography floor (new tokens)"]
    official_rate = medians["official validate_access_token_and_get_user"]
    print(
        f"verifications per second, median of {args.rounds} rounds over {args.tokens} distinct "
        "tokens (noisy on a shared machine: read the ratios, measured in the same run)"
    )
    for name, rate in medians.items():
        print(
            f"  {name:46s} {rate:10,.0f}/s {1e6 / rate:7.1f} us  x{rate / floor_rate:5.2f} floor"
            f"  x{rate / official_rate:5.2f} official  gc runs {gc_runs[name] / args.rounds:.0f}"
            "/round"
        )
    new_rate = medians["ours TokenVerifier.verify, new tokens"]
    hit_rate = medians["ours .verify, token already verified"]
    print(f"new token / floor          = {new_rate / floor_rate:.2f}   (goal >= 0.90)")
    print(f"already verified / floor   = {hit_rate / floor_rate:.2f}   (goal >= 10)")
    print(f"new token / official       = {new_rate / official_rate:.2f}")
    print(f"(took {time.perf_counter() - started:.0f} s)")
    if args.profile:
        _profile(pem, issuer, tokens, floor)


def _profile(pem: str, issuer: str, tokens: list[str], floor: Callable[[str], Any]) -> None:
    """Stage by stage, cumulative: each line adds one stage of TokenVerifier.verify."""
    from propelauth_async.tokens import verifier as v
    from propelauth_async.tokens.claims import user_from_claims

    ours = TokenVerifier(pem, issuer=issuer, cache_size=0)
    key, pkcs1, sha256 = ours._public_key, ours._pkcs1v15, ours._sha256
    parts = [token.encode().rpartition(b".") for token in tokens]
    split = [
        (signing_input, signature, signing_input.partition(b".")[2])
        for signing_input, _, signature in parts
    ]

    def rsa(i: int) -> Any:
        signing_input, signature, _ = split[i]
        key.verify(v._segment_bytes(signature, "signature"), signing_input, pkcs1, sha256)

    def rsa_json(i: int) -> Any:
        rsa(i)
        return json.loads(v._segment_bytes(split[i][2], "payload"))

    def rsa_strict_json(i: int) -> Any:
        rsa(i)
        return v.strict_json(v._segment_bytes(split[i][2], "payload"), "payload")

    stages: dict[str, Callable[[int], Any]] = {
        "floor": lambda i: floor(tokens[i]),
        "b64 + RSA verify": rsa,
        "+ json.loads (plain)": rsa_json,
        "+ strict JSON instead": rsa_strict_json,
        "verify_claims (+ header, claims, times)": lambda i: ours.verify_claims(tokens[i]),
        "+ AuthenticatedUser (= verify, cache off)": lambda i: user_from_claims(
            ours.verify_claims(tokens[i])
        ),
    }
    indices = range(len(tokens))
    spent: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(5):
        for name, fn in stages.items():
            start = time.thread_time()
            for i in indices:
                fn(i)
            spent[name].append((time.thread_time() - start) / len(tokens) * 1e6)
    print("where a new token's time goes (us per token, thread CPU time, median of 5):")
    for name, values in spent.items():
        print(f"  {name:44s} {statistics.median(values):6.1f}")


if __name__ == "__main__":
    main()
