"""Magic links, migration, API keys, step-up MFA, reports, SCIM and employees end to end against
the served emulator."""

from __future__ import annotations

import datetime
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from propelauth_async import (
    AsyncPropelAuth,
    BadRequestError,
    ChurnInterval,
    FeatureNotEnabledError,
    IncorrectMfaCodeError,
    MfaNotEnabledError,
    NotFoundError,
    UserNotFoundError,
)
from propelauth_async.testing import Emulator, serve_emulator

DAY = 86400


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with serve_emulator() as emulator:
        yield emulator


@pytest_asyncio.fixture
async def client(emu: Emulator) -> AsyncIterator[AsyncPropelAuth]:
    async with emu.client() as c:
        yield c


async def test_magic_links(emu: Emulator, client: AsyncPropelAuth) -> None:
    existing = emu.add_user("ada@x.io")
    link = await client.magic_links.create(
        email="ada@x.io", expires_in_hours=2, redirect_to_url="https://app.x.io/welcome"
    )
    recorded = emu.magic_links[-1]
    assert recorded["user_id"] == existing
    assert link.url.endswith(recorded["code"])  # the URL embeds the one-time code
    await client.magic_links.create(email="new@x.io", user_signup_query_parameters={"ref": "ml"})
    new_user = await client.users.fetch_by_email("new@x.io")
    assert new_user is not None
    assert await client.users.fetch_signup_query_params(new_user.user_id) == {"ref": "ml"}
    with pytest.raises(BadRequestError):
        await client.magic_links.create(
            email="ghost@x.io", create_new_user_if_one_doesnt_exist=False
        )


async def test_migration(emu: Emulator, client: AsyncPropelAuth) -> None:
    created = await client.migration.migrate_user(
        email="old@x.io",
        email_confirmed=True,
        existing_user_id="legacy-9",
        existing_password_hash="$2b$12$abc",
        existing_mfa_base32_encoded_secret="JBSWY3DPEHPK3PXP",
        ask_user_to_update_password_on_login=True,
        first_name="Old",
        properties={"plan": "pro"},
    )
    user = await client.users.fetch(created.user_id)
    assert user is not None
    assert (user.legacy_user_id, user.has_password, user.mfa_enabled) == ("legacy-9", True, True)
    assert (user.update_password_required, user.properties) == (True, {"plan": "pro"})
    plain = emu.add_user("plain@x.io")
    await client.migration.migrate_password(
        user_id=plain, password_hash="$argon2id$v=19$x", password_hash_type="argon2"
    )
    assert emu.user_record(plain).password_hash_type == "argon2"
    with pytest.raises(NotFoundError):
        await client.migration.migrate_password(
            user_id="00000000-0000-4000-8000-000000000000", password_hash="h"
        )


