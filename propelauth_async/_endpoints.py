"""Every backend operation in one table: what is sent, and what the answer means.

Resources never spell a path or a method; they name a row of this table, and the requester reads
the rest of the row. ``replay_safe`` is the retry table's column (DESIGN section 3): by default
GET, PUT and DELETE are safe to send twice and POST and PATCH are not; a POST that is idempotent
by meaning (disable a user, fetch a batch) says so here, and nowhere else. ``result`` names the
model the answer becomes (the item model of a paged row); ``missing`` says what a 404 means;
``page`` gives a paged answer's keys; ``error_classes`` gives the endpoint's own meanings of an
``error_code`` or a status. ``official`` is the propelauth-py method the row corresponds to, from
which ``docs/operations.md`` is generated; ``ours`` is where the operation lives on our client.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

from . import errors
from ._responses import ErrorMeaning

V1 = "/api/backend/v1"


class RateLimitScope(enum.Enum):
    """Whom a 429 from an endpoint can be about.

    ``BACKEND``: only our integration key's limit; the client pauses and retries.
    ``SUBJECT_OR_BACKEND``: also a limit on one end user or subject (an end user's API key, a
    user's MFA attempts, confirmation emails for one user), answered as JSON; PropelAuth's
    backend limit answers plain text ("Rate limited. Please wait N seconds..."). A per-subject
    429 is raised at once as ``EndUserRateLimitError`` and never pauses the client.
    """

    BACKEND = "backend"
    SUBJECT_OR_BACKEND = "subject or backend"


class Missing(enum.Enum):
    """What a 404 from an endpoint means."""

    ERROR = "error"
    """Raised as ``NotFoundError``: a write (or a list) about a thing that is not there."""
    NONE = "none"
    """The answer ``None``: a lookup that found nothing. No error is built for it."""


@attrs.frozen
class PageShape:
    """Where a paged answer keeps its items, its total and its page number."""

    items_key: str
    total_key: str
    page_key: str = "current_page"
    generated_at_key: str | None = None
    send_defaults: bool = True
    """Page number and size not given go out as 0 and 10 (the official library sends them for
    these endpoints); when false they are left out and the server's defaults apply."""


def _names(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else value


def _default_replay_safe(endpoint: Endpoint) -> bool:
    return endpoint.method in ("GET", "HEAD", "PUT", "DELETE")


ErrorClasses = Mapping[str | int, ErrorMeaning]
"""An endpoint's own meanings: an ``error_code`` (str) or a status (int) -> the error class
(and, optionally, what that answer means)."""


@attrs.frozen
class Endpoint:
    """One backend operation: what is sent, whether it may be sent twice, what comes back."""

    ours: tuple[str, ...] = attrs.field(converter=_names)
    """The client methods that send it, dotted from the client (``users.query``...)."""
    method: str
    path: str
    official: tuple[str, ...] = attrs.field(default=(), converter=_names)
    replay_safe: bool = attrs.field(default=attrs.Factory(_default_replay_safe, takes_self=True))
    rate_limit_scope: RateLimitScope = RateLimitScope.BACKEND
    # False for a write whose resource ignores the answer: any 2xx is then success, whatever
    # its body (a truncated 200 to a delete means the thing is gone). DELETEs never need one.
    answer_used: bool | None = None
    result: str | None = None
    """The model in ``propelauth_async.models`` the answer is structured into (for a paged row,
    each item); ``None``: the resource reads the decoded answer itself, or ignores it."""
    missing: Missing = Missing.ERROR
    page: PageShape | None = None
    error_classes: ErrorClasses = attrs.field(factory=dict, eq=False)

    @property
    def name(self) -> str:
        """The main client method of the row (its first ``ours``), or the row's note."""
        return self.ours[0] if self.ours else ""

    @property
    def needs_answer(self) -> bool:
        if self.answer_used is not None:
            return self.answer_used
        return self.method != "DELETE"


def _e(
    ours: str | tuple[str, ...],
    method: str,
    path: str,
    official: str | tuple[str, ...] | None,
    *,
    replay_safe: bool | None = None,
    rate_limit_scope: RateLimitScope = RateLimitScope.BACKEND,
    answer_used: bool | None = None,
    result: str | None = None,
    missing: Missing = Missing.ERROR,
    page: PageShape | None = None,
    error_classes: ErrorClasses | None = None,
) -> Endpoint:
    safe = {} if replay_safe is None else {"replay_safe": replay_safe}
    return Endpoint(
        ours,
        method,
        path,
        official,
        rate_limit_scope=rate_limit_scope,
        answer_used=answer_used,
        result=result,
        missing=missing,
        page=page,
        error_classes=error_classes or {},
        **safe,
    )


# Users ---------------------------------------------------------------------------------------
FETCH_USER = _e(
    "users.fetch",
    "GET",
    V1 + "/user/{user_id}",
    "fetch_user_metadata_by_user_id",
    result="User",
    missing=Missing.NONE,
)
FETCH_USER_BY_EMAIL = _e(
    "users.fetch_by_email",
    "GET",
    V1 + "/user/email",
    "fetch_user_metadata_by_email",
    result="User",
    missing=Missing.NONE,
)
FETCH_USER_BY_USERNAME = _e(
    "users.fetch_by_username",
    "GET",
    V1 + "/user/username",
    "fetch_user_metadata_by_username",
    result="User",
    missing=Missing.NONE,
)
FETCH_USER_SIGNUP_PARAMS = _e(
    "users.fetch_signup_query_params",
    "GET",
    V1 + "/user/{user_id}/signup_query_parameters",
    "fetch_user_signup_query_params_by_user_id",
    missing=Missing.NONE,
)
# The batch lookups are POSTs only to carry a long key list: reads, safe to replay.
FETCH_USERS_BY_IDS = _e(
    "users.fetch_batch_by_ids",
    "POST",
    V1 + "/user/user_ids",
    "fetch_batch_user_metadata_by_user_ids",
    replay_safe=True,
)
FETCH_USERS_BY_EMAILS = _e(
    "users.fetch_batch_by_emails",
    "POST",
    V1 + "/user/emails",
    "fetch_batch_user_metadata_by_emails",
    replay_safe=True,
)
FETCH_USERS_BY_USERNAMES = _e(
    "users.fetch_batch_by_usernames",
    "POST",
    V1 + "/user/usernames",
    "fetch_batch_user_metadata_by_usernames",
    replay_safe=True,
)
QUERY_USERS = _e(
    ("users.query", "users.iter"),
    "GET",
    V1 + "/user/query",
    "fetch_users_by_query",
    result="User",
    page=PageShape("users", "total_users"),
)
QUERY_USERS_IN_ORG = _e(
    ("users.query_in_org", "users.iter_in_org", "orgs.query_members", "orgs.iter_members"),
    "GET",
    V1 + "/user/org/{org_id}",
    "fetch_users_in_org",
    result="User",
    page=PageShape("users", "total_users"),
)
CREATE_USER = _e("users.create", "POST", V1 + "/user/", "create_user", result="CreatedUser")
FETCH_USER_MFA_METHODS = _e(
    "users.fetch_mfa_methods",
    "GET",
    V1 + "/user/{user_id}/mfa",
    "fetch_user_mfa_methods",
    missing=Missing.NONE,
)
FETCH_USER_OAUTH_TOKENS = _e(
    "users.fetch_oauth_tokens",
    "GET",
    V1 + "/user/{user_id}/oauth_token",
    "fetch_user_oauth_tokens",
    missing=Missing.NONE,
)
FETCH_FRESH_PROVIDER_TOKEN = _e(
    "users.fetch_fresh_provider_token",
    "GET",
    V1 + "/user/{user_id}/{provider}/fresh_token",
    "fetch_fresh_token_from_provider",
    result="OAuthToken",
    missing=Missing.NONE,
)
# Sends an email each time: never replayed.
RESEND_EMAIL_CONFIRMATION = _e(
    "users.resend_email_confirmation",
    "POST",
    V1 + "/resend_email_confirmation",
    "resend_email_confirmation",
    answer_used=False,
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
)
LOGOUT_ALL_SESSIONS = _e(
    "users.logout_all_sessions",
    "POST",
    V1 + "/user/{user_id}/logout_all_sessions",
    "logout_all_user_sessions",
    replay_safe=True,
    answer_used=False,
)
UPDATE_USER_EMAIL = _e(
    "users.update_email",
    "PUT",
    V1 + "/user/{user_id}/email",
    "update_user_email",
    answer_used=False,
)
UPDATE_USER = _e(
    "users.update", "PUT", V1 + "/user/{user_id}", "update_user_metadata", answer_used=False
)
CLEAR_USER_PASSWORD = _e(
    "users.clear_password",
    "PUT",
    V1 + "/user/{user_id}/clear_password",
    "clear_user_password",
    answer_used=False,
)
UPDATE_USER_PASSWORD = _e(
    "users.update_password",
    "PUT",
    V1 + "/user/{user_id}/password",
    "update_user_password",
    answer_used=False,
)
DELETE_USER = _e("users.delete", "DELETE", V1 + "/user/{user_id}", "delete_user")
DISABLE_USER = _e(
    "users.disable",
    "POST",
    V1 + "/user/{user_id}/disable",
    "disable_user",
    replay_safe=True,
    answer_used=False,
)
ENABLE_USER = _e(
    "users.enable",
    "POST",
    V1 + "/user/{user_id}/enable",
    "enable_user",
    replay_safe=True,
    answer_used=False,
)
DISABLE_USER_2FA = _e(
    "users.disable_2fa",
    "POST",
    V1 + "/user/{user_id}/disable_2fa",
    "disable_user_2fa",
    replay_safe=True,
    answer_used=False,
)
ENABLE_CAN_CREATE_ORGS = _e(
    "users.enable_can_create_orgs",
    "PUT",
    V1 + "/user/{user_id}/can_create_orgs/enable",
    "enable_user_can_create_orgs",
    answer_used=False,
)
DISABLE_CAN_CREATE_ORGS = _e(
    "users.disable_can_create_orgs",
    "PUT",
    V1 + "/user/{user_id}/can_create_orgs/disable",
    "disable_user_can_create_orgs",
    answer_used=False,
)

# Organizations -------------------------------------------------------------------------------
FETCH_ORG = _e(
    "orgs.fetch", "GET", V1 + "/org/{org_id}", "fetch_org", result="Org", missing=Missing.NONE
)
QUERY_ORGS = _e(
    ("orgs.query", "orgs.iter"),
    "GET",
    V1 + "/org/query",
    "fetch_org_by_query",
    result="Org",
    page=PageShape("orgs", "total_orgs"),
)
CREATE_ORG = _e("orgs.create", "POST", V1 + "/org/", "create_org", result="CreatedOrg")
UPDATE_ORG = _e(
    "orgs.update", "PUT", V1 + "/org/{org_id}", "update_org_metadata", answer_used=False
)
SUBSCRIBE_ORG_TO_ROLE_MAPPING = _e(
    "orgs.subscribe_to_role_mapping",
    "PUT",
    V1 + "/org/{org_id}",
    "subscribe_org_to_role_mapping",
    answer_used=False,
)
DELETE_ORG = _e("orgs.delete", "DELETE", V1 + "/org/{org_id}", "delete_org")
# Membership changes are idempotent by meaning, but a retried add after a lost answer would
# answer "already a member" (400); we keep them unreplayed and let the caller look.
ADD_USER_TO_ORG = _e(
    "orgs.add_user", "POST", V1 + "/org/add_user", "add_user_to_org", answer_used=False
)
REMOVE_USER_FROM_ORG = _e(
    "orgs.remove_user", "POST", V1 + "/org/remove_user", "remove_user_from_org", answer_used=False
)
CHANGE_USER_ROLE_IN_ORG = _e(
    "orgs.change_role",
    "POST",
    V1 + "/org/change_role",
    "change_user_role_in_org",
    replay_safe=True,
    answer_used=False,
)
ALLOW_ORG_SAML = _e(
    "orgs.allow_saml",
    "POST",
    V1 + "/org/{org_id}/allow_saml",
    "allow_org_to_setup_saml_connection",
    replay_safe=True,
    answer_used=False,
)
DISALLOW_ORG_SAML = _e(
    "orgs.disallow_saml",
    "POST",
    V1 + "/org/{org_id}/disallow_saml",
    "disallow_org_to_setup_saml_connection",
    replay_safe=True,
    answer_used=False,
)
CREATE_SAML_CONNECTION_LINK = _e(
    "orgs.create_saml_connection_link",
    "POST",
    V1 + "/org/{org_id}/create_saml_connection_link",
    "create_org_saml_connection_link",
    result="SamlConnectionLink",
)
FETCH_SAML_SP_METADATA = _e(
    "orgs.fetch_saml_sp_metadata",
    "GET",
    V1 + "/saml_sp_metadata/{org_id}",
    "fetch_saml_sp_metadata",
    result="SamlSpMetadata",
    missing=Missing.NONE,
)
SET_SAML_IDP_METADATA = _e(
    "orgs.set_saml_idp_metadata",
    "POST",
    V1 + "/saml_idp_metadata",
    "set_saml_idp_metadata",
    replay_safe=True,
    answer_used=False,
)
SET_OIDC_IDP_METADATA = _e(
    "orgs.set_oidc_idp_metadata",
    "POST",
    V1 + "/oidc_idp_metadata",
    "set_oidc_idp_metadata",
    replay_safe=True,
    answer_used=False,
)
SAML_GO_LIVE = _e(
    "orgs.saml_go_live",
    "POST",
    V1 + "/saml_idp_metadata/go_live/{org_id}",
    "saml_go_live",
    replay_safe=True,
    answer_used=False,
)
DELETE_SAML_CONNECTION = _e(
    "orgs.delete_saml_connection",
    "DELETE",
    V1 + "/saml_idp_metadata/{org_id}",
    "delete_saml_connection",
)

# Invites and role mappings -------------------------------------------------------------------
# An invite sends an email: never replayed.
INVITE_USER_TO_ORG = _e(
    "invites.invite_by_email", "POST", V1 + "/invite_user", "invite_user_to_org", answer_used=False
)
INVITE_USER_TO_ORG_BY_ID = _e(
    "invites.invite_by_user_id",
    "POST",
    V1 + "/invite_user_by_id",
    "invite_user_to_org_by_user_id",
    answer_used=False,
)
FETCH_PENDING_INVITES = _e(
    ("invites.query_pending", "invites.iter_pending"),
    "GET",
    V1 + "/pending_org_invites",
    "fetch_pending_invites",
    result="PendingInvite",
    page=PageShape("invites", "total_invites"),
)
REVOKE_PENDING_INVITE = _e(
    "invites.revoke", "DELETE", V1 + "/pending_org_invites", "revoke_pending_org_invite"
)
FETCH_CUSTOM_ROLE_MAPPINGS = _e(
    "role_mappings.fetch_all", "GET", V1 + "/custom_role_mappings", "fetch_custom_role_mappings"
)

# Access tokens -------------------------------------------------------------------------------
# Each call mints a new token: not replayed.
CREATE_ACCESS_TOKEN = _e(
    "access_tokens.create",
    "POST",
    V1 + "/access_token",
    "create_access_token",
    result="CreatedAccessToken",
    error_classes={
        403: (errors.UserNotFoundError, "the user was not found"),
        404: (
            errors.FeatureNotEnabledError,
            "access-token creation is not enabled for this project",
        ),
    },
)

# Magic links and migration --------------------------------------------------------------------
CREATE_MAGIC_LINK = _e(
    "magic_links.create", "POST", V1 + "/magic_link", "create_magic_link", result="MagicLink"
)
MIGRATE_USER = _e(
    "migration.migrate_user",
    "POST",
    V1 + "/migrate_user/",
    "migrate_user_from_external_source",
    result="CreatedUser",
)
MIGRATE_USER_PASSWORD = _e(
    "migration.migrate_password",
    "POST",
    V1 + "/migrate_user/password",
    "migrate_user_password",
    replay_safe=True,
    answer_used=False,
)

# End-user API keys -------------------------------------------------------------------------------
API_KEYS = V1 + "/end_user_api_keys"
_API_KEY_PAGE = PageShape("api_keys", "total_api_keys", send_defaults=False)
FETCH_API_KEY = _e(
    "api_keys.fetch",
    "GET",
    API_KEYS + "/{api_key_id}",
    "fetch_api_key",
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
    result="ApiKey",
    missing=Missing.NONE,
)
FETCH_CURRENT_API_KEYS = _e(
    ("api_keys.query_current", "api_keys.iter_current"),
    "GET",
    API_KEYS,
    "fetch_current_api_keys",
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
    result="ApiKey",
    page=_API_KEY_PAGE,
)
FETCH_ARCHIVED_API_KEYS = _e(
    ("api_keys.query_archived", "api_keys.iter_archived"),
    "GET",
    API_KEYS + "/archived",
    "fetch_archived_api_keys",
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
    result="ApiKey",
    page=_API_KEY_PAGE,
)
CREATE_API_KEY = _e(
    "api_keys.create",
    "POST",
    API_KEYS,
    "create_api_key",
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
    result="NewApiKey",
)
UPDATE_API_KEY = _e(
    "api_keys.update",
    "PATCH",
    API_KEYS + "/{api_key_id}",
    "update_api_key",
    replay_safe=True,
    answer_used=False,
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
)
DELETE_API_KEY = _e(
    "api_keys.delete",
    "DELETE",
    API_KEYS + "/{api_key_id}",
    "delete_api_key",
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
)
# Validation is a read in meaning (it only counts usage): safe to send again.
VALIDATE_API_KEY = _e(
    "api_keys.validate",
    "POST",
    API_KEYS + "/validate",
    "validate_api_key",
    replay_safe=True,
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
)
VALIDATE_PERSONAL_API_KEY = _e(
    "api_keys.validate_personal",
    "POST",
    API_KEYS + "/validate",
    "validate_personal_api_key",
    replay_safe=True,
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
)
VALIDATE_ORG_API_KEY = _e(
    "api_keys.validate_org",
    "POST",
    API_KEYS + "/validate",
    "validate_org_api_key",
    replay_safe=True,
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
)
VALIDATE_IMPORTED_API_KEY = _e(
    "api_keys.validate_imported",
    "POST",
    API_KEYS + "/validate_imported",
    "validate_imported_api_key",
    replay_safe=True,
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
)
FETCH_API_KEY_USAGE = _e(
    "api_keys.fetch_usage",
    "GET",
    API_KEYS + "/usage",
    "fetch_api_key_usage",
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
)
IMPORT_API_KEY = _e(
    "api_keys.import_key",
    "POST",
    API_KEYS + "/import",
    "import_api_key",
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
    result="ImportedApiKey",
)

# Step-up MFA (codes and grants are used up: never replayed) -----------------------------------
# The three endpoints report errors under different body keys; whichever they use, the
# error_code picks the class (401 and 429 keep their own).
_STEP_UP_ERRORS: ErrorClasses = {
    "user_not_found": errors.UserNotFoundError,
    "mfa_not_enabled": errors.MfaNotEnabledError,
    "incorrect_mfa_code": errors.IncorrectMfaCodeError,
    "feature_gated": errors.FeatureNotEnabledError,
    "invalid_request_fields": errors.BadRequestError,
}
STEP_UP = V1 + "/mfa/step-up"
VERIFY_STEP_UP_TOTP = _e(
    "mfa.verify_totp",
    "POST",
    STEP_UP + "/verify-totp",
    "verify_step_up_totp_challenge",
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
    result="StepUpGrant",
    error_classes=_STEP_UP_ERRORS,
)
VERIFY_STEP_UP_GRANT = _e(
    "mfa.verify_grant",
    "POST",
    STEP_UP + "/verify-grant",
    "verify_step_up_grant",
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
    error_classes=_STEP_UP_ERRORS,
)
SEND_SMS_MFA_CODE = _e(
    "mfa.send_sms_code",
    "POST",
    STEP_UP + "/phone/send",
    "send_sms_mfa_code",
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
    result="SmsChallenge",
    error_classes=_STEP_UP_ERRORS,
)
VERIFY_SMS_CHALLENGE = _e(
    "mfa.verify_sms",
    "POST",
    STEP_UP + "/phone/verify",
    "verify_sms_challenge",
    rate_limit_scope=RateLimitScope.SUBJECT_OR_BACKEND,
    result="StepUpGrant",
    error_classes=_STEP_UP_ERRORS,
)

# Reports ---------------------------------------------------------------------------------------


def _report_page(items_key: str) -> PageShape:
    return PageShape(items_key, "total_count", generated_at_key="report_time", send_defaults=False)


USER_TOP_INVITER_REPORT = _e(
    ("reports.top_inviters.query", "reports.top_inviters.iter"),
    "GET",
    V1 + "/user_report/top_inviter",
    "fetch_user_top_inviter_report",
    result="UserReportRecord",
    page=_report_page("user_reports"),
)
USER_CHAMPION_REPORT = _e(
    ("reports.champions.query", "reports.champions.iter"),
    "GET",
    V1 + "/user_report/champion",
    "fetch_user_champion_report",
    result="UserReportRecord",
    page=_report_page("user_reports"),
)
USER_CHURN_REPORT = _e(
    ("reports.user_churn.query", "reports.user_churn.iter"),
    "GET",
    V1 + "/user_report/churn",
    "fetch_user_churn_report",
    result="UserReportRecord",
    page=_report_page("user_reports"),
)
USER_REENGAGEMENT_REPORT = _e(
    ("reports.user_reengagement.query", "reports.user_reengagement.iter"),
    "GET",
    V1 + "/user_report/reengagement",
    "fetch_user_reengagement_report",
    result="UserReportRecord",
    page=_report_page("user_reports"),
)
ORG_CHURN_REPORT = _e(
    ("reports.org_churn.query", "reports.org_churn.iter"),
    "GET",
    V1 + "/org_report/churn",
    "fetch_org_churn_report",
    result="OrgReportRecord",
    page=_report_page("org_reports"),
)
ORG_REENGAGEMENT_REPORT = _e(
    ("reports.org_reengagement.query", "reports.org_reengagement.iter"),
    "GET",
    V1 + "/org_report/reengagement",
    "fetch_org_reengagement_report",
    result="OrgReportRecord",
    page=_report_page("org_reports"),
)
ORG_GROWTH_REPORT = _e(
    ("reports.org_growth.query", "reports.org_growth.iter"),
    "GET",
    V1 + "/org_report/growth",
    "fetch_org_growth_report",
    result="OrgReportRecord",
    page=_report_page("org_reports"),
)
ORG_ATTRITION_REPORT = _e(
    ("reports.org_attrition.query", "reports.org_attrition.iter"),
    "GET",
    V1 + "/org_report/attrition",
    "fetch_org_attrition_report",
    result="OrgReportRecord",
    page=_report_page("org_reports"),
)
FETCH_CHART_METRIC = _e(
    "reports.fetch_chart",
    "GET",
    V1 + "/chart_metrics/{chart_metric}",
    "fetch_chart_metric_data",
    result="ChartData",
)

# SCIM and employees ----------------------------------------------------------------------------
FETCH_ORG_SCIM_GROUPS = _e(
    ("scim.query_groups", "scim.iter_groups"),
    "GET",
    V1 + "/scim/{org_id}/groups",
    "fetch_org_scim_groups",
    result="ScimGroupSummary",
    page=PageShape("groups", "total_groups", "page_number"),
)
FETCH_SCIM_GROUP = _e(
    ("scim.fetch_group", "scim.query_group_members", "scim.iter_group_members"),
    "GET",
    V1 + "/scim/{org_id}/groups/{group_id}",
    "fetch_scim_group",
    missing=Missing.NONE,
)
FETCH_EMPLOYEE = _e(
    "employees.fetch",
    "GET",
    V1 + "/employee/{employee_id}",
    "fetch_employee_by_id",
    result="Employee",
    missing=Missing.NONE,
)

# Token verification metadata (not one of the 79 methods: the official library fetches it at init).
TOKEN_VERIFICATION_METADATA = _e(
    "tokens.verify", "GET", "/api/v1/token_verification_metadata", None, missing=Missing.NONE
)
LEGACY_TOKEN_VERIFICATION_METADATA = _e(
    "tokens.verify", "GET", V1 + "/token_verification_metadata", None
)

ALL: tuple[Endpoint, ...] = tuple(
    row for row in list(globals().values()) if isinstance(row, Endpoint)
)
