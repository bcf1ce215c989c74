"""propelauth_async: an asyncio-first, fully typed client for the PropelAuth backend API.

>>> async with AsyncPropelAuth.from_env() as client:
...     user = await client.users.fetch_by_email("ada@example.com")

Importing the package loads the client and the errors only. Models, pagers and token types
are loaded on first access (``propelauth_async.User`` imports ``models.users`` then), so that
a service that only verifies tokens, or a CLI, does not pay for all 79 operations at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._client import AsyncPropelAuth
from ._retry import RetryPolicy
from ._types import UNSET
from ._version import __version__
from .errors import (
    AccessDeniedError,
    APIError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    EndUserRateLimitError,
    FeatureNotEnabledError,
    ForbiddenError,
    IncorrectMfaCodeError,
    InvalidArgumentError,
    MalformedResponseError,
    MfaNotEnabledError,
    NotFoundError,
    OutcomeUnknownError,
    PropelAuthError,
    RateBudgetUnavailableError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    TokenError,
    TransportError,
    UserNotFoundError,
    WrongEventLoopError,
)

if TYPE_CHECKING:  # what the lazy table below loads, spelled out for type checkers and IDEs
    from ._budget import LocalBudget, RateBudget
    from ._raw import HttpResponse, RawResponse
    from ._redis_budget import RedisRateBudget
    from ._settings import Pacing, TokenSettings
    from .bulk import BulkJob, BulkProgress, ItemResult, Outcome
    from .models.api_keys import (
        ApiKey,
        ApiKeyOrg,
        ApiKeyType,
        ApiKeyValidation,
        ImportedApiKey,
        NewApiKey,
        OrgApiKeyValidation,
        PersonalApiKeyValidation,
    )
    from .models.flows import (
        Employee,
        MagicLink,
        PasswordHashType,
        ScimGroup,
        ScimGroupMember,
        ScimGroupSummary,
        SmsChallenge,
        StepUpGrant,
        StepUpGrantType,
    )
    from .models.membership import OrgMemberInfo
    from .models.orgs import (
        AzureOidcIdp,
        CreatedOrg,
        CustomRoleMapping,
        GenericOidcIdp,
        MappedRole,
        OktaOidcIdp,
        Org,
        OrgOrderBy,
        PendingInvite,
        SamlConnectionLink,
        SamlIdpProvider,
        SamlSpMetadata,
    )
    from .models.reports import (
        ChartCadence,
        ChartData,
        ChartDataPoint,
        ChartMetric,
        ChurnInterval,
        OrgReportRecord,
        ReengagementInterval,
        ReportInterval,
        UserReportRecord,
    )
    from .models.users import (
        CreatedUser,
        MfaMethods,
        MfaPhone,
        OAuthToken,
        SocialProvider,
        User,
        UserOrderBy,
    )
    from .observe import Hooks
    from .pagination import AsyncPager, Page
    from .resources.access_tokens import CreatedAccessToken
    from .resources.bulk import NewMembership, NewUser, UserChanges
    from .tokens import (
        AuthenticatedUser,
        KeyConfigurationError,
        KeyUnavailableError,
        LoginMethod,
        LoginMethodKind,
        TokenVerifier,
    )

_LAZY_MODULES: dict[str, tuple[str, ...]] = {
    ".models.api_keys": (
        "ApiKey",
        "ApiKeyOrg",
        "ApiKeyType",
        "ApiKeyValidation",
        "ImportedApiKey",
        "NewApiKey",
        "OrgApiKeyValidation",
        "PersonalApiKeyValidation",
    ),
    ".models.flows": (
        "Employee",
        "MagicLink",
        "PasswordHashType",
        "ScimGroup",
        "ScimGroupMember",
        "ScimGroupSummary",
        "SmsChallenge",
        "StepUpGrant",
        "StepUpGrantType",
    ),
    ".models.membership": ("OrgMemberInfo",),
    ".models.orgs": (
        "AzureOidcIdp",
        "CreatedOrg",
        "CustomRoleMapping",
        "GenericOidcIdp",
        "MappedRole",
        "OktaOidcIdp",
        "Org",
        "OrgOrderBy",
        "PendingInvite",
        "SamlConnectionLink",
        "SamlIdpProvider",
        "SamlSpMetadata",
    ),
    ".models.reports": (
        "ChartCadence",
        "ChartData",
        "ChartDataPoint",
        "ChartMetric",
        "ChurnInterval",
        "OrgReportRecord",
        "ReengagementInterval",
        "ReportInterval",
        "UserReportRecord",
    ),
    ".models.users": (
        "CreatedUser",
        "MfaMethods",
        "MfaPhone",
        "OAuthToken",
        "SocialProvider",
        "User",
        "UserOrderBy",
    ),
    ".pagination": ("AsyncPager", "Page"),
    ".bulk": ("BulkJob", "BulkProgress", "ItemResult", "Outcome"),
    "._budget": ("LocalBudget", "RateBudget"),
    "._redis_budget": ("RedisRateBudget",),
    "._raw": ("HttpResponse", "RawResponse"),
    "._settings": ("Pacing", "TokenSettings"),
    ".observe": ("Hooks",),
    ".resources.access_tokens": ("CreatedAccessToken",),
    ".resources.bulk": ("NewMembership", "NewUser", "UserChanges"),
    ".tokens": (
        "AuthenticatedUser",
        "KeyConfigurationError",
        "KeyUnavailableError",
        "LoginMethod",
        "LoginMethodKind",
        "TokenVerifier",
    ),
}
_LAZY: dict[str, str] = {name: module for module, names in _LAZY_MODULES.items() for name in names}


if not TYPE_CHECKING:  # hidden from type checkers: a misspelt name stays an error, not Any

    def __getattr__(name: str) -> Any:
        """Loads a lazily exported name's module on first access, then keeps the name here."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "Hooks",
    "HttpResponse",
    "Pacing",
    "RawResponse",
    "RetryPolicy",
    "TokenSettings",
    "BulkJob",
    "BulkProgress",
    "ItemResult",
    "KeyConfigurationError",
    "NewMembership",
    "NewUser",
    "Outcome",
    "UserChanges",
    "APIError",
    "AccessDeniedError",
    "ApiKey",
    "ApiKeyOrg",
    "ApiKeyType",
    "ApiKeyValidation",
    "AsyncPager",
    "AsyncPropelAuth",
    "AuthenticatedUser",
    "AuthenticationError",
    "AzureOidcIdp",
    "BadRequestError",
    "ChartCadence",
    "ChartData",
    "ChartDataPoint",
    "ChartMetric",
    "ChurnInterval",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "CreatedAccessToken",
    "CreatedOrg",
    "CreatedUser",
    "CustomRoleMapping",
    "Employee",
    "EndUserRateLimitError",
    "FeatureNotEnabledError",
    "ForbiddenError",
    "GenericOidcIdp",
    "ImportedApiKey",
    "IncorrectMfaCodeError",
    "InvalidArgumentError",
    "KeyUnavailableError",
    "LoginMethod",
    "LoginMethodKind",
    "MagicLink",
    "MalformedResponseError",
    "MappedRole",
    "MfaMethods",
    "MfaNotEnabledError",
    "MfaPhone",
    "NewApiKey",
    "NotFoundError",
    "OAuthToken",
    "OktaOidcIdp",
    "Org",
    "OrgApiKeyValidation",
    "OrgMemberInfo",
    "OrgOrderBy",
    "OrgReportRecord",
    "OutcomeUnknownError",
    "Page",
    "PasswordHashType",
    "PendingInvite",
    "PersonalApiKeyValidation",
    "PropelAuthError",
    "LocalBudget",
    "RateBudget",
    "RateBudgetUnavailableError",
    "RedisRateBudget",
    "RateLimitError",
    "ReengagementInterval",
    "ReportInterval",
    "ResponseTooLargeError",
    "SamlConnectionLink",
    "SamlIdpProvider",
    "SamlSpMetadata",
    "ScimGroup",
    "ScimGroupMember",
    "ScimGroupSummary",
    "ServerError",
    "SmsChallenge",
    "SocialProvider",
    "StepUpGrant",
    "StepUpGrantType",
    "TokenError",
    "TokenVerifier",
    "TransportError",
    "UNSET",
    "User",
    "UserNotFoundError",
    "UserOrderBy",
    "UserReportRecord",
    "WrongEventLoopError",
    "__version__",
]
