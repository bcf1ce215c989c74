"""One row per coroutine method of the official ``propelauth_py.AsyncAuth``: the official call
with plausible arguments, and ours, for ``test_emulator_wire`` to run against one seeded emulator
and compare what each sent.

A row may list the differences it allows (:class:`Allowed`); each is one of the deliberate
differences docs/operations.md lists, and the test checks it is still needed.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from propelauth_async import AsyncPropelAuth
from propelauth_async.models.api_keys import ApiKeyType
from propelauth_async.models.flows import StepUpGrantType
from propelauth_async.models.orgs import (
    OktaOidcIdp,
    OrgOrderBy,
    SamlIdpProvider,
)
from propelauth_async.models.reports import ChurnInterval, ReengagementInterval, ReportInterval
from propelauth_async.models.users import SocialProvider, UserOrderBy
from propelauth_async.testing import Emulator

Sent = tuple[str, str, dict[str, str], Any]  # method, path, query, JSON body


@attrs.frozen
class Seeded:
    """Ids of what every row starts from (restored before each call, so the same for both)."""

    user_id: str  # ada, an Admin of org_id, with a username, an MFA phone and TOTP
    other_user_id: str  # bob, in no org
    org_id: str
    employee_id: str
    group_id: str
    phone_id: str
    challenge_id: str
    sms_code: str
    totp_code: str
    grant: str
    personal_key_id: str
    personal_key: str
    org_key_id: str
    org_key: str
    imported_key: str


@attrs.frozen
class Allowed:
    """A deliberate difference: ``official`` rewrites what the official library sent into what
    we send. ``why`` names the entry in docs/operations.md."""

    why: str
    official: Callable[[Sent], Sent]


def _body(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Sent], Sent]:
    return lambda sent: (sent[0], sent[1], sent[2], change(dict(sent[3])))


# docs/operations.md, fetch_batch_user_metadata_by_user_ids: "any number of keys, chunked,
# duplicates sent once". The official library sends the list as given.
DUPLICATES_SENT_ONCE = Allowed(
    "fetch_batch_user_metadata_by_user_ids: duplicates sent once",
    _body(lambda b: {**b, "user_ids": list(dict.fromkeys(b["user_ids"]))}),
)


# docs/operations.md, update_api_key: "UNSET leaves a field alone" -- any other value, an empty
# metadata included, is sent, so a caller can clear a key's metadata. The official library drops
# falsy fields ("truthy-only" in the wire record), so it cannot.
EMPTY_METADATA_IS_SENT = Allowed(
    "update_api_key: UNSET leaves a field alone; an empty metadata is sent",
    _body(lambda b: {**b, "metadata": {}}),
)


@attrs.frozen
class Pair:
    """``official`` names the AsyncAuth method; ``case`` tells apart rows for the same one."""

    official: str
    theirs: Callable[[Any, Seeded], Awaitable[Any]]
    ours: Callable[[AsyncPropelAuth, Seeded], Awaitable[Any]]
    allowed: tuple[Allowed, ...] = ()
    case: str = ""

    @property
    def label(self) -> str:
        return f"{self.official} ({self.case})" if self.case else self.official


async def seed(emu: Emulator, ours: AsyncPropelAuth) -> Seeded:
    """Everything a row needs, made once; the caller snapshots the emulator after this."""
    org_id = emu.add_org("Acme", domain="acme.io")
    user_id = emu.add_user("ada@acme.io", username="ada", first_name="Ada")
    other = emu.add_user("bob@example.com", username="bob", email_confirmed=False)
    emu.add_member(org_id, user_id, "Admin")
    emu.user_record(user_id).oauth_tokens["github"] = {
        "token_provider": "github",
        "access_token": "gho_old",
        "refresh_token": None,
        "token_expiration": 4_102_444_800,
        "authorized_scopes": ["repo"],
    }
    emu.add_role_mapping("Enterprise", emu.state.roles)
    emu.step_up_mfa_enabled = True
    phone_id = emu.add_mfa_phone(user_id)
    await ours.invites.invite_by_email(email="carol@acme.io", org_id=org_id, role="Member")
    challenge = await ours.mfa.send_sms_code(
        action_type="delete",
        user_id=user_id,
        mfa_phone_id=phone_id,
        grant_type=StepUpGrantType.ONE_TIME_USE,
        valid_for_seconds=300,
    )
    grant = await ours.mfa.verify_totp(
        action_type="delete",
        user_id=user_id,
        code=emu.totp_code(user_id),
        grant_type=StepUpGrantType.TIME_BASED,
        valid_for_seconds=300,
    )
    await ours.orgs.set_saml_idp_metadata(
        org_id,
        idp_entity_id="https://idp.acme.io",
        idp_sso_url="https://idp.acme.io/sso",
        idp_certificate="MIIC...",
        provider=SamlIdpProvider.OKTA,
    )
    personal = await ours.api_keys.create(user_id=user_id)
    org_key = await ours.api_keys.create(org_id=org_id)
    imported = "imported_0123456789abcdef"
    await ours.api_keys.import_key(api_key_token=imported, user_id=user_id)
    return Seeded(
        user_id=user_id,
        other_user_id=other,
        org_id=org_id,
        employee_id=emu.add_employee("staff@propelauth.com"),
        group_id=emu.add_scim_group(org_id, "Engineering", [user_id]),
        phone_id=phone_id,
        challenge_id=challenge.challenge_id,
        sms_code=emu.sms_code(challenge.challenge_id),
        totp_code=emu.totp_code(user_id),
        grant=grant.step_up_grant,
        personal_key_id=personal.api_key_id,
        personal_key=personal.api_key_token,
        org_key_id=org_key.api_key_id,
        org_key=org_key.api_key_token,
        imported_key=imported,
    )


def _reports() -> list[Pair]:
    from propelauth_py.types import user_insights as ui

    rows = [
        (
            "fetch_user_top_inviter_report",
            "top_inviters",
            ui.TopInviterReportInterval,
            ReportInterval,
        ),
        ("fetch_user_champion_report", "champions", ui.ChampionReportInterval, ReportInterval),
        ("fetch_user_churn_report", "user_churn", ui.ChurnReportInterval, ChurnInterval),
        (
            "fetch_user_reengagement_report",
            "user_reengagement",
            ui.ReengagementReportInterval,
            ReengagementInterval,
        ),
        ("fetch_org_churn_report", "org_churn", ui.ChurnReportInterval, ChurnInterval),
        (
            "fetch_org_reengagement_report",
            "org_reengagement",
            ui.ReengagementReportInterval,
            ReengagementInterval,
        ),
        ("fetch_org_growth_report", "org_growth", ui.GrowthReportInterval, ReportInterval),
        ("fetch_org_attrition_report", "org_attrition", ui.AttritionReportInterval, ReportInterval),
    ]
    paged = [
        Pair(
            official,
            lambda o, s, name=official, interval=theirs_enum: getattr(o, name)(
                report_interval=list(interval)[-1], page_size=5, page_number=1
            ),
            lambda c, s, name=ours, interval=ours_enum: getattr(c.reports, name).query(
                report_interval=list(interval)[-1], page_size=5, page_number=1
            ),
        )
        for official, ours, theirs_enum, ours_enum in rows
    ]
    # No paging arguments: neither sends page_size / page_number (the server's defaults apply).
    defaults = [
        Pair(
            official,
            lambda o, s, name=official: getattr(o, name)(),
            lambda c, s, name=ours: getattr(c.reports, name).query(),
            case="no arguments",
        )
        for official, ours, _, _ in rows
    ]
    return paged + defaults


def _official_saml(s: Seeded) -> Any:
    from propelauth_py.types.saml_types import SamlIdpMetadata

    return SamlIdpMetadata("https://idp.acme.io", "https://idp.acme.io/sso", "MIIC...", "Okta")


def _official_oidc(s: Seeded) -> Any:
    from propelauth_py.types.saml_types import SetOktaOidcMetadataRequest

    return SetOktaOidcMetadataRequest(
        org_id=s.org_id,
        client_id="cid",
        client_secret="csecret",
        uses_pkce=True,
        idp_type="Okta",
        okta_sso_domain="acme.okta.com",
    )


def _grant_type() -> Any:
    from propelauth_py.types.step_up_mfa import StepUpMfaGrantType

    return StepUpMfaGrantType.TIME_BASED


def _chart() -> tuple[Any, Any]:
    from propelauth_py.types.user_insights import ChartMetric, ChartMetricCadence

    return ChartMetric.ACTIVE_USERS, ChartMetricCadence.WEEKLY


def _order(kind: str) -> Any:
    from propelauth_py import api

    return getattr(api, kind).NAME if kind == "OrgQueryOrderBy" else api.UserQueryOrderBy.EMAIL


DAY = datetime.date(2026, 11, 1)

PAIRS: list[Pair] = [
    *_reports(),
    # Users ----------------------------------------------------------------------------------
    Pair(
        "fetch_user_metadata_by_user_id",
        lambda o, s: o.fetch_user_metadata_by_user_id(s.user_id, include_orgs=True),
        lambda c, s: c.users.fetch(s.user_id, include_orgs=True),
    ),
    Pair(
        "fetch_user_metadata_by_email",
        lambda o, s: o.fetch_user_metadata_by_email("ada@acme.io", include_orgs=True),
        lambda c, s: c.users.fetch_by_email("ada@acme.io", include_orgs=True),
    ),
    Pair(
        "fetch_user_metadata_by_username",
        lambda o, s: o.fetch_user_metadata_by_username("ada"),
        lambda c, s: c.users.fetch_by_username("ada"),
    ),
    Pair(
        "fetch_batch_user_metadata_by_user_ids",
        lambda o, s: o.fetch_batch_user_metadata_by_user_ids(
            [s.user_id, s.other_user_id], include_orgs=True
        ),
        lambda c, s: c.users.fetch_batch_by_ids([s.user_id, s.other_user_id], include_orgs=True),
    ),
    Pair(
        "fetch_batch_user_metadata_by_user_ids",
        lambda o, s: o.fetch_batch_user_metadata_by_user_ids(
            [s.user_id, s.other_user_id, s.user_id]
        ),
        lambda c, s: c.users.fetch_batch_by_ids([s.user_id, s.other_user_id, s.user_id]),
        allowed=(DUPLICATES_SENT_ONCE,),
        case="a duplicate id",
    ),
    Pair(
        "fetch_batch_user_metadata_by_emails",
        lambda o, s: o.fetch_batch_user_metadata_by_emails(["ada@acme.io", "bob@example.com"]),
        lambda c, s: c.users.fetch_batch_by_emails(["ada@acme.io", "bob@example.com"]),
    ),
    Pair(
        "fetch_batch_user_metadata_by_usernames",
        lambda o, s: o.fetch_batch_user_metadata_by_usernames(["ada", "bob"], include_orgs=True),
        lambda c, s: c.users.fetch_batch_by_usernames(["ada", "bob"], include_orgs=True),
    ),
    Pair(
        "fetch_users_by_query",
        lambda o, s: o.fetch_users_by_query(
            page_size=5,
            page_number=0,
            order_by=_order("UserQueryOrderBy"),
            email_or_username="ada",
            include_orgs=True,
        ),
        lambda c, s: c.users.query(
            page_size=5,
            page_number=0,
            order_by=UserOrderBy.EMAIL,
            email_or_username="ada",
            include_orgs=True,
        ),
    ),
    Pair(
        "fetch_users_in_org",
        lambda o, s: o.fetch_users_in_org(s.org_id, page_size=5, include_orgs=True, role="Admin"),
        lambda c, s: c.users.query_in_org(s.org_id, page_size=5, include_orgs=True, role="Admin"),
    ),
    Pair(
        "fetch_user_signup_query_params_by_user_id",
        lambda o, s: o.fetch_user_signup_query_params_by_user_id(s.user_id),
        lambda c, s: c.users.fetch_signup_query_params(s.user_id),
    ),
    Pair(
        "fetch_user_mfa_methods",
        lambda o, s: o.fetch_user_mfa_methods(s.user_id),
        lambda c, s: c.users.fetch_mfa_methods(s.user_id),
    ),
    Pair(
        "fetch_user_oauth_tokens",
        lambda o, s: o.fetch_user_oauth_tokens(s.user_id),
        lambda c, s: c.users.fetch_oauth_tokens(s.user_id),
    ),
    Pair(
        "fetch_fresh_token_from_provider",
        lambda o, s: o.fetch_fresh_token_from_provider(s.user_id, "github"),
        lambda c, s: c.users.fetch_fresh_provider_token(s.user_id, SocialProvider.GITHUB),
    ),
    Pair(
        "create_user",
        lambda o, s: o.create_user(
            "dan@acme.io",
            email_confirmed=True,
            send_email_to_confirm_email_address=False,
            password="correct horse battery",
            username="dan",
            first_name="Dan",
            last_name="Ng",
            properties={"plan": "pro"},
        ),
        lambda c, s: c.users.create(
            email="dan@acme.io",
            email_confirmed=True,
            send_email_to_confirm_email_address=False,
            password="correct horse battery",
            username="dan",
            first_name="Dan",
            last_name="Ng",
            properties={"plan": "pro"},
        ),
    ),
    Pair(
        "update_user_metadata",
        lambda o, s: o.update_user_metadata(
            s.user_id, first_name="Augusta", metadata={"tier": 2}, update_password_required=True
        ),
        lambda c, s: c.users.update(
            s.user_id, first_name="Augusta", metadata={"tier": 2}, update_password_required=True
        ),
    ),
    Pair(
        "update_user_email",
        lambda o, s: o.update_user_email(s.user_id, "ada@new.io", False),
        lambda c, s: c.users.update_email(
            s.user_id, new_email="ada@new.io", require_email_confirmation=False
        ),
    ),
    Pair(
        "update_user_password",
        lambda o, s: o.update_user_password(s.user_id, "a long new password", True),
        lambda c, s: c.users.update_password(
            s.user_id, password="a long new password", ask_user_to_update_password_on_login=True
        ),
    ),
    Pair(
        "clear_user_password",
        lambda o, s: o.clear_user_password(s.user_id),
        lambda c, s: c.users.clear_password(s.user_id),
    ),
    Pair(
        "delete_user",
        lambda o, s: o.delete_user(s.other_user_id),
        lambda c, s: c.users.delete(s.other_user_id),
    ),
    Pair(
        "disable_user",
        lambda o, s: o.disable_user(s.user_id),
        lambda c, s: c.users.disable(s.user_id),
    ),
    Pair(
        "enable_user",
        lambda o, s: o.enable_user(s.user_id),
        lambda c, s: c.users.enable(s.user_id),
    ),
    Pair(
        "disable_user_2fa",
        lambda o, s: o.disable_user_2fa(s.user_id),
        lambda c, s: c.users.disable_2fa(s.user_id),
    ),
    Pair(
        "enable_user_can_create_orgs",
        lambda o, s: o.enable_user_can_create_orgs(s.user_id),
        lambda c, s: c.users.enable_can_create_orgs(s.user_id),
    ),
    Pair(
        "disable_user_can_create_orgs",
        lambda o, s: o.disable_user_can_create_orgs(s.user_id),
        lambda c, s: c.users.disable_can_create_orgs(s.user_id),
    ),
    Pair(
        "logout_all_user_sessions",
        lambda o, s: o.logout_all_user_sessions(s.user_id),
        lambda c, s: c.users.logout_all_sessions(s.user_id),
    ),
    Pair(
        "resend_email_confirmation",
        lambda o, s: o.resend_email_confirmation(s.other_user_id),
        lambda c, s: c.users.resend_email_confirmation(s.other_user_id),
    ),
    # Organizations ----------------------------------------------------------------------------
    Pair(
        "fetch_org",
        lambda o, s: o.fetch_org(s.org_id),
        lambda c, s: c.orgs.fetch(s.org_id),
    ),
    Pair(
        "fetch_org_by_query",
        lambda o, s: o.fetch_org_by_query(
            page_size=5, page_number=0, order_by=_order("OrgQueryOrderBy"), name="Acme"
        ),
        lambda c, s: c.orgs.query(
            page_size=5, page_number=0, order_by=OrgOrderBy.NAME, name="Acme"
        ),
    ),
    Pair(
        "create_org",
        lambda o, s: o.create_org(
            "Globex",
            enable_auto_joining_by_domain=True,
            members_must_have_matching_domain=True,
            domain="globex.io",
            max_users=20,
            custom_role_mapping_name="Enterprise",
            legacy_org_id="legacy-7",
        ),
        lambda c, s: c.orgs.create(
            "Globex",
            enable_auto_joining_by_domain=True,
            members_must_have_matching_domain=True,
            domain="globex.io",
            max_users=20,
            custom_role_mapping_name="Enterprise",
            legacy_org_id="legacy-7",
        ),
    ),
    Pair(
        "update_org_metadata",
        lambda o, s: o.update_org_metadata(
            s.org_id,
            name="Acme Inc",
            can_setup_saml=True,
            metadata={"region": "eu"},
            max_users=50,
            can_join_on_email_domain_match=True,
            members_must_have_email_domain_match=False,
            domain="acme.io",
            extra_domains=["acme.dev"],
            password_rotation_enabled=True,
            password_rotation_history_size=3,
            password_rotation_period=90,
        ),
        lambda c, s: c.orgs.update(
            s.org_id,
            name="Acme Inc",
            can_setup_saml=True,
            metadata={"region": "eu"},
            max_users=50,
            enable_auto_joining_by_domain=True,
            members_must_have_matching_domain=False,
            domain="acme.io",
            extra_domains=["acme.dev"],
            password_rotation_enabled=True,
            password_rotation_history_size=3,
            password_rotation_period=90,
        ),
    ),
    Pair(
        "subscribe_org_to_role_mapping",
        lambda o, s: o.subscribe_org_to_role_mapping(s.org_id, "Enterprise"),
        lambda c, s: c.orgs.subscribe_to_role_mapping(s.org_id, "Enterprise"),
    ),
    Pair(
        "delete_org",
        lambda o, s: o.delete_org(s.org_id),
        lambda c, s: c.orgs.delete(s.org_id),
    ),
    Pair(
        "add_user_to_org",
        lambda o, s: o.add_user_to_org(s.other_user_id, s.org_id, "Member"),
        lambda c, s: c.orgs.add_user(org_id=s.org_id, user_id=s.other_user_id, role="Member"),
    ),
    Pair(
        "remove_user_from_org",
        lambda o, s: o.remove_user_from_org(s.user_id, s.org_id),
        lambda c, s: c.orgs.remove_user(org_id=s.org_id, user_id=s.user_id),
    ),
    Pair(
        "change_user_role_in_org",
        lambda o, s: o.change_user_role_in_org(s.user_id, s.org_id, "Member"),
        lambda c, s: c.orgs.change_role(org_id=s.org_id, user_id=s.user_id, role="Member"),
    ),
    Pair(
        "allow_org_to_setup_saml_connection",
        lambda o, s: o.allow_org_to_setup_saml_connection(s.org_id),
        lambda c, s: c.orgs.allow_saml(s.org_id),
    ),
    Pair(
        "disallow_org_to_setup_saml_connection",
        lambda o, s: o.disallow_org_to_setup_saml_connection(s.org_id),
        lambda c, s: c.orgs.disallow_saml(s.org_id),
    ),
    Pair(
        "create_org_saml_connection_link",
        lambda o, s: o.create_org_saml_connection_link(s.org_id, expires_in_seconds=3600),
        lambda c, s: c.orgs.create_saml_connection_link(s.org_id, expires_in_seconds=3600),
    ),
    Pair(
        "fetch_saml_sp_metadata",
        lambda o, s: o.fetch_saml_sp_metadata(s.org_id),
        lambda c, s: c.orgs.fetch_saml_sp_metadata(s.org_id),
    ),
    Pair(
        "set_saml_idp_metadata",
        lambda o, s: o.set_saml_idp_metadata(s.org_id, _official_saml(s)),
        lambda c, s: c.orgs.set_saml_idp_metadata(
            s.org_id,
            idp_entity_id="https://idp.acme.io",
            idp_sso_url="https://idp.acme.io/sso",
            idp_certificate="MIIC...",
            provider=SamlIdpProvider.OKTA,
        ),
    ),
    Pair(
        "set_oidc_idp_metadata",
        lambda o, s: o.set_oidc_idp_metadata(_official_oidc(s)),
        lambda c, s: c.orgs.set_oidc_idp_metadata(
            s.org_id,
            client_id="cid",
            client_secret="csecret",
            uses_pkce=True,
            idp=OktaOidcIdp(okta_sso_domain="acme.okta.com"),
        ),
    ),
    Pair(
        "saml_go_live",
        lambda o, s: o.saml_go_live(s.org_id),
        lambda c, s: c.orgs.saml_go_live(s.org_id),
    ),
    Pair(
        "delete_saml_connection",
        lambda o, s: o.delete_saml_connection(s.org_id),
        lambda c, s: c.orgs.delete_saml_connection(s.org_id),
    ),
    # Invites and role mappings -----------------------------------------------------------------
    Pair(
        "invite_user_to_org",
        lambda o, s: o.invite_user_to_org("eve@acme.io", s.org_id, "Member"),
        lambda c, s: c.invites.invite_by_email(email="eve@acme.io", org_id=s.org_id, role="Member"),
    ),
    Pair(
        "invite_user_to_org_by_user_id",
        lambda o, s: o.invite_user_to_org_by_user_id(s.other_user_id, s.org_id, "Member"),
        lambda c, s: c.invites.invite_by_user_id(
            user_id=s.other_user_id, org_id=s.org_id, role="Member"
        ),
    ),
    Pair(
        "fetch_pending_invites",
        lambda o, s: o.fetch_pending_invites(page_number=0, page_size=5, org_id=s.org_id),
        lambda c, s: c.invites.query_pending(org_id=s.org_id, page_size=5, page_number=0),
    ),
    Pair(
        "revoke_pending_org_invite",
        lambda o, s: o.revoke_pending_org_invite(s.org_id, "carol@acme.io"),
        lambda c, s: c.invites.revoke(org_id=s.org_id, invitee_email="carol@acme.io"),
    ),
    Pair(
        "fetch_custom_role_mappings",
        lambda o, s: o.fetch_custom_role_mappings(),
        lambda c, s: c.role_mappings.fetch_all(),
    ),
    # Access tokens, magic links, migration ------------------------------------------------------
    Pair(
        "create_access_token",
        lambda o, s: o.create_access_token(s.user_id, 30, active_org_id=s.org_id),
        lambda c, s: c.access_tokens.create(
            s.user_id, duration_in_minutes=30, active_org_id=s.org_id
        ),
    ),
    Pair(
        "create_magic_link",
        lambda o, s: o.create_magic_link(
            "ada@acme.io",
            redirect_to_url="https://app.acme.io/welcome",
            expires_in_hours=24,
            create_new_user_if_one_doesnt_exist=False,
            user_signup_query_parameters={"ref": "mail"},
            expire_after_first_use=True,
            requires_interstitial=False,
        ),
        lambda c, s: c.magic_links.create(
            email="ada@acme.io",
            redirect_to_url="https://app.acme.io/welcome",
            expires_in_hours=24,
            create_new_user_if_one_doesnt_exist=False,
            user_signup_query_parameters={"ref": "mail"},
            expire_after_first_use=True,
            requires_interstitial=False,
        ),
    ),
    Pair(
        "migrate_user_from_external_source",
        lambda o, s: o.migrate_user_from_external_source(
            "fay@legacy.io", True, existing_user_id="legacy-42", first_name="Fay"
        ),
        lambda c, s: c.migration.migrate_user(
            email="fay@legacy.io",
            email_confirmed=True,
            existing_user_id="legacy-42",
            first_name="Fay",
        ),
    ),
    Pair(
        "migrate_user_password",
        lambda o, s: o.migrate_user_password(s.user_id, "$2b$12$abcdefghijklmnopqrstuv"),
        lambda c, s: c.migration.migrate_password(
            user_id=s.user_id, password_hash="$2b$12$abcdefghijklmnopqrstuv"
        ),
    ),
    # End-user API keys ---------------------------------------------------------------------------
    Pair(
        "fetch_api_key",
        lambda o, s: o.fetch_api_key(s.personal_key_id),
        lambda c, s: c.api_keys.fetch(s.personal_key_id),
    ),
    Pair(
        "fetch_current_api_keys",
        lambda o, s: o.fetch_current_api_keys(
            org_id=s.org_id, page_size=5, page_number=1, api_key_type="org"
        ),
        lambda c, s: c.api_keys.query_current(
            org_id=s.org_id, page_size=5, page_number=1, api_key_type=ApiKeyType.ORG
        ),
    ),
    Pair(
        "fetch_archived_api_keys",
        lambda o, s: o.fetch_archived_api_keys(user_id=s.user_id, api_key_type="personal"),
        lambda c, s: c.api_keys.query_archived(user_id=s.user_id, api_key_type="personal"),
    ),
    Pair(
        "fetch_current_api_keys",
        lambda o, s: o.fetch_current_api_keys(),
        lambda c, s: c.api_keys.query_current(),
        case="no arguments",
    ),
    Pair(
        "fetch_archived_api_keys",
        lambda o, s: o.fetch_archived_api_keys(org_id=s.org_id, page_size=5, page_number=2),
        lambda c, s: c.api_keys.query_archived(org_id=s.org_id, page_size=5, page_number=2),
        case="paged",
    ),
    Pair(
        "create_api_key",
        lambda o, s: o.create_api_key(
            org_id=s.org_id,
            expires_at_seconds=4_102_444_800,
            metadata={"env": "ci"},
            display_name="CI",
        ),
        lambda c, s: c.api_keys.create(
            org_id=s.org_id,
            expires_at_seconds=4_102_444_800,
            metadata={"env": "ci"},
            display_name="CI",
        ),
    ),
    Pair(
        "update_api_key",
        lambda o, s: o.update_api_key(s.personal_key_id, metadata={"env": "prod"}),
        lambda c, s: c.api_keys.update(s.personal_key_id, metadata={"env": "prod"}),
    ),
    Pair(
        "update_api_key",
        lambda o, s: o.update_api_key(s.personal_key_id, metadata={}),
        lambda c, s: c.api_keys.update(s.personal_key_id, metadata={}),
        allowed=(EMPTY_METADATA_IS_SENT,),
        case="metadata cleared",
    ),
    Pair(
        "delete_api_key",
        lambda o, s: o.delete_api_key(s.org_key_id),
        lambda c, s: c.api_keys.delete(s.org_key_id),
    ),
    Pair(
        "validate_api_key",
        lambda o, s: o.validate_api_key(s.personal_key),
        lambda c, s: c.api_keys.validate(s.personal_key),
    ),
    Pair(
        "validate_personal_api_key",
        lambda o, s: o.validate_personal_api_key(s.personal_key),
        lambda c, s: c.api_keys.validate_personal(s.personal_key),
    ),
    Pair(
        "validate_org_api_key",
        lambda o, s: o.validate_org_api_key(s.org_key),
        lambda c, s: c.api_keys.validate_org(s.org_key),
    ),
    Pair(
        "validate_imported_api_key",
        lambda o, s: o.validate_imported_api_key(s.imported_key),
        lambda c, s: c.api_keys.validate_imported(s.imported_key),
    ),
    Pair(
        "import_api_key",
        lambda o, s: o.import_api_key(
            "imported_fedcba9876543210", org_id=s.org_id, display_name="old key"
        ),
        lambda c, s: c.api_keys.import_key(
            api_key_token="imported_fedcba9876543210", org_id=s.org_id, display_name="old key"
        ),
    ),
    Pair(
        "fetch_api_key_usage",
        lambda o, s: o.fetch_api_key_usage(DAY.isoformat(), org_id=s.org_id),
        lambda c, s: c.api_keys.fetch_usage(DAY, org_id=s.org_id),
    ),
    # Step-up MFA ---------------------------------------------------------------------------------
    Pair(
        "verify_step_up_totp_challenge",
        lambda o, s: o.verify_step_up_totp_challenge(
            "delete", s.user_id, s.totp_code, _grant_type(), 120
        ),
        lambda c, s: c.mfa.verify_totp(
            action_type="delete",
            user_id=s.user_id,
            code=s.totp_code,
            grant_type=StepUpGrantType.TIME_BASED,
            valid_for_seconds=120,
        ),
    ),
    Pair(
        "verify_step_up_grant",
        lambda o, s: o.verify_step_up_grant("delete", s.user_id, s.grant),
        lambda c, s: c.mfa.verify_grant(action_type="delete", user_id=s.user_id, grant=s.grant),
    ),
    Pair(
        "send_sms_mfa_code",
        lambda o, s: o.send_sms_mfa_code("delete", s.user_id, s.phone_id, _grant_type(), 120),
        lambda c, s: c.mfa.send_sms_code(
            action_type="delete",
            user_id=s.user_id,
            mfa_phone_id=s.phone_id,
            grant_type=StepUpGrantType.TIME_BASED,
            valid_for_seconds=120,
        ),
    ),
    Pair(
        "verify_sms_challenge",
        lambda o, s: o.verify_sms_challenge(s.challenge_id, s.user_id, s.sms_code),
        lambda c, s: c.mfa.verify_sms(
            challenge_id=s.challenge_id, user_id=s.user_id, code=s.sms_code
        ),
    ),
    # Reports, SCIM, employees ---------------------------------------------------------------------
    Pair(
        "fetch_chart_metric_data",
        lambda o, s: o.fetch_chart_metric_data(
            _chart()[0], cadence=_chart()[1], start_date=DAY, end_date=DAY + datetime.timedelta(7)
        ),
        lambda c, s: c.reports.fetch_chart(
            "active_users", cadence="Weekly", start_date=DAY, end_date=DAY + datetime.timedelta(7)
        ),
    ),
    Pair(
        "fetch_org_scim_groups",
        lambda o, s: o.fetch_org_scim_groups(s.org_id, user_id=s.user_id, page_size=5),
        lambda c, s: c.scim.query_groups(s.org_id, user_id=s.user_id, page_size=5, page_number=0),
    ),
    Pair(
        "fetch_scim_group",
        lambda o, s: o.fetch_scim_group(s.org_id, s.group_id, members_page_size=5),
        lambda c, s: c.scim.fetch_group(s.org_id, s.group_id, members_page_size=5),
    ),
    Pair(
        "fetch_employee_by_id",
        lambda o, s: o.fetch_employee_by_id(s.employee_id),
        lambda c, s: c.employees.fetch(s.employee_id),
    ),
]
