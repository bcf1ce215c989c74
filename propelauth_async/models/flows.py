"""Magic links, step-up MFA, password migration, SCIM groups and employees."""

from __future__ import annotations

from enum import Enum

import attrs


@attrs.frozen(kw_only=True)
class MagicLink:
    """A one-time sign-in link. It is a credential: kept out of ``repr``."""

    url: str = attrs.field(repr=False)


class StepUpGrantType(str, Enum):
    """Whether a step-up grant is used up by one check or valid for a time."""

    ONE_TIME_USE = "ONE_TIME_USE"
    TIME_BASED = "TIME_BASED"


@attrs.frozen(kw_only=True)
class StepUpGrant:
    """Proof that the user just passed an MFA challenge; pass it to ``mfa.verify_grant``."""

    step_up_grant: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class SmsChallenge:
    """An SMS code sent; pass ``challenge_id`` to ``mfa.verify_sms`` with the code."""

    challenge_id: str


class PasswordHashType(str, Enum):
    """The password hashes ``migration.migrate_password`` can import."""

    BCRYPT = "bcrypt"
    ARGON2 = "argon2"
    SCRYPT = "scrypt"
    PBKDF2_SHA256 = "pbkdf2_sha256"
    FIREBASE_SCRYPT = "firebase_scrypt"


@attrs.frozen(kw_only=True)
class ScimGroupSummary:
    """A SCIM group as listed, without its members."""

    group_id: str
    display_name: str | None = None
    external_id_from_idp: str | None = None


@attrs.frozen(kw_only=True)
class ScimGroupMember:
    """One member of a SCIM group."""

    user_id: str


@attrs.frozen(kw_only=True)
class ScimGroup:
    """A SCIM group with one page of its members (``members_page_number``)."""

    group_id: str
    display_name: str | None = None
    external_id_from_idp: str | None = None
    members: tuple[ScimGroupMember, ...] = ()
    members_total: int | None = None
    members_page_number: int = 0
    members_page_size: int = 10


@attrs.frozen(kw_only=True)
class Employee:
    """A PropelAuth dashboard user (your own team)."""

    email: str
