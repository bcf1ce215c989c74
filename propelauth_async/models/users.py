"""Users as the backend API returns them."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum

import attrs

from .._types import JSONObject
from .membership import OrgMemberInfo


def _utc(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=timezone.utc)


@attrs.frozen(kw_only=True)
class User:
    """A PropelAuth user. Every field but ``user_id`` and ``email`` may be absent (``None``).

    Timestamps are Unix seconds as the server sends them; ``created_at_datetime`` and
    ``last_active_at_datetime`` give timezone-aware datetimes. ``org_id_to_org_info`` is only
    filled when the lookup asked for ``include_orgs=True``.
    """

    user_id: str
    email: str
    email_confirmed: bool | None = None
    has_password: bool | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    picture_url: str | None = None
    properties: JSONObject | None = None
    metadata: JSONObject | None = None
    locked: bool | None = None
    enabled: bool | None = None
    mfa_enabled: bool | None = None
    can_create_orgs: bool | None = None
    created_at: int | None = None
    last_active_at: int | None = None
    update_password_required: bool | None = None
    legacy_user_id: str | None = None
    impersonator_user_id: str | None = None
    org_id_to_org_info: dict[str, OrgMemberInfo] | None = None

    @property
    def created_at_datetime(self) -> datetime | None:
        return _utc(self.created_at)

    @property
    def last_active_at_datetime(self) -> datetime | None:
        return _utc(self.last_active_at)


@attrs.frozen(kw_only=True)
class CreatedUser:
    """What creating or migrating a user returns: the new user's id."""

    user_id: str


@attrs.frozen(kw_only=True)
class MfaPhone:
    """A phone enrolled for SMS MFA; only the last digits of its number are shown."""

    mfa_phone_id: str
    mfa_phone_number_suffix: str | None = None


@attrs.frozen(kw_only=True)
class MfaMethods:
    """The user's MFA setup: ``type`` is ``"Totp"``, ``"Phone"``, another future value, or
    ``None`` when the user has no MFA. ``phone_numbers`` lists phones for ``"Phone"``."""

    type: str | None = None
    phone_numbers: tuple[MfaPhone, ...] = ()

    @property
    def enabled(self) -> bool:
        return self.type is not None


@attrs.frozen(kw_only=True)
class OAuthToken:
    """A social-login provider token kept by PropelAuth. The tokens stay out of ``repr``."""

    token_provider: str | None = None
    access_token: str | None = attrs.field(default=None, repr=False)
    refresh_token: str | None = attrs.field(default=None, repr=False)
    token_expiration: int | None = None
    authorized_scopes: tuple[str, ...] = ()


class UserOrderBy(str, Enum):
    """How ``users.query`` orders its results."""

    CREATED_AT_ASC = "CREATED_AT_ASC"
    CREATED_AT_DESC = "CREATED_AT_DESC"
    LAST_ACTIVE_AT_ASC = "LAST_ACTIVE_AT_ASC"
    LAST_ACTIVE_AT_DESC = "LAST_ACTIVE_AT_DESC"
    EMAIL = "EMAIL"
    USERNAME = "USERNAME"


class SocialProvider(str, Enum):
    """Social-login providers whose tokens PropelAuth can refresh."""

    APPLE = "apple"
    GOOGLE = "google"
    GITHUB = "github"
    MICROSOFT = "microsoft"
    SLACK = "slack"
    SALESFORCE = "salesforce"
    LINKEDIN = "linkedin"
    OUTREACH = "outreach"
    QUICKBOOKS = "quickbooks"
    XERO = "xero"
    SALESLOFT = "salesloft"
    ATLASSIAN = "atlassian"
    GITLAB = "gitlab"
