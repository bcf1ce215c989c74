"""``client.orgs``: organizations, their members, and their SAML/OIDC connections.

Every org endpoint answers 426 (:class:`~propelauth_async.errors.FeatureNotEnabledError`) when
B2B support is switched off for the project.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from .. import _endpoints as endpoints
from .. import _validate as check
from .._transport import Requester
from .._types import UNSET, JSONObject, Unpack, Unsettable
from ..errors import InvalidArgumentError
from ..models.orgs import (
    AzureOidcIdp,
    CreatedOrg,
    GenericOidcIdp,
    OidcIdp,
    OktaOidcIdp,
    Org,
    OrgOrderBy,
    SamlConnectionLink,
    SamlIdpProvider,
    SamlSpMetadata,
)
from ..pagination import AsyncPager, PageOptions
from ._common import (
    NO_BODY,
    changes,
    drop_none,
    make_pager,
    paged_fetcher,
    role_body,
)
from .users import Users

_OIDC_TYPES: dict[type, str] = {
    GenericOidcIdp: "Generic",
    OktaOidcIdp: "Okta",
    AzureOidcIdp: "Azure",
}


class Orgs:
    """Organization operations. Reach it as ``client.orgs``."""

    def __init__(self, requester: Requester, users: Users) -> None:
        self._requester = requester
        #: The org's members: the same pager as ``client.users.query_in_org`` (one endpoint).
        self.query_members = users.query_in_org
        #: The 0.1 name of :attr:`query_members`, kept.
        self.iter_members = users.query_in_org

    # Organizations ---------------------------------------------------------------------------

    async def create(
        self,
        name: str,
        *,
        domain: str | None = None,
        enable_auto_joining_by_domain: bool = False,
        members_must_have_matching_domain: bool = False,
        max_users: int | None = None,
        custom_role_mapping_name: str | None = None,
        legacy_org_id: str | None = None,
    ) -> CreatedOrg:
        """Create an organization. Not retried once sent (it would create two)."""
        body: dict[str, object] = {
            "name": check.text(name, "name"),
            "enable_auto_joining_by_domain": check.flag(
                enable_auto_joining_by_domain, "enable_auto_joining_by_domain"
            ),
            "members_must_have_matching_domain": check.flag(
                members_must_have_matching_domain, "members_must_have_matching_domain"
            ),
            **drop_none(
                domain=check.maybe(check.text, domain, "domain"),
                max_users=check.maybe(_positive, max_users, "max_users"),
                custom_role_mapping_name=check.maybe(
                    check.text, custom_role_mapping_name, "custom_role_mapping_name"
                ),
                legacy_org_id=check.maybe(check.text, legacy_org_id, "legacy_org_id"),
            ),
        }
        answer: CreatedOrg = await self._requester.request(endpoints.CREATE_ORG, json_body=body)
        return answer

    async def fetch(self, org_id: str) -> Org | None:
        """The organization, or ``None`` when it does not exist."""
        oid = check.uuid_str(org_id, "org_id")
        org: Org | None = await self._requester.request(endpoints.FETCH_ORG, path={"org_id": oid})
        return org

    def query(
        self,
        *,
        order_by: OrgOrderBy | str = OrgOrderBy.CREATED_AT_ASC,
        name: str | None = None,
        legacy_org_id: str | None = None,
        domain: str | None = None,
        **paging: Unpack[PageOptions],
    ) -> AsyncPager[Org]:
        """Organizations filtered by name, legacy id or domain: ``await`` it for one page,
        ``async for org in ...`` for every one (``**paging``: see :class:`PageOptions`)."""
        filters = {
            "order_by": check.choice(order_by, OrgOrderBy, "order_by"),
            "name": check.maybe(check.url_text, name, "name"),
            "legacy_org_id": check.maybe(check.url_text, legacy_org_id, "legacy_org_id"),
            "domain": check.maybe(check.url_text, domain, "domain"),
        }
        fetch = paged_fetcher(self._requester, endpoints.QUERY_ORGS, filters)
        return make_pager(fetch, **paging)

    iter = query
    """The 0.1 name of :meth:`query`, kept: ``async for org in client.orgs.iter():``."""

    async def update(
        self,
        org_id: str,
        *,
        name: Unsettable[str] = UNSET,
        can_setup_saml: Unsettable[bool] = UNSET,
        metadata: Unsettable[JSONObject] = UNSET,
        max_users: Unsettable[int | None] = UNSET,
        enable_auto_joining_by_domain: Unsettable[bool] = UNSET,
        members_must_have_matching_domain: Unsettable[bool] = UNSET,
        domain: Unsettable[str | None] = UNSET,
        extra_domains: Unsettable[Collection[str]] = UNSET,
        require_2fa_by: Unsettable[str | None] = UNSET,
        password_rotation_enabled: Unsettable[bool] = UNSET,
        password_rotation_history_size: Unsettable[int | None] = UNSET,
        password_rotation_period: Unsettable[int | None] = UNSET,
        legacy_org_id: Unsettable[str | None] = UNSET,
    ) -> None:
        """Change the given fields; fields left ``UNSET`` are not sent.

        ``enable_auto_joining_by_domain`` and ``members_must_have_matching_domain`` go out as
        ``autojoin_by_domain`` and ``restrict_to_domain``, the names this endpoint uses.
        """
        given = changes(
            name=(name, check.text),
            can_setup_saml=(can_setup_saml, check.flag),
            metadata=(metadata, _metadata),
            max_users=(max_users, check.nullable(_positive)),
            enable_auto_joining_by_domain=(enable_auto_joining_by_domain, check.flag),
            members_must_have_matching_domain=(members_must_have_matching_domain, check.flag),
            domain=(domain, check.nullable(check.text)),
            extra_domains=(extra_domains, _extra_domains),
            require_2fa_by=(require_2fa_by, check.nullable(check.text)),
            password_rotation_enabled=(password_rotation_enabled, check.flag),
            password_rotation_history_size=(
                password_rotation_history_size,
                check.nullable(_positive),
            ),
            password_rotation_period=(password_rotation_period, check.nullable(_positive)),
            legacy_org_id=(legacy_org_id, check.nullable(check.text)),
        )
        body = {_UPDATE_WIRE_NAMES.get(k, k): value for k, value in given.items()}
        await self._org_write(endpoints.UPDATE_ORG, org_id, body)

    async def delete(self, org_id: str) -> None:
        """Delete the organization, its memberships and its pending invites."""
        await self._org_write(endpoints.DELETE_ORG, org_id)

    async def subscribe_to_role_mapping(self, org_id: str, custom_role_mapping_name: str) -> None:
        """Give the org the roles of a custom role mapping (see ``client.role_mappings``)."""
        body = {
            "custom_role_mapping_name": check.text(
                custom_role_mapping_name, "custom_role_mapping_name"
            )
        }
        await self._org_write(endpoints.SUBSCRIBE_ORG_TO_ROLE_MAPPING, org_id, body)

    # Members ---------------------------------------------------------------------------------

    async def add_user(
        self, *, org_id: str, user_id: str, role: str, additional_roles: Collection[str] = ()
    ) -> None:
        """Make an existing user a member with ``role`` (and, in multi-role projects, more)."""
        await self._requester.request(
            endpoints.ADD_USER_TO_ORG,
            json_body=_membership(org_id, user_id, role, additional_roles),
        )

    async def remove_user(self, *, org_id: str, user_id: str) -> None:
        """Take the user out of the org; the user's account stays."""
        body = {
            "user_id": check.uuid_str(user_id, "user_id"),
            "org_id": check.uuid_str(org_id, "org_id"),
        }
        await self._requester.request(endpoints.REMOVE_USER_FROM_ORG, json_body=body)

    async def change_role(
        self, *, org_id: str, user_id: str, role: str, additional_roles: Collection[str] = ()
    ) -> None:
        """Replace the member's role and additional roles in the org."""
        await self._requester.request(
            endpoints.CHANGE_USER_ROLE_IN_ORG,
            json_body=_membership(org_id, user_id, role, additional_roles),
        )

    # SAML and OIDC ---------------------------------------------------------------------------

    async def allow_saml(self, org_id: str) -> None:
        """Let the org's admins set up a SAML connection."""
        await self._org_write(endpoints.ALLOW_ORG_SAML, org_id)

    async def disallow_saml(self, org_id: str) -> None:
        """Stop the org's admins from setting up SAML."""
        await self._org_write(endpoints.DISALLOW_ORG_SAML, org_id)

    async def create_saml_connection_link(
        self, org_id: str, *, expires_in_seconds: int | None = None
    ) -> SamlConnectionLink:
        """A link the org's admin can follow to configure SAML themselves."""
        body = drop_none(
            expires_in_seconds=check.maybe(_positive, expires_in_seconds, "expires_in_seconds")
        )
        answer: SamlConnectionLink = await self._requester.request(
            endpoints.CREATE_SAML_CONNECTION_LINK,
            path={"org_id": check.uuid_str(org_id, "org_id")},
            json_body=body,
        )
        return answer

    async def fetch_saml_sp_metadata(self, org_id: str) -> SamlSpMetadata | None:
        """The service-provider details to give the org's IdP, or ``None`` for a missing org."""
        path = {"org_id": check.uuid_str(org_id, "org_id")}
        metadata: SamlSpMetadata | None = await self._requester.request(
            endpoints.FETCH_SAML_SP_METADATA, path=path
        )
        return metadata

    async def set_saml_idp_metadata(
        self,
        org_id: str,
        *,
        idp_entity_id: str,
        idp_sso_url: str,
        idp_certificate: str,
        provider: SamlIdpProvider | str,
    ) -> None:
        """Configure the org's SAML identity provider (every field is required)."""
        body = {
            "org_id": check.uuid_str(org_id, "org_id"),
            "idp_entity_id": check.text(idp_entity_id, "idp_entity_id"),
            "idp_sso_url": check.text(idp_sso_url, "idp_sso_url"),
            "idp_certificate": check.text(idp_certificate, "idp_certificate"),
            "provider": check.choice(provider, SamlIdpProvider, "provider").value,
        }
        await self._requester.request(endpoints.SET_SAML_IDP_METADATA, json_body=body)

    async def set_oidc_idp_metadata(
        self, org_id: str, *, client_id: str, client_secret: str, uses_pkce: bool, idp: OidcIdp
    ) -> None:
        """Configure the org's OIDC identity provider: ``GenericOidcIdp``, ``OktaOidcIdp`` or
        ``AzureOidcIdp``. The client secret is sent once and never shown in errors or logs."""
        idp_type = _OIDC_TYPES.get(type(idp))
        if idp_type is None:
            raise InvalidArgumentError(
                "idp", "must be a GenericOidcIdp, OktaOidcIdp or AzureOidcIdp"
            )
        body: dict[str, Any] = {
            "org_id": check.uuid_str(org_id, "org_id"),
            "client_id": check.text(client_id, "client_id"),
            "client_secret": check.text(client_secret, "client_secret"),
            "uses_pkce": check.flag(uses_pkce, "uses_pkce"),
            "idp_type": idp_type,
        }
        for field, value in _idp_fields(idp).items():
            body[field] = check.text(value, f"idp.{field}")
        await self._requester.request(endpoints.SET_OIDC_IDP_METADATA, json_body=body)

    async def saml_go_live(self, org_id: str) -> None:
        """Move the org's SAML connection out of test mode."""
        await self._org_write(endpoints.SAML_GO_LIVE, org_id)

    async def delete_saml_connection(self, org_id: str) -> None:
        """Remove the org's SAML connection: its members sign in by the other methods again."""
        await self._org_write(endpoints.DELETE_SAML_CONNECTION, org_id)

    async def _org_write(
        self, endpoint: endpoints.Endpoint, org_id: str, body: Mapping[str, object] | None = None
    ) -> None:
        path = {"org_id": check.uuid_str(org_id, "org_id")}
        await self._requester.request(
            endpoint, path=path, json_body=NO_BODY if body is None else body
        )


