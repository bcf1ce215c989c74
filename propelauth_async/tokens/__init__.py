"""Local verification of PropelAuth access tokens (RS256), and the claims as types."""

from .claims import AuthenticatedUser, LoginMethod, LoginMethodKind
from .keys import KeyConfigurationError, KeyUnavailableError
from .verifier import TokenVerifier, token_from_authorization

__all__ = [
    "AuthenticatedUser",
    "KeyConfigurationError",
    "KeyUnavailableError",
    "LoginMethod",
    "LoginMethodKind",
    "TokenVerifier",
    "token_from_authorization",
]
