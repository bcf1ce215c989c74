"""Magic links, access tokens, migration, API keys, step-up MFA, reports, SCIM, employees:
the exact request on the wire, the parsed result, error mapping and bad input."""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import respx

from propelauth_async import (
    AsyncPropelAuth,
    BadRequestError,
    ChartCadence,
    ChartMetric,
    ChurnInterval,
    FeatureNotEnabledError,
    IncorrectMfaCodeError,
    InvalidArgumentError,
    MfaNotEnabledError,
    PasswordHashType,
    RateLimitError,
    ReengagementInterval,
    ReportInterval,
    StepUpGrantType,
    UserNotFoundError,
)

from .conftest import ORG_ID, USER_ID, check_wire, user_json

Call = Callable[[AsyncPropelAuth], Awaitable[Any]]
KEY_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
KEY = {
    "api_key_id": KEY_ID,
    "created_at": 1,
    "expires_at_seconds": None,
    "metadata": {"a": 1},
    "user_id": USER_ID,
    "org_id": ORG_ID,
    "display_name": "ci",
}
ORG_FROM_KEY = {
    "org_id": ORG_ID,
    "org_name": "Acme",
    "max_users": 5,
    "is_saml_configured": False,
    "legacy_org_id": None,
    "metadata": {},
    "custom_role_mapping_name": None,
}
USER_IN_ORG = {
    "user_role": "Admin",
    "inherited_user_roles_plus_current_role": ["Admin", "Member"],
    "user_permissions": ["read"],
    "org_role_structure": "single_role_in_hierarchy",
    "additional_roles": [],
    "url_safe_org_name": "acme",
    "org_metadata": {},
    "legacy_org_id": None,
}
REPORT_PAGE = {
    "user_reports": [
        {
            "id": "r1",
            "report_id": "rep",
            "user_id": USER_ID,
            "email": "a@b.io",
            "org_data": {"x": 1},
        }
    ],
    "current_page": 0,
    "page_size": 10,
    "has_more_results": False,
    "total_count": 1,
    "report_time": 1700000000,
}
ORG_REPORT_PAGE = {
    "org_reports": [{"org_id": ORG_ID, "name": "Acme", "num_users": 3}],
    "current_page": 0,
    "page_size": 10,
    "has_more_results": False,
    "total_count": 1,
    "report_time": 1700000000,
}