async def test_api_keys_lifecycle(emu: Emulator, client: AsyncPropelAuth) -> None:
    org = emu.add_org("Acme")
    user = emu.add_user("ada@x.io")
    emu.add_member(org, user, "Admin")
    personal = await client.api_keys.create(user_id=user, display_name="laptop")
    org_key = await client.api_keys.create(org_id=org, user_id=user, metadata={"ci": True})
    expiring = await client.api_keys.create(user_id=user, expires_at_seconds=int(time.time()) + 60)

    seen = await client.api_keys.validate(f"Bearer {personal.api_key_token}")
    assert seen.user is not None
    assert (seen.user.user_id, seen.org) == (user, None)
    assert (
        await client.api_keys.validate_personal(personal.api_key_token)
    ).user.email == "ada@x.io"
    org_seen = await client.api_keys.validate_org(org_key.api_key_token)
    assert (org_seen.org.org_id, org_seen.metadata) == (org, {"ci": True})
    assert org_seen.user_in_org is not None
    assert org_seen.user_in_org.user_role == "Admin"
    with pytest.raises(BadRequestError):
        await client.api_keys.validate_org(personal.api_key_token)
    with pytest.raises(NotFoundError):
        await client.api_keys.validate("api_not_a_real_key")

    current = [k.api_key_id async for k in client.api_keys.iter_current(user_id=user, page_size=2)]
    assert sorted(current) == sorted([personal.api_key_id, org_key.api_key_id, expiring.api_key_id])
    only_org = await client.api_keys.query_current(api_key_type="org")
    assert [k.api_key_id for k in only_org.items] == [org_key.api_key_id]
    by_email = await client.api_keys.query_current(user_email="ada@x.io")
    assert by_email.total == 3

    await client.api_keys.update(expiring.api_key_id, expires_at_seconds=int(time.time()) - 10)
    with pytest.raises(BadRequestError, match="expired"):
        await client.api_keys.validate(expiring.api_key_token)
    await client.api_keys.update(expiring.api_key_id, never_expire=True, metadata={"n": 1})
    fetched = await client.api_keys.fetch(expiring.api_key_id)
    assert fetched is not None
    assert (fetched.expires_at_seconds, fetched.metadata) == (None, {"n": 1})

    await client.api_keys.delete(personal.api_key_id)
    with pytest.raises(NotFoundError):
        await client.api_keys.validate(personal.api_key_token)
    archived = await client.api_keys.query_archived()
    assert [k.api_key_id for k in archived.items] == [personal.api_key_id]
    assert [k.api_key_id async for k in client.api_keys.iter_archived(user_id=user)] == [
        personal.api_key_id
    ]
    with pytest.raises(NotFoundError):
        await client.api_keys.delete(personal.api_key_id)

    imported = await client.api_keys.import_key(api_key_token="legacy_secret", user_id=user)
    assert (await client.api_keys.validate_imported("legacy_secret")).user is not None
    assert imported.api_key_id
    today = datetime.date.today()
    # five validations reached the server (validate_org on a personal key counts, then fails here)
    assert await client.api_keys.fetch_usage(today, user_id=user) == 5
    assert await client.api_keys.fetch_usage(today, api_key_id=org_key.api_key_id) == 1
    assert await client.api_keys.fetch_usage(today - datetime.timedelta(days=1)) == 0
    assert await client.api_keys.fetch("ffff") is None


async def test_step_up_totp_and_grants(emu: Emulator, client: AsyncPropelAuth) -> None:
    user = emu.add_user("ada@x.io", mfa_enabled=True, mfa_totp=True)
    plain = emu.add_user("plain@x.io")
    code = emu.totp_code(user)
    with pytest.raises(IncorrectMfaCodeError):
        await client.mfa.verify_totp(
            action_type="delete",
            user_id=user,
            code="000000" if code != "000000" else "111111",
            grant_type="ONE_TIME_USE",
            valid_for_seconds=60,
        )
    with pytest.raises(MfaNotEnabledError):
        await client.mfa.verify_totp(
            action_type="delete",
            user_id=plain,
            code=code,
            grant_type="ONE_TIME_USE",
            valid_for_seconds=60,
        )
    with pytest.raises(UserNotFoundError):
        await client.mfa.verify_totp(
            action_type="delete",
            user_id="00000000-0000-4000-8000-000000000000",
            code=code,
            grant_type="ONE_TIME_USE",
            valid_for_seconds=60,
        )
    grant = await client.mfa.verify_totp(
        action_type="delete",
        user_id=user,
        code=code,
        grant_type="ONE_TIME_USE",
        valid_for_seconds=60,
    )
    assert (
        await client.mfa.verify_grant(action_type="other", user_id=user, grant=grant.step_up_grant)
        is False
    )
    assert (
        await client.mfa.verify_grant(action_type="delete", user_id=user, grant=grant.step_up_grant)
        is True
    )
    assert (
        await client.mfa.verify_grant(action_type="delete", user_id=user, grant=grant.step_up_grant)
        is False
    )  # used up
    lasting = await client.mfa.verify_totp(
        action_type="export", user_id=user, code=code, grant_type="TIME_BASED", valid_for_seconds=60
    )
    for _ in range(2):
        assert await client.mfa.verify_grant(
            action_type="export", user_id=user, grant=lasting.step_up_grant
        )


