"""Organizations, invites, role mappings and SAML/OIDC settings."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum

import attrs

from .._types import JSONObject


class OrgOrderBy(str, Enum):
    """How ``orgs.query`` orders its results."""

    CREATED_AT_ASC = "CREATED_AT_ASC"
    CREATED_AT_DESC = "CREATED_AT_DESC"
    NAME = "NAME"


@attrs.frozen(kw_only=True)
class Org:
    """An organization. ``orgs.fetch`` fills every field it knows; ``orgs.query`` fills fewer.

    Fetched orgs carry ``url_safe_org_slug``; memberships and tokens call the same value
    ``url_safe_org_name`` (see :class:`~propelauth_async.OrgMemberInfo`).
    """

    org_id: str
    name: str
    url_safe_org_slug: str | None = None
    can_setup_saml: bool | None = None
    is_saml_configured: bool | None = None
    is_saml_in_test_mode: bool | None = None
    max_users: int | None = None
    metadata: JSONObject = attrs.field(factory=dict)
    domain: str | None = None
    extra_domains: tuple[str, ...] = ()
    domain_autojoin: bool | None = None
    domain_restrict: bool | None = None
    custom_role_mapping_name: str | None = None
    legacy_org_id: str | None = None
    require_2fa_by: str | None = None
    password_rotation_enabled: bool | None = None
    password_rotation_history_size: int | None = None
    password_rotation_period: int | None = None
    created_at: int | None = None

    @property
    def created_at_datetime(self) -> datetime | None:
        if self.created_at is None:
            return None
        return datetime.fromtimestamp(self.created_at, tz=timezone.utc)


@attrs.frozen(kw_only=True)
class CreatedOrg:
    """What ``orgs.create`` returns: the new org's id and name (fetch it for the rest)."""

    org_id: str
    name: str


@attrs.frozen(kw_only=True)
class PendingInvite:
    """An invite sent and not yet accepted, with the role it will give."""

    invitee_email: str
    org_id: str
    org_name: str | None = None
    role_in_org: str | None = None
    additional_roles_in_org: tuple[str, ...] = ()
    created_at: int | None = None
    expires_at: int | None = None
    inviter_email: str | None = None
    inviter_user_id: str | None = None


@attrs.frozen(kw_only=True)
class MappedRole:
    """One role of a custom role mapping, when the server lists them."""

    name: str
    description: str | None = None
    is_internal: bool | None = None
    is_visible_to_end_user: bool | None = None
    permissions: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class CustomRoleMapping:
    """A named set of roles that orgs can subscribe to, and how many do."""

    custom_role_mapping_name: str
    num_orgs_subscribed: int | None = None
    roles: tuple[MappedRole, ...] = ()


@attrs.frozen(kw_only=True)
class SamlSpMetadata:
    """What an org's identity provider needs to know about PropelAuth (the service provider)."""

    entity_id: str
    acs_url: str
    logout_url: str | None = None


@attrs.frozen(kw_only=True)
class SamlConnectionLink:
    """A link an org's admin follows to set up SAML. It grants access: kept out of ``repr``."""

    url: str = attrs.field(repr=False)


class SamlIdpProvider(str, Enum):
    """The identity providers PropelAuth has SAML setup guides for."""

    GOOGLE = "Google"
    RIPPLING = "Rippling"
    ONELOGIN = "OneLogin"
    JUMPCLOUD = "JumpCloud"
    OKTA = "Okta"
    AZURE = "Azure"
    DUO = "Duo"
    GENERIC = "Generic"


@attrs.frozen(kw_only=True)
class GenericOidcIdp:
    """Any OIDC provider, described by its three endpoints."""

    auth_url: str
    token_url: str
    userinfo_url: str


@attrs.frozen(kw_only=True)
class OktaOidcIdp:
    """Okta as an org's OIDC identity provider."""

    okta_sso_domain: str


@attrs.frozen(kw_only=True)
class AzureOidcIdp:
    """Microsoft Entra ID (Azure AD)."""

    entra_tenant_id: str


OidcIdp = GenericOidcIdp | OktaOidcIdp | AzureOidcIdp