WIRE: list[tuple[str, Call, str, str, dict[str, str], Any, Any, Callable[[Any], bool]]] = [
    (
        "magic link minimal",
        lambda c: c.magic_links.create(email="a@b.io"),
        "POST",
        "/magic_link",
        {},
        {"email": "a@b.io"},
        {"url": "https://auth/ml?token=SECRET"},
        lambda r: r.url.endswith("SECRET") and "SECRET" not in repr(r),
    ),
    (
        "magic link full",
        lambda c: c.magic_links.create(
            email="a@b.io",
            redirect_to_url="https://app/x",
            expires_in_hours=48,
            create_new_user_if_one_doesnt_exist=False,
            user_signup_query_parameters={"utm": "x"},
            expire_after_first_use=False,
            requires_interstitial=True,
        ),
        "POST",
        "/magic_link",
        {},
        {
            "email": "a@b.io",
            "redirect_to_url": "https://app/x",
            "expires_in_hours": 48,
            "create_new_user_if_one_doesnt_exist": False,
            "user_signup_query_parameters": {"utm": "x"},
            "expire_after_first_use": False,
            "requires_interstitial": True,
        },
        {"url": "u"},
        lambda r: r.url == "u",
    ),
    (
        "access token",
        lambda c: c.access_tokens.create(USER_ID, duration_in_minutes=30, active_org_id=ORG_ID),
        "POST",
        "/access_token",
        {},
        {"user_id": USER_ID, "duration_in_minutes": 30, "active_org_id": ORG_ID},
        {"access_token": "eyJSECRET"},
        lambda r: r.access_token == "eyJSECRET",
    ),
    (
        "migrate minimal",
        lambda c: c.migration.migrate_user(email="a@b.io", email_confirmed=True),
        "POST",
        "/migrate_user/",
        {},
        {
            "email": "a@b.io",
            "email_confirmed": True,
            "existing_user_id": None,
            "existing_password_hash": None,
            "existing_mfa_base32_encoded_secret": None,
            "update_password_required": False,
            "enabled": None,
            "first_name": None,
            "last_name": None,
            "username": None,
            "picture_url": None,
        },
        {"user_id": USER_ID},
        lambda r: r.user_id == USER_ID,
    ),
    (
        "migrate full",
        lambda c: c.migration.migrate_user(
            email="a@b.io",
            email_confirmed=False,
            existing_user_id="old-1",
            existing_password_hash="$2b$hash",
            existing_mfa_base32_encoded_secret="JBSWY3DP",
            ask_user_to_update_password_on_login=True,
            enabled=False,
            first_name="A",
            last_name="B",
            username="ab",
            picture_url="https://p",
            properties={"k": 1},
        ),
        "POST",
        "/migrate_user/",
        {},
        {
            "email": "a@b.io",
            "email_confirmed": False,
            "existing_user_id": "old-1",
            "existing_password_hash": "$2b$hash",
            "existing_mfa_base32_encoded_secret": "JBSWY3DP",
            "update_password_required": True,
            "enabled": False,
            "first_name": "A",
            "last_name": "B",
            "username": "ab",
            "picture_url": "https://p",
            "properties": {"k": 1},
        },
        {"user_id": USER_ID},
        lambda r: r.user_id == USER_ID,
    ),
    (
        "migrate password",
        lambda c: c.migration.migrate_password(
            user_id=USER_ID, password_hash="$argon2$x", password_hash_type=PasswordHashType.ARGON2
        ),
        "POST",
        "/migrate_user/password",
        {},
        {"user_id": USER_ID, "password_hash": "$argon2$x", "password_hash_type": "argon2"},
        {},
        lambda r: r is None,
    ),
    (
        "api key fetch",
        lambda c: c.api_keys.fetch(KEY_ID),
        "GET",
        f"/end_user_api_keys/{KEY_ID}",
        {},
        None,
        KEY,
        lambda r: r.api_key_id == KEY_ID and r.metadata == {"a": 1},
    ),
    (
        "api keys current",
        lambda c: c.api_keys.query_current(
            org_id=ORG_ID, user_id=USER_ID, user_email="a@b.io", api_key_type="org", page_size=5
        ),
        "GET",
        "/end_user_api_keys",
        {
            "org_id": ORG_ID,
            "user_id": USER_ID,
            "user_email": "a@b.io",
            "api_key_type": "org",
            "page_size": "5",
        },
        None,
        {
            "api_keys": [KEY],
            "total_api_keys": 1,
            "current_page": 0,
            "page_size": 5,
            "has_more_results": False,
        },
        lambda r: r.items[0].display_name == "ci",
    ),
    (
        "api keys archived",
        lambda c: c.api_keys.query_archived(),
        "GET",
        "/end_user_api_keys/archived",
        {},  # paging only when given, as the official library sends it
        None,
        {"api_keys": [], "total_api_keys": 0, "has_more_results": False},
        lambda r: r.total == 0,
    ),
    (
        "api key create",
        lambda c: c.api_keys.create(
            user_id=USER_ID, expires_at_seconds=2000000000, metadata={"m": 1}, display_name="ci"
        ),
        "POST",
        "/end_user_api_keys",
        {},
        {
            "user_id": USER_ID,
            "expires_at_seconds": 2000000000,
            "metadata": {"m": 1},
            "display_name": "ci",
        },
        {"api_key_id": KEY_ID, "api_key_token": "api_SECRET"},
        lambda r: r.api_key_token == "api_SECRET" and "SECRET" not in repr(r),
    ),
    (
        "api key update",
        lambda c: c.api_keys.update(KEY_ID, expires_at_seconds=2000000000, metadata={"m": 2}),
        "PATCH",
        f"/end_user_api_keys/{KEY_ID}",
        {},
        {"expires_at_seconds": 2000000000, "metadata": {"m": 2}},
        {},
        lambda r: r is None,
    ),
    (
        "api key never expire",
        lambda c: c.api_keys.update(KEY_ID, never_expire=True),
        "PATCH",
        f"/end_user_api_keys/{KEY_ID}",
        {},
        {"set_to_never_expire": True},
        {},
        lambda r: r is None,
    ),
    (
        "api key delete",
        lambda c: c.api_keys.delete(KEY_ID),
        "DELETE",
        f"/end_user_api_keys/{KEY_ID}",
        {},
        None,
        {},
        lambda r: r is None,
    ),
    (
        "api key validate strips bearer",
        lambda c: c.api_keys.validate("BEARER api_tok"),
        "POST",
        "/end_user_api_keys/validate",
        {},
        {"api_key_token": "api_tok"},
        {
            "metadata": {"m": 1},
            "user": user_json(),
            "org": ORG_FROM_KEY,
            "user_in_org": USER_IN_ORG,
        },
        lambda r: (
            r.user.user_id == USER_ID
            and r.org.org_name == "Acme"
            and r.user_in_org.org_id == ORG_ID
            and r.user_in_org.is_at_least_role("Member")
        ),
    ),
    (
        "api key validate personal",
        lambda c: c.api_keys.validate_personal("api_tok"),
        "POST",
        "/end_user_api_keys/validate",
        {},
        {"api_key_token": "api_tok"},
        {"metadata": {}, "user": user_json()},
        lambda r: r.user.user_id == USER_ID,
    ),
    (
        "api key validate org",
        lambda c: c.api_keys.validate_org("api_tok"),
        "POST",
        "/end_user_api_keys/validate",
        {},
        {"api_key_token": "api_tok"},
        {"metadata": {}, "org": ORG_FROM_KEY},
        lambda r: r.org.org_id == ORG_ID and r.user is None,
    ),
    (
        "api key validate imported",
        lambda c: c.api_keys.validate_imported("old_tok"),
        "POST",
        "/end_user_api_keys/validate_imported",
        {},
        {"api_key_token": "old_tok"},
        {"metadata": {}, "user": user_json()},
        lambda r: r.user is not None,
    ),
    (
        "api key import",
        lambda c: c.api_keys.import_key(api_key_token="old_tok", org_id=ORG_ID),
        "POST",
        "/end_user_api_keys/import",
        {},
        {"imported_api_key": "old_tok", "org_id": ORG_ID},
        {"api_key_id": KEY_ID},
        lambda r: r.api_key_id == KEY_ID,
    ),
    (
        "api key usage",
        lambda c: c.api_keys.fetch_usage(
            datetime.date(2026, 11, 1), org_id=ORG_ID, api_key_id=KEY_ID
        ),
        "GET",
        "/end_user_api_keys/usage",
        {"date": "2026-11-01", "org_id": ORG_ID, "api_key_id": KEY_ID},
        None,
        {"count": 42},
        lambda r: r == 42,
    ),
    (
        "mfa totp",
        lambda c: c.mfa.verify_totp(
            action_type="delete",
            user_id=USER_ID,
            code="123456",
            grant_type=StepUpGrantType.TIME_BASED,
            valid_for_seconds=60,
        ),
        "POST",
        "/mfa/step-up/verify-totp",
        {},
        {
            "action_type": "delete",
            "user_id": USER_ID,
            "code": "123456",
            "grant_type": "TIME_BASED",
            "valid_for_seconds": 60,
        },
        {"step_up_grant": "g-SECRET"},
        lambda r: r.step_up_grant == "g-SECRET" and "SECRET" not in repr(r),
    ),
    (
        "mfa grant",
        lambda c: c.mfa.verify_grant(action_type="delete", user_id=USER_ID, grant="g"),
        "POST",
        "/mfa/step-up/verify-grant",
        {},
        {"action_type": "delete", "user_id": USER_ID, "grant": "g"},
        {},
        lambda r: r is True,
    ),
    (
        "mfa sms send",
        lambda c: c.mfa.send_sms_code(
            action_type="delete",
            user_id=USER_ID,
            mfa_phone_id="p1",
            grant_type="ONE_TIME_USE",
            valid_for_seconds=30,
        ),
        "POST",
        "/mfa/step-up/phone/send",
        {},
        {
            "action_type": "delete",
            "user_id": USER_ID,
            "mfa_phone_id": "p1",
            "grant_type": "ONE_TIME_USE",
            "valid_for_seconds": 30,
        },
        {"challenge_id": "ch-1"},
        lambda r: r.challenge_id == "ch-1",
    ),
    (
        "mfa sms verify",
        lambda c: c.mfa.verify_sms(challenge_id="ch-1", user_id=USER_ID, code="1"),
        "POST",
        "/mfa/step-up/phone/verify",
        {},
        {"challenge_id": "ch-1", "user_id": USER_ID, "code": "1"},
        {"step_up_grant": "g"},
        lambda r: r.step_up_grant == "g",
    ),
    (
        "employee",
        lambda c: c.employees.fetch(USER_ID),
        "GET",
        f"/employee/{USER_ID}",
        {},
        None,
        {"email": "me@propelauth.example"},
        lambda r: r.email == "me@propelauth.example",
    ),
    (
        "scim groups",
        lambda c: c.scim.query_groups(ORG_ID, user_id=USER_ID, page_size=2),
        "GET",
        f"/scim/{ORG_ID}/groups",
        {"page_size": "2", "page_number": "0", "user_id": USER_ID},
        None,
        {
            "groups": [{"group_id": "g1", "display_name": "Eng", "external_id_from_idp": "x"}],
            "page_number": 0,
            "page_size": 2,
            "total_groups": 3,
        },
        lambda r: r.items[0].display_name == "Eng" and r.has_more and r.total == 3,
    ),
    (
        "scim group",
        lambda c: c.scim.fetch_group(ORG_ID, "g1", members_page_size=5),
        "GET",
        f"/scim/{ORG_ID}/groups/g1",
        {"members_page_size": "5", "members_page_number": "0"},
        None,
        {
            "group_id": "g1",
            "display_name": "Eng",
            "external_id_from_idp": None,
            "members": [{"user_id": USER_ID}],
        },
        lambda r: r.members[0].user_id == USER_ID and r.members_page_size == 5,
    ),
    (
        "chart",
        lambda c: c.reports.fetch_chart(
            ChartMetric.ACTIVE_USERS,
            cadence=ChartCadence.WEEKLY,
            start_date=datetime.date(2026, 1, 1),
            end_date=datetime.date(2026, 2, 1),
        ),
        "GET",
        "/chart_metrics/active_users",
        {"cadence": "Weekly", "start_date": "2026-01-01", "end_date": "2026-02-01"},
        None,
        {
            "chart_type": "active_users",
            "cadence": "Weekly",
            "metrics": [{"date": "2026-01-01", "result": 4, "cadence_completed": True}],
        },
        lambda r: r.metrics[0].result == 4 and r.cadence == "Weekly",
    ),
]

