"""``client.migration``: bring users over from another auth provider."""

from __future__ import annotations

from .. import _endpoints as endpoints
from .. import _validate as check
from .._transport import Requester
from .._types import JSONObject
from ..models.flows import PasswordHashType
from ..models.users import CreatedUser


class Migration:
    """Reach it as ``client.migration``."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    async def migrate_user(
        self,
        *,
        email: str,
        email_confirmed: bool,
        existing_user_id: str | None = None,
        existing_password_hash: str | None = None,
        existing_mfa_base32_encoded_secret: str | None = None,
        ask_user_to_update_password_on_login: bool = False,
        enabled: bool | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        picture_url: str | None = None,
        properties: JSONObject | None = None,
    ) -> CreatedUser:
        """Create a user as they were elsewhere (their password hash and MFA secret included).

        Every key is sent, ``null`` where not given, exactly as the official library sends it;
        ``ask_user_to_update_password_on_login`` goes out as ``update_password_required``.
        Not retried once sent (it would create two users).
        """
        body: dict[str, object] = {
            "email": check.email(email),
            "email_confirmed": check.flag(email_confirmed, "email_confirmed"),
            "existing_user_id": check.maybe(check.text, existing_user_id, "existing_user_id"),
            "existing_password_hash": check.maybe(
                check.text, existing_password_hash, "existing_password_hash"
            ),
            "existing_mfa_base32_encoded_secret": check.maybe(
                check.text, existing_mfa_base32_encoded_secret, "existing_mfa_base32_encoded_secret"
            ),
            "update_password_required": check.flag(
                ask_user_to_update_password_on_login, "ask_user_to_update_password_on_login"
            ),
            "enabled": check.maybe(check.flag, enabled, "enabled"),
            "first_name": check.maybe(check.string, first_name, "first_name"),
            "last_name": check.maybe(check.string, last_name, "last_name"),
            "username": check.maybe(check.text, username, "username"),
            "picture_url": check.maybe(check.text, picture_url, "picture_url"),
        }
        if properties is not None:
            body["properties"] = check.json_object(properties, "properties")
        answer: CreatedUser = await self._requester.request(endpoints.MIGRATE_USER, json_body=body)
        return answer

    async def migrate_password(
        self,
        *,
        user_id: str,
        password_hash: str,
        password_hash_type: PasswordHashType | str | None = None,
    ) -> None:
        """Attach a legacy password hash to an existing user, so they keep their password.

        ``password_hash_type`` (bcrypt, argon2, scrypt, pbkdf2_sha256, firebase_scrypt) is sent
        when given; the official library never sends it and the server then detects the type.
        """
        body: dict[str, object] = {
            "user_id": check.uuid_str(user_id, "user_id"),
            "password_hash": check.text(password_hash, "password_hash"),
        }
        if password_hash_type is not None:
            kind = check.choice(password_hash_type, PasswordHashType, "password_hash_type")
            body["password_hash_type"] = kind.value
        await self._requester.request(endpoints.MIGRATE_USER_PASSWORD, json_body=body)


__all__ = ["Migration"]
