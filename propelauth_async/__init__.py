"""propelauth_async: an asyncio-first, fully typed client for the PropelAuth backend API.

>>> async with AsyncPropelAuth.from_env() as client:
...     user = await client.users.fetch_by_email("ada@example.com")
"""

from ._client import AsyncPropelAuth
from ._types import UNSET
from ._version import __version__
from .errors import (
    AccessDeniedError,
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    FeatureNotEnabledError,
    ForbiddenError,
    IncorrectMfaCodeError,
    InvalidArgumentError,
    MalformedResponseError,
    MfaNotEnabledError,
    NotFoundError,
    OutcomeUnknownError,
    PropelAuthError,
    RateLimitError,
    ServerError,
    TokenError,
    TransportError,
    UserNotFoundError,
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
from .models.users import (
    CreatedUser,
    MfaMethods,
    MfaPhone,
    OAuthToken,
    SocialProvider,
    User,
    UserOrderBy,
)
from .pagination import AsyncPager, Page
from .resources.access_tokens import CreatedAccessToken
from .tokens import (
    AuthenticatedUser,
    KeyUnavailableError,
    LoginMethod,
    LoginMethodKind,
    TokenVerifier,
)

__all__ = [
    "CreatedAccessToken",
    "TokenVerifier",
    "LoginMethodKind",
    "LoginMethod",
    "KeyUnavailableError",
    "AuthenticatedUser",
    "SamlSpMetadata",
    "SamlIdpProvider",
    "SamlConnectionLink",
    "PendingInvite",
    "OrgOrderBy",
    "Org",
    "OktaOidcIdp",
    "MappedRole",
    "GenericOidcIdp",
    "CustomRoleMapping",
    "CreatedOrg",
    "AzureOidcIdp",
    "UNSET",
    "APIError",
    "AccessDeniedError",
    "AsyncPager",
    "AsyncPropelAuth",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "CreatedUser",
    "FeatureNotEnabledError",
    "ForbiddenError",
    "IncorrectMfaCodeError",
    "InvalidArgumentError",
    "MalformedResponseError",
    "MfaMethods",
    "MfaNotEnabledError",
    "MfaPhone",
    "NotFoundError",
    "OAuthToken",
    "OrgMemberInfo",
    "OutcomeUnknownError",
    "Page",
    "PropelAuthError",
    "RateLimitError",
    "ServerError",
    "SocialProvider",
    "TokenError",
    "TransportError",
    "User",
    "UserNotFoundError",
    "UserOrderBy",
    "__version__",
]
