"""The emulator's in-memory state: records, indexes, and the errors its rules raise.

Everything here is plain synchronous Python guarded by one lock, so tests can seed and inspect
state from any thread while the server answers requests from another.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ._roles import RoleHierarchy

if TYPE_CHECKING:  # _tokens reads State: a runtime import would be a cycle
    from ._tokens import SigningKey


class EmulatorError(Exception):
    """An HTTP error answer: the status and the JSON (or text) body the real service sends."""

    def __init__(self, status: int, body: Any = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def bad_request(field: str, message: str) -> EmulatorError:
    return EmulatorError(400, {field: [message]})


def not_found(what: str) -> EmulatorError:
    return EmulatorError(404, {"message": f"{what} not found"})


def now() -> int:
    return int(time.time())


def new_id() -> str:
    return str(uuid.uuid4())


@attrs.define(kw_only=True)
class UserRecord:
    user_id: str
    email: str
    email_confirmed: bool = False
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    picture_url: str | None = None
    properties: dict[str, Any] = attrs.field(factory=dict)
    metadata: dict[str, Any] = attrs.field(factory=dict)
    locked: bool = False
    enabled: bool = True
    mfa_enabled: bool = False
    can_create_orgs: bool = False
    created_at: int = attrs.field(factory=now)
    last_active_at: int | None = None
    update_password_required: bool = False
    legacy_user_id: str | None = None
    # Not part of the user JSON:
    password: str | None = None
    password_hash: str | None = None
    signup_query_parameters: dict[str, str] = attrs.field(factory=dict)
    mfa_phones: list[dict[str, str]] = attrs.field(factory=list)
    mfa_totp: bool = False
    oauth_tokens: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    sessions_revoked_at: int | None = None
    confirmation_emails_sent: int = 0
    invites_sent: int = 0
    password_hash_type: str | None = None

    @property
    def has_password(self) -> bool:
        return self.password is not None or self.password_hash is not None


@attrs.define(kw_only=True)
class Membership:
    role: str
    additional_roles: list[str] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class OrgRecord:
    org_id: str
    name: str
    url_safe_org_slug: str
    created_at: int = attrs.field(factory=now)
    can_setup_saml: bool = False
    is_saml_configured: bool = False
    is_saml_in_test_mode: bool = False
    max_users: int | None = None
    metadata: dict[str, Any] = attrs.field(factory=dict)
    domain: str | None = None
    extra_domains: list[str] = attrs.field(factory=list)
    domain_autojoin: bool = False
    domain_restrict: bool = False
    custom_role_mapping_name: str | None = None
    legacy_org_id: str | None = None
    require_2fa_by: str | None = None
    password_rotation_enabled: bool = False
    password_rotation_history_size: int | None = None
    password_rotation_period: int | None = None
    members: dict[str, Membership] = attrs.field(factory=dict)
    saml: dict[str, Any] = attrs.field(factory=dict)


@attrs.define(kw_only=True)
class ApiKeyRecord:
    api_key_id: str
    token: str
    created_at: int = attrs.field(factory=now)
    expires_at_seconds: int | None = None
    metadata: dict[str, Any] = attrs.field(factory=dict)
    user_id: str | None = None
    org_id: str | None = None
    display_name: str | None = None
    imported: bool = False
    archived: bool = False


@attrs.define(kw_only=True)
class InviteRecord:
    invitee_email: str
    org_id: str
    role_in_org: str
    additional_roles_in_org: list[str] = attrs.field(factory=list)
    created_at: int = attrs.field(factory=now)
    expires_at: int = attrs.field(factory=lambda: now() + 7 * 24 * 3600)
    inviter_email: str | None = None
    inviter_user_id: str | None = None


class State:
    """All records, their indexes, and the project's configuration."""

    def __init__(
        self,
        *,
        roles: RoleHierarchy,
        b2b_enabled: bool,
        signing_key: SigningKey,
        access_tokens_enabled: bool = True,
    ) -> None:
        self.lock = threading.RLock()
        self.signing_key = signing_key
        self.access_tokens_enabled = access_tokens_enabled
        self.roles = roles
        self.role_mappings: dict[str, RoleHierarchy] = {}
        self.b2b_enabled = b2b_enabled
        self.users: dict[str, UserRecord] = {}
        self.by_email: dict[str, str] = {}
        self.by_username: dict[str, str] = {}
        self.orgs: dict[str, OrgRecord] = {}
        self.user_orgs: dict[str, dict[str, None]] = {}
        self.invites: dict[tuple[str, str], InviteRecord] = {}
        self.api_keys: dict[str, ApiKeyRecord] = {}
        self.api_key_usage: dict[tuple[str, str], int] = {}  # (YYYY-MM-DD, key id) -> count
        self.magic_links: list[dict[str, Any]] = []
        self.employees: dict[str, str] = {}
        self.scim_groups: dict[str, dict[str, dict[str, Any]]] = {}  # org -> group id -> group
        self.step_up_enabled = True
        self.sms_challenges: dict[str, dict[str, Any]] = {}
        self.grants: dict[str, dict[str, Any]] = {}

    # Snapshots -----------------------------------------------------------------------------

    DATA = (
        "roles",
        "role_mappings",
        "b2b_enabled",
        "users",
        "by_email",
        "by_username",
        "orgs",
        "user_orgs",
        "invites",
        "api_keys",
        "api_key_usage",
        "magic_links",
        "employees",
        "scim_groups",
        "step_up_enabled",
        "sms_challenges",
        "grants",
    )
    """Everything a snapshot holds: the records and the project's settings (not the key)."""

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of every record, safe to keep while the state changes."""
        with self.lock:
            return copy.deepcopy({name: getattr(self, name) for name in self.DATA})

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Put back a :meth:`snapshot` (copied again, so it can be restored many times)."""
        data = copy.deepcopy(dict(snapshot))
        with self.lock:
            for name in self.DATA:
                setattr(self, name, data[name])

    # Users ---------------------------------------------------------------------------------

    def user(self, user_id: str) -> UserRecord:
        record = self.users.get(user_id)
        if record is None:
            raise not_found("user")
        return record

    def user_by_email(self, email: str) -> UserRecord | None:
        user_id = self.by_email.get(email.strip().lower())
        return None if user_id is None else self.users[user_id]

    def user_by_username(self, username: str) -> UserRecord | None:
        user_id = self.by_username.get(username.lower())
        return None if user_id is None else self.users[user_id]

    def index_user(self, record: UserRecord) -> None:
        self.users[record.user_id] = record
        self.by_email[record.email.lower()] = record.user_id
        if record.username:
            self.by_username[record.username.lower()] = record.user_id
        self.user_orgs.setdefault(record.user_id, {})

    def check_unique(
        self, *, email: str | None = None, username: str | None = None, exclude: str | None = None
    ) -> None:
        if email is not None:
            owner = self.by_email.get(email.lower())
            if owner is not None and owner != exclude:
                raise bad_request("email", "Email already exists")
        if username:
            owner = self.by_username.get(username.lower())
            if owner is not None and owner != exclude:
                raise bad_request("username", "Username already exists")

    def remove_user(self, user_id: str) -> None:
        record = self.users.pop(user_id)
        self.by_email.pop(record.email.lower(), None)
        if record.username:
            self.by_username.pop(record.username.lower(), None)
        for org_id in self.user_orgs.pop(user_id, {}):
            self.orgs[org_id].members.pop(user_id, None)

    # Orgs ----------------------------------------------------------------------------------

    def require_b2b(self) -> None:
        if not self.b2b_enabled:
            raise EmulatorError(
                426,
                "Cannot use organizations unless B2B support is enabled. "
                "Enable it in your PropelAuth dashboard.",
            )

    def org(self, org_id: str) -> OrgRecord:
        self.require_b2b()
        record = self.orgs.get(org_id)
        if record is None:
            raise not_found("org")
        return record

    def hierarchy_of(self, org: OrgRecord) -> RoleHierarchy:
        if org.custom_role_mapping_name is not None:
            mapping = self.role_mappings.get(org.custom_role_mapping_name)
            if mapping is not None:
                return mapping
        return self.roles

    def member_info(self, org: OrgRecord, user_id: str) -> dict[str, Any]:
        """The per-org JSON of a member, as user lookups and access tokens carry it."""
        member = org.members[user_id]
        hierarchy = self.hierarchy_of(org)
        return {
            "org_id": org.org_id,
            "org_name": org.name,
            "url_safe_org_name": org.url_safe_org_slug,
            "org_metadata": dict(org.metadata),
            "user_role": member.role,
            "inherited_user_roles_plus_current_role": hierarchy.inherited(
                member.role, member.additional_roles
            ),
            "user_permissions": hierarchy.permissions_of(member.role, member.additional_roles),
            "org_role_structure": hierarchy.structure,
            "additional_roles": list(member.additional_roles),
            "legacy_org_id": org.legacy_org_id,
        }

    def memberships_json(self, user_id: str) -> dict[str, Any]:
        return {
            org_id: self.member_info(self.orgs[org_id], user_id)
            for org_id in self.user_orgs.get(user_id, {})
        }


