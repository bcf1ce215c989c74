"""``client.mfa``: step-up MFA, asking a signed-in user to prove themselves again.

The three step-up endpoints report errors under different body keys; whichever they use, the
``error_code`` picks the class, as their rows in the endpoint table say: ``user_not_found`` ->
UserNotFoundError, ``mfa_not_enabled`` -> MfaNotEnabledError, ``incorrect_mfa_code`` ->
IncorrectMfaCodeError, ``feature_gated`` -> FeatureNotEnabledError, ``invalid_request_fields``
-> BadRequestError (with ``field_errors``). Codes and grants are used up by a check, so no call
here is retried once sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import _endpoints as endpoints
from .. import _validate as check
from .._transport import Requester
from ..errors import (
    BadRequestError,
)
from ..models.flows import SmsChallenge, StepUpGrant, StepUpGrantType


class Mfa:
    """Reach it as ``client.mfa``."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    async def _post(self, endpoint: endpoints.Endpoint, body: Mapping[str, object]) -> Any:
        return await self._requester.request(endpoint, json_body=dict(body))

    async def verify_totp(
        self,
        *,
        action_type: str,
        user_id: str,
        code: str,
        grant_type: StepUpGrantType | str,
        valid_for_seconds: int,
    ) -> StepUpGrant:
        """Check the user's authenticator code; a grant for ``action_type`` comes back."""
        answer: StepUpGrant = await self._post(
            endpoints.VERIFY_STEP_UP_TOTP,
            {
                "action_type": check.text(action_type, "action_type"),
                "user_id": check.uuid_str(user_id, "user_id"),
                "code": check.text(code, "code"),
                "grant_type": check.choice(grant_type, StepUpGrantType, "grant_type").value,
                "valid_for_seconds": check.int_range(
                    valid_for_seconds, "valid_for_seconds", 1, None
                ),
            },
        )
        return answer

    async def verify_grant(self, *, action_type: str, user_id: str, grant: str) -> bool:
        """True when the grant is valid for ``action_type``; False when it is unknown,
        expired or used up (never an error for that)."""
        try:
            await self._post(
                endpoints.VERIFY_STEP_UP_GRANT,
                {
                    "action_type": check.text(action_type, "action_type"),
                    "user_id": check.uuid_str(user_id, "user_id"),
                    "grant": check.text(grant, "grant"),
                },
            )
        except BadRequestError as error:
            if "grant_not_found" in error.field_errors.get("grant", []):
                return False
            raise
        return True

    async def send_sms_code(
        self,
        *,
        action_type: str,
        user_id: str,
        mfa_phone_id: str,
        grant_type: StepUpGrantType | str,
        valid_for_seconds: int,
    ) -> SmsChallenge:
        """Text a code to one of the user's MFA phones; verify it with :meth:`verify_sms`."""
        answer: SmsChallenge = await self._post(
            endpoints.SEND_SMS_MFA_CODE,
            {
                "action_type": check.text(action_type, "action_type"),
                "user_id": check.uuid_str(user_id, "user_id"),
                "mfa_phone_id": check.text(mfa_phone_id, "mfa_phone_id"),
                "grant_type": check.choice(grant_type, StepUpGrantType, "grant_type").value,
                "valid_for_seconds": check.int_range(
                    valid_for_seconds, "valid_for_seconds", 1, None
                ),
            },
        )
        return answer

    async def verify_sms(self, *, challenge_id: str, user_id: str, code: str) -> StepUpGrant:
        """Check the code the user got from :meth:`send_sms_code`; the grant proves the step-up."""
        answer: StepUpGrant = await self._post(
            endpoints.VERIFY_SMS_CHALLENGE,
            {
                "challenge_id": check.text(challenge_id, "challenge_id"),
                "user_id": check.uuid_str(user_id, "user_id"),
                "code": check.text(code, "code"),
            },
        )
        return answer


__all__ = ["Mfa"]