REPORTS = [
    ("top_inviters", "/user_report/top_inviter", ReportInterval.SIXTY_DAYS, "60", REPORT_PAGE),
    ("champions", "/user_report/champion", ReportInterval.NINETY_DAYS, "90", REPORT_PAGE),
    ("user_churn", "/user_report/churn", ChurnInterval.FOURTEEN_DAYS, "14", REPORT_PAGE),
    (
        "user_reengagement",
        "/user_report/reengagement",
        ReengagementInterval.MONTHLY,
        "Monthly",
        REPORT_PAGE,
    ),
    ("org_churn", "/org_report/churn", ChurnInterval.SEVEN_DAYS, "7", ORG_REPORT_PAGE),
    (
        "org_reengagement",
        "/org_report/reengagement",
        ReengagementInterval.WEEKLY,
        "Weekly",
        ORG_REPORT_PAGE,
    ),
    ("org_growth", "/org_report/growth", ReportInterval.THIRTY_DAYS, "30", ORG_REPORT_PAGE),
    ("org_attrition", "/org_report/attrition", ReportInterval.SIXTY_DAYS, "60", ORG_REPORT_PAGE),
]


@pytest.mark.parametrize(
    ("call", "method", "path", "query", "body", "answer", "check"),
    [c[1:] for c in WIRE],
    ids=[c[0] for c in WIRE],
)
async def test_wire(
    api: respx.MockRouter,
    client: AsyncPropelAuth,
    call: Call,
    method: str,
    path: str,
    query: dict[str, str],
    body: Any,
    answer: Any,
    check: Callable[[Any], bool],
) -> None:
    await check_wire(api, client, call, method, path, query, body, answer, check)