_UPDATE_WIRE_NAMES = {
    "enable_auto_joining_by_domain": "autojoin_by_domain",
    "members_must_have_matching_domain": "restrict_to_domain",
}


def _positive(value: object, name: str) -> int:
    return check.int_range(value, name, 1, None)


def _metadata(value: object, name: str) -> dict[str, object]:
    """Org metadata can be replaced, not cleared: ``None`` is refused."""
    if value is None:
        raise InvalidArgumentError(name, "must be a dict (pass {} to empty it)")
    checked = check.json_object(value, name)
    assert checked is not None
    return checked


def _extra_domains(value: object, name: str) -> list[str]:
    if value is None:
        raise InvalidArgumentError(name, "must be a collection of domains (pass [] for none)")
    return check.string_list(value, name)


def _idp_fields(idp: OidcIdp) -> dict[str, str]:
    if isinstance(idp, GenericOidcIdp):
        return {
            "auth_url": idp.auth_url,
            "token_url": idp.token_url,
            "userinfo_url": idp.userinfo_url,
        }
    if isinstance(idp, OktaOidcIdp):
        return {"okta_sso_domain": idp.okta_sso_domain}
    return {"entra_tenant_id": idp.entra_tenant_id}


def _membership(
    org_id: str, user_id: str, role: str, additional_roles: Collection[str]
) -> dict[str, object]:
    return {
        "user_id": check.uuid_str(user_id, "user_id"),
        **role_body(org_id, role, additional_roles),
    }


__all__ = ["Orgs"]
