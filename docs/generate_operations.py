"""Writes docs/operations.md from the endpoint table: each of propelauth-py's 79 operations next
to our method, and where our behaviour deliberately differs.

    python docs/generate_operations.py          # rewrite docs/operations.md
    python docs/generate_operations.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from propelauth_async import AsyncPropelAuth
from propelauth_async import _endpoints as endpoints

OUT = Path(__file__).with_name("operations.md")

GENERAL = """\
## Differences that apply everywhere

- **Bad ids and arguments raise `InvalidArgumentError` before anything is sent.** The official
  library answers a malformed `user_id`/`org_id` with `None`, `False` or an empty page, which
  hides the bug; we name the parameter.
- **Lookups return `None` for a missing thing; writes raise `NotFoundError`.** The official
  writes return `False` on 404 (easy to ignore); ours return `None` on success and raise.
- **One typed error hierarchy** (`PropelAuthError` and its subclasses) with the server's field
  errors parsed whatever key it used; the official library raises `ValueError`, `RuntimeError`,
  `httpx.HTTPStatusError` or per-call exceptions that share no base, and `426` becomes
  `RuntimeError` there but `FeatureNotEnabledError` here.
- **Retries.** The official library never retries and ignores `Retry-After`; we retry what is
  safe (DESIGN section 3), wait out 429s, and raise `OutcomeUnknownError` instead of replaying a
  write whose answer was lost.
- **Timeouts and pooling.** One pooled `httpx.AsyncClient` with timeouts on every phase; the
  official sync client has no timeout at all and opens a new session per call.
- **Models.** Every result is a typed, frozen attrs model; secrets (tokens, magic links, API key
  tokens, SAML links) are kept out of `repr`.
"""

NOTES: dict[str, str] = {
    "fetch_batch_user_metadata_by_user_ids": "Typed `User` values (official: raw dicts); any "
    "number of keys, chunked, duplicates sent once.",
    "fetch_batch_user_metadata_by_emails": "Typed `User` values (official: raw dicts); chunked.",
    "fetch_batch_user_metadata_by_usernames": "Typed `User` values (official: raw dicts); chunked.",
    "fetch_users_in_org": "A bad org id raises `InvalidArgumentError` (official: an empty page). "
    "Also reachable as `orgs.query_members`.",
    "invite_user_to_org": "Field errors are raised as `BadRequestError` (official async swallows "
    "its own `InviteUserToOrgException`).",
    "invite_user_to_org_by_user_id": "Same as `invite_user_to_org`.",
    "resend_email_confirmation": "Typed errors with `user_facing_error` (official async swallows "
    "its specific exceptions); never retried, as it sends an email.",
    "clear_user_password": "400 is `BadRequestError` (official: `UpdateUserEmailException`).",
    "update_org_metadata": "Can send `legacy_org_id`, which the official method lacks; "
    "`enable_auto_joining_by_domain` / `members_must_have_matching_domain` go out as "
    "`autojoin_by_domain` / `restrict_to_domain`.",
    "revoke_pending_org_invite": "An empty or a JSON 200 body is success (official: JSON only).",
    "create_org_saml_connection_link": "Returns a typed `SamlConnectionLink` (official: raw JSON).",
    "set_oidc_idp_metadata": "The IdP is one of three typed classes, so an unknown type cannot be "
    "sent.",
    "fetch_api_key": "`None` when missing (official: raises `EndUserApiKeyNotFoundException`).",
    "fetch_api_key_usage": "Works (the official sync version always raises `AttributeError`); "
    "`date` may be a `datetime.date`.",
    "update_api_key": "`UNSET` leaves a field alone; `never_expire=True` cannot be combined with "
    "an expiry.",
    "validate_api_key": "The key's user comes back as a typed `User` (official: its orgs left as "
    "raw dicts); a leading `Bearer ` is stripped.",
    "validate_personal_api_key": "As `validate_api_key`; a non-personal key is `BadRequestError`.",
    "validate_org_api_key": "As `validate_api_key`; a non-org key is `BadRequestError`.",
    "create_access_token": "403 is `UserNotFoundError`, 404 `FeatureNotEnabledError` (official: "
    "`RuntimeError`); `duration_in_minutes` checked to be 1..1440.",
    "create_magic_link": "`expires_in_hours` checked to be 1..168; the link is kept out of repr.",
    "migrate_user_password": "Can also send `password_hash_type` (the seed documents it; the "
    "official library never sends it).",
    "verify_step_up_totp_challenge": "`error_code` mapped to `UserNotFoundError`, "
    "`MfaNotEnabledError`, `IncorrectMfaCodeError`, `FeatureNotEnabledError`, `BadRequestError` "
    "whichever body key the endpoint uses (official: `RuntimeError` for anything unknown).",
    "verify_step_up_grant": "A missing grant is `False`, never an error.",
    "fetch_scim_group": "`None` for a missing group (official: `RuntimeError`); members also as "
    "a pager, `scim.query_group_members`.",
    "fetch_org_scim_groups": "Pager; `has_more` computed from `total_groups`.",
}


def returns(endpoint: endpoints.Endpoint) -> str:
    """What our method gives back: a pager of the row's model, or the method's own annotation
    (which ``tests/test_parity.py`` checks against the row's ``result`` and ``missing``)."""
    if endpoint.page is not None:
        return f"AsyncPager[{endpoint.result}]"
    target: object = AsyncPropelAuth("https://auth.example.com", "k")
    for attribute in endpoint.name.split("."):
        target = getattr(target, attribute)
    annotation = inspect.signature(target).return_annotation  # type: ignore[arg-type]
    return str(annotation)


def render() -> str:
    rows = []
    for endpoint in endpoints.ALL:
        for name in endpoint.official:
            note = NOTES.get(name, "")
            ours = " / ".join(f"`client.{dotted}`" for dotted in endpoint.ours)
            rows.append((name, endpoint.method, endpoint.path, ours, returns(endpoint), note))
    rows.sort(key=lambda r: r[0])
    lines = [
        "# propelauth-py operations and their propelauth_async counterparts",
        "",
        "Generated by `docs/generate_operations.py` from `propelauth_async/_endpoints.py`; do not "
        "edit by hand. `tests/test_parity.py` fails when an official operation has no "
        "counterpart or this file is out of date.",
        "",
        f"{len(rows)} official operations, all mapped. Paths are relative to the auth URL (or "
        "`backend_url`); every request also carries `X-Propelauth-url`.",
        "",
        GENERAL,
        "## Operation by operation",
        "",
        "| propelauth-py | HTTP | path | propelauth_async | returns | deliberate difference |",
        "|---|---|---|---|---|---|",
    ]
    for name, method, path, ours, result, note in rows:
        shown = result.replace("|", "\\|")  # a pipe inside a table cell is escaped
        lines.append(f"| `{name}` | {method} | `{path}` | {ours} | `{shown}` | {note} |")
    lines.append("")
    return "\n".join(lines)


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        if not OUT.exists() or OUT.read_text() != text:
            print("docs/operations.md is out of date: run python docs/generate_operations.py")
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