@pytest.mark.parametrize(
    ("name", "path", "interval", "wire", "answer"), REPORTS, ids=[r[0] for r in REPORTS]
)
async def test_reports(
    api: respx.MockRouter,
    client: AsyncPropelAuth,
    name: str,
    path: str,
    interval: Any,
    wire: str,
    answer: Any,
) -> None:
    route = api.get(path).respond(json=answer)
    page = await getattr(client.reports, name).query(report_interval=interval, page_size=10)
    assert dict(route.calls.last.request.url.params) == {
        "page_size": "10",  # given; page_number was not, so it is not sent
        "report_interval": wire,
    }
    assert page.total == 1
    assert page.generated_at == 1700000000
    walked = [r async for r in getattr(client.reports, name).iter(report_interval=interval)]
    assert len(walked) == 1
    with pytest.raises(InvalidArgumentError, match="report_interval"):
        await getattr(client.reports, name).query(report_interval="45")


async def test_missing_things_are_none(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    api.get(f"/end_user_api_keys/{KEY_ID}").respond(404)
    api.get(f"/employee/{USER_ID}").respond(404)
    api.get(f"/scim/{ORG_ID}/groups/g9").respond(404)
    assert await client.api_keys.fetch(KEY_ID) is None
    assert await client.employees.fetch(USER_ID) is None
    assert await client.scim.fetch_group(ORG_ID, "g9") is None


async def test_access_token_status_mapping(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    route = api.post("/access_token").respond(403, json={})
    with pytest.raises(UserNotFoundError):
        await client.access_tokens.create(USER_ID, duration_in_minutes=5)
    route.respond(404, text="Not Found")
    with pytest.raises(FeatureNotEnabledError, match="not enabled"):
        await client.access_tokens.create(USER_ID, duration_in_minutes=5)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (404, {"error_code": "user_not_found"}, UserNotFoundError),
        (400, {"error_code": "mfa_not_enabled"}, MfaNotEnabledError),
        (400, {"error_code": "incorrect_mfa_code"}, IncorrectMfaCodeError),
        (403, {"error_code": "feature_gated"}, FeatureNotEnabledError),
        (
            400,
            {"error_code": "invalid_request_fields", "field_to_errors": {"code": ["bad"]}},
            BadRequestError,
        ),
    ],
)
async def test_step_up_error_codes(
    api: respx.MockRouter, client: AsyncPropelAuth, status: int, body: Any, error: type[Exception]
) -> None:
    api.post("/mfa/step-up/verify-totp").respond(status, json=body)
    with pytest.raises(error) as info:
        await client.mfa.verify_totp(
            action_type="a",
            user_id=USER_ID,
            code="1",
            grant_type="ONE_TIME_USE",
            valid_for_seconds=5,
        )
    if error is BadRequestError:
        assert info.value.field_errors == {"code": ["bad"]}  # type: ignore[attr-defined]