async def test_step_up_sms(emu: Emulator, client: AsyncPropelAuth) -> None:
    user = emu.add_user("ada@x.io")
    phone = emu.add_mfa_phone(user, "4242")
    methods = await client.users.fetch_mfa_methods(user)
    assert methods is not None
    assert methods.phone_numbers[0].mfa_phone_number_suffix == "4242"
    with pytest.raises(BadRequestError) as info:
        await client.mfa.send_sms_code(
            action_type="pay",
            user_id=user,
            mfa_phone_id="nope",
            grant_type="ONE_TIME_USE",
            valid_for_seconds=60,
        )
    assert "mfa_phone_id" in info.value.field_errors
    challenge = await client.mfa.send_sms_code(
        action_type="pay",
        user_id=user,
        mfa_phone_id=phone,
        grant_type="ONE_TIME_USE",
        valid_for_seconds=60,
    )
    code = emu.sms_code(challenge.challenge_id)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(IncorrectMfaCodeError):
        await client.mfa.verify_sms(challenge_id=challenge.challenge_id, user_id=user, code=wrong)
    grant = await client.mfa.verify_sms(
        challenge_id=challenge.challenge_id, user_id=user, code=code
    )
    assert await client.mfa.verify_grant(action_type="pay", user_id=user, grant=grant.step_up_grant)
    emu.step_up_mfa_enabled = False
    with pytest.raises(FeatureNotEnabledError):
        await client.mfa.send_sms_code(
            action_type="pay",
            user_id=user,
            mfa_phone_id=phone,
            grant_type="ONE_TIME_USE",
            valid_for_seconds=60,
        )


async def test_reports_follow_the_emulators_users_and_orgs(
    emu: Emulator, client: AsyncPropelAuth
) -> None:
    now = int(time.time())
    active = emu.add_user("active@x.io", last_active_at=now - DAY, created_at=now - 40 * DAY)
    churned = emu.add_user("gone@x.io", last_active_at=now - 40 * DAY)
    inviter = emu.add_user("inviter@x.io", invites_sent=5)
    emu.add_user("never@x.io")
    busy, quiet = emu.add_org("Busy"), emu.add_org("Quiet")
    emu.add_member(busy, active)
    emu.add_member(quiet, churned)

    champions = await client.reports.champions.query()
    assert [r.user_id for r in champions.items] == [active]
    assert champions.generated_at is not None
    assert [
        r.user_id
        for r in (
            await client.reports.user_churn.query(report_interval=ChurnInterval.FOURTEEN_DAYS)
        ).items
    ] == [churned]
    assert [r.user_id for r in (await client.reports.top_inviters.query()).items] == [inviter]
    assert [r.user_id async for r in client.reports.user_reengagement.iter()] == [active]
    org_churn = await client.reports.org_churn.query(report_interval=ChurnInterval.FOURTEEN_DAYS)
    assert [(r.org_id, r.num_users) for r in org_churn.items] == [(quiet, 1)]
    assert {r.org_id for r in (await client.reports.org_growth.query()).items} == {busy, quiet}
    assert [r.org_id for r in (await client.reports.org_attrition.query()).items] == [quiet]
    assert (await client.reports.org_reengagement.query()).items == ()

    today = datetime.date.today()
    chart = await client.reports.fetch_chart(
        "signups", cadence="Daily", start_date=today - datetime.timedelta(days=2), end_date=today
    )
    assert chart.chart_type == "signups"
    assert [p.result for p in chart.metrics][-1] == 3  # one of the four signed up 40 days ago
    active_users = await client.reports.fetch_chart(
        "active_users",
        start_date=today - datetime.timedelta(days=30),
        end_date=today,
        cadence="Monthly",
    )
    assert sum(p.result for p in active_users.metrics) == 1  # the other was last seen 40 days ago


async def test_scim_and_employees(emu: Emulator, client: AsyncPropelAuth) -> None:
    org = emu.add_org("Acme")
    users = [emu.add_user(f"u{i}@x.io") for i in range(5)]
    eng = emu.add_scim_group(org, "Engineering", users, external_id="okta-eng")
    emu.add_scim_group(org, "Sales", users[:1])
    groups = await client.scim.query_groups(org)
    assert [g.display_name for g in groups.items] == ["Engineering", "Sales"]
    assert (groups.total, groups.has_more) == (2, False)
    mine = [g.group_id async for g in client.scim.iter_groups(org, user_id=users[4], page_size=1)]
    assert mine == [eng]
    group = await client.scim.fetch_group(org, eng, members_page_size=2, members_page_number=1)
    assert group is not None
    assert [m.user_id for m in group.members] == users[2:4]
    assert group.members_total == 5
    assert [m.user_id async for m in client.scim.iter_group_members(org, eng, page_size=2)] == users
    assert await client.scim.fetch_group(org, "missing") is None
    with pytest.raises(NotFoundError):
        await client.scim.query_groups("00000000-0000-4000-8000-000000000000")
    employee = emu.add_employee("support@propelauth.example")
    found = await client.employees.fetch(employee)
    assert found is not None
    assert found.email == "support@propelauth.example"
    assert await client.employees.fetch("00000000-0000-4000-8000-000000000000") is None