def user_json(state: State, record: UserRecord, *, include_orgs: bool) -> dict[str, Any]:
    """A user as the backend API returns it."""
    body: dict[str, Any] = {
        "user_id": record.user_id,
        "email": record.email,
        "email_confirmed": record.email_confirmed,
        "has_password": record.has_password,
        "username": record.username,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "picture_url": record.picture_url,
        "properties": dict(record.properties),
        "metadata": dict(record.metadata),
        "locked": record.locked,
        "enabled": record.enabled,
        "mfa_enabled": record.mfa_enabled,
        "can_create_orgs": record.can_create_orgs,
        "created_at": record.created_at,
        "last_active_at": record.last_active_at,
        "update_password_required": record.update_password_required,
        "legacy_user_id": record.legacy_user_id,
    }
    if include_orgs:
        body["org_id_to_org_info"] = state.memberships_json(record.user_id)
    return body


def paged(
    items: Sequence[Any], *, page_number: int, page_size: int, key: str, total_key: str
) -> dict[str, Any]:
    """The standard page envelope over already-filtered, already-ordered ``items``."""
    start = page_number * page_size
    chunk = list(items[start : start + page_size])
    return {
        key: chunk,
        total_key: len(items),
        "current_page": page_number,
        "page_size": page_size,
        "has_more_results": start + page_size < len(items),
    }


def distinct(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