@pytest.mark.parametrize("key", ["field_errors", "user_facing_errors"])
async def test_step_up_fields_under_each_key(
    api: respx.MockRouter, client: AsyncPropelAuth, key: str
) -> None:
    api.post("/mfa/step-up/phone/send").respond(
        400, json={"error_code": "invalid_request_fields", key: {"mfa_phone_id": "Unknown phone"}}
    )
    with pytest.raises(BadRequestError) as info:
        await client.mfa.send_sms_code(
            action_type="a",
            user_id=USER_ID,
            mfa_phone_id="p",
            grant_type="ONE_TIME_USE",
            valid_for_seconds=5,
        )
    assert info.value.field_errors == {"mfa_phone_id": ["Unknown phone"]}


async def test_missing_grant_is_false_not_an_error(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    api.post("/mfa/step-up/verify-grant").respond(
        400,
        json={"error_code": "invalid_request_fields", "field_errors": {"grant": "grant_not_found"}},
    )
    assert await client.mfa.verify_grant(action_type="a", user_id=USER_ID, grant="g") is False


async def test_wrong_kind_of_key(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    api.post("/end_user_api_keys/validate").respond(json={"metadata": {}, "org": ORG_FROM_KEY})
    with pytest.raises(BadRequestError, match="personal"):
        await client.api_keys.validate_personal("tok")
    api.post("/end_user_api_keys/validate").respond(json={"metadata": {}, "user": user_json()})
    with pytest.raises(BadRequestError, match="org"):
        await client.api_keys.validate_org("tok")


async def test_end_user_key_429_lands_on_rate_limit_error(api: respx.MockRouter) -> None:
    api.post("/end_user_api_keys/validate").respond(
        429,
        json={
            "wait_seconds": 300,
            "user_facing_error": "Too many validations",
            "error_code": "rate_limited",
        },
    )
    async with AsyncPropelAuth("https://auth.example.com", "k") as client:
        with pytest.raises(RateLimitError) as info:
            await client.api_keys.validate("tok")
    assert info.value.retry_after == 300
    assert info.value.user_facing_error == "Too many validations"
    assert info.value.error_code == "rate_limited"


async def test_scim_member_pager(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    members = [f"00000000-0000-4000-8000-{i:012d}" for i in range(5)]

    def answer(request: httpx.Request) -> httpx.Response:
        size = int(request.url.params["members_page_size"])
        number = int(request.url.params["members_page_number"])
        chunk = members[number * size : (number + 1) * size]
        return httpx.Response(
            200,
            json={"group_id": "g", "members": [{"user_id": m} for m in chunk], "total_members": 5},
        )

    api.get(f"/scim/{ORG_ID}/groups/g").mock(side_effect=answer)
    assert [
        m.user_id async for m in client.scim.iter_group_members(ORG_ID, "g", page_size=2)
    ] == members


BAD: list[tuple[str, Call]] = [
    ("expires_in_hours", lambda c: c.magic_links.create(email="a@b.io", expires_in_hours=0)),
    ("expires_in_hours", lambda c: c.magic_links.create(email="a@b.io", expires_in_hours=169)),
    ("email", lambda c: c.magic_links.create(email="nope")),
    (
        "user_signup_query_parameters",
        lambda c: c.magic_links.create(email="a@b.io", user_signup_query_parameters={"a": 1}),
    ),  # type: ignore[dict-item]
    ("duration_in_minutes", lambda c: c.access_tokens.create(USER_ID, duration_in_minutes=0)),
    ("duration_in_minutes", lambda c: c.access_tokens.create(USER_ID, duration_in_minutes=1441)),
    ("user_id", lambda c: c.access_tokens.create("x", duration_in_minutes=5)),
    (
        "active_org_id",
        lambda c: c.access_tokens.create(USER_ID, duration_in_minutes=5, active_org_id="acme"),
    ),
    ("email", lambda c: c.migration.migrate_user(email="", email_confirmed=True)),
    (
        "password_hash_type",
        lambda c: c.migration.migrate_password(
            user_id=USER_ID, password_hash="h", password_hash_type="md5"
        ),
    ),
    ("password_hash", lambda c: c.migration.migrate_password(user_id=USER_ID, password_hash="")),
    ("api_key_id", lambda c: c.api_keys.fetch("not-hex!")),
    ("api_key_id", lambda c: c.api_keys.fetch(USER_ID)),
    ("api_key_id", lambda c: c.api_keys.delete("")),
    ("never_expire", lambda c: c.api_keys.update(KEY_ID, expires_at_seconds=5, never_expire=True)),
    ("expires_at_seconds", lambda c: c.api_keys.create(user_id=USER_ID, expires_at_seconds=0)),
    ("api_key_token", lambda c: c.api_keys.validate("Bearer   ")),
    ("api_key_type", lambda c: c.api_keys.query_current(api_key_type=" ")),
    ("page_size", lambda c: c.api_keys.query_current(page_size=0)),
    ("date", lambda c: c.api_keys.fetch_usage("yesterday")),
    (
        "grant_type",
        lambda c: c.mfa.verify_totp(
            action_type="a", user_id=USER_ID, code="1", grant_type="FOREVER", valid_for_seconds=5
        ),
    ),
    (
        "valid_for_seconds",
        lambda c: c.mfa.verify_totp(
            action_type="a",
            user_id=USER_ID,
            code="1",
            grant_type="ONE_TIME_USE",
            valid_for_seconds=0,
        ),
    ),
    ("action_type", lambda c: c.mfa.verify_grant(action_type="", user_id=USER_ID, grant="g")),
    ("metric", lambda c: c.reports.fetch_chart("revenue")),
    ("cadence", lambda c: c.reports.fetch_chart("signups", cadence="Hourly")),
    (
        "start_date",
        lambda c: c.reports.fetch_chart(
            "signups", start_date=datetime.date(2026, 2, 1), end_date=datetime.date(2026, 1, 1)
        ),
    ),
    ("report_interval", lambda c: c.reports.user_churn.query(report_interval="90")),  # type: ignore[arg-type]
    ("org_id", lambda c: c.scim.query_groups("acme")),
    ("members_page_size", lambda c: c.scim.fetch_group(ORG_ID, "g", members_page_size=0)),
    ("employee_id", lambda c: c.employees.fetch("bob")),
]


@pytest.mark.parametrize(("parameter", "call"), BAD)
async def test_bad_input_refused_before_sending(
    api: respx.MockRouter, client: AsyncPropelAuth, parameter: str, call: Call
) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        await call(client)
    assert info.value.parameter == parameter
    assert not api.calls
