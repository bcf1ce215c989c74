"""End-user API keys: the keys your users create for your API, validated by PropelAuth."""

from __future__ import annotations

from enum import Enum

import attrs

from .._types import JSONObject
from .membership import OrgMemberInfo
from .users import User


class ApiKeyType(str, Enum):
    """The documented key types, as a typed convenience: any other non-empty string is sent
    as it is, since the server may know kinds of keys this list does not."""

    PERSONAL = "personal"
    ORG = "org"
    ALL = "all"


@attrs.frozen(kw_only=True)
class ApiKey:
    """An end-user API key as listed or fetched: its owner (user, org or both), expiry and
    metadata. The secret token itself is shown only once, by ``api_keys.create``."""

    api_key_id: str
    created_at: int | None = None
    expires_at_seconds: int | None = None
    metadata: JSONObject = attrs.field(factory=dict)
    user_id: str | None = None
    org_id: str | None = None
    display_name: str | None = None


@attrs.frozen(kw_only=True)
class NewApiKey:
    """A created key. ``api_key_token`` is the secret to hand to your user, once."""

    api_key_id: str
    api_key_token: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class ImportedApiKey:
    """The id PropelAuth gave a key imported from another system."""

    api_key_id: str


@attrs.frozen(kw_only=True)
class ApiKeyOrg:
    """The org an API key belongs to, as a key validation reports it."""

    org_id: str
    org_name: str | None = None
    max_users: int | None = None
    is_saml_configured: bool | None = None
    legacy_org_id: str | None = None
    metadata: JSONObject = attrs.field(factory=dict)
    custom_role_mapping_name: str | None = None


@attrs.frozen(kw_only=True)
class ApiKeyValidation:
    """Who a valid key belongs to: a user, an org, or a user acting in an org."""

    metadata: JSONObject = attrs.field(factory=dict)
    user: User | None = None
    org: ApiKeyOrg | None = None
    user_in_org: OrgMemberInfo | None = None


@attrs.frozen(kw_only=True)
class PersonalApiKeyValidation:
    """A valid key that belongs to a user alone: the user and the key's metadata."""

    metadata: JSONObject
    user: User


@attrs.frozen(kw_only=True)
class OrgApiKeyValidation:
    """A valid key that belongs to an org: the org, the key's metadata and, for a key made
    by a member, that user and their membership."""

    metadata: JSONObject
    org: ApiKeyOrg
    user: User | None = None
    user_in_org: OrgMemberInfo | None = None
