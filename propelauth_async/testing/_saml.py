"""Emulated SAML and OIDC connections of organizations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import _endpoints as E
from .._endpoints import Endpoint
from ._request import Request
from ._state import State, bad_request, new_id, not_found

Handler = Callable[[State, Request], Any]

_OIDC_FIELDS = {
    "Generic": ("auth_url", "token_url", "userinfo_url"),
    "Okta": ("okta_sso_domain",),
    "Azure": ("entra_tenant_id",),
}


def _saml_switch(allowed: bool) -> Handler:
    def handle(state: State, req: Request) -> Any:
        state.org(req.uuid("org_id")).can_setup_saml = allowed
        return {}

    return handle


def saml_link(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id"))
    expires = req.field("expires_in_seconds", int, 86400) if req.body else 86400
    if expires < 1:
        raise bad_request("expires_in_seconds", "Must be positive")
    org.can_setup_saml = True
    return {"url": f"https://{req.auth_host}/saml/setup/{org.org_id}/{new_id()}"}


def saml_sp_metadata(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id"))
    base = f"https://{req.auth_host}/saml/{org.org_id}"
    return {
        "entity_id": f"{base}/metadata",
        "acs_url": f"{base}/acs",
        "logout_url": f"{base}/logout",
    }


def set_saml_idp(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id", req.text("org_id")))
    org.saml = {
        name: req.text(name)
        for name in ("idp_entity_id", "idp_sso_url", "idp_certificate", "provider")
    }
    org.is_saml_configured, org.is_saml_in_test_mode = True, True
    return {}


def set_oidc_idp(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id", req.text("org_id")))
    idp_type = req.text("idp_type")
    if idp_type not in _OIDC_FIELDS:
        raise bad_request("idp_type", "Must be Generic, Okta or Azure")
    settings = {
        name: req.text(name) for name in ("client_id", "client_secret", *_OIDC_FIELDS[idp_type])
    }
    org.saml = {
        "oidc": True,
        "idp_type": idp_type,
        "uses_pkce": req.field("uses_pkce", bool),
        **settings,
    }
    org.is_saml_configured, org.is_saml_in_test_mode = True, True
    return {}


def saml_go_live(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id"))
    if not org.is_saml_configured:
        raise bad_request("org_id", "No SAML connection is configured")
    org.is_saml_in_test_mode = False
    return {}


def delete_saml(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id"))
    if not org.is_saml_configured:
        raise not_found("SAML connection")
    org.saml, org.is_saml_configured, org.is_saml_in_test_mode = {}, False, False
    return {}


ROUTES: dict[Endpoint, Handler] = {
    E.ALLOW_ORG_SAML: _saml_switch(True),
    E.DISALLOW_ORG_SAML: _saml_switch(False),
    E.CREATE_SAML_CONNECTION_LINK: saml_link,
    E.FETCH_SAML_SP_METADATA: saml_sp_metadata,
    E.SET_SAML_IDP_METADATA: set_saml_idp,
    E.SET_OIDC_IDP_METADATA: set_oidc_idp,
    E.SAML_GO_LIVE: saml_go_live,
    E.DELETE_SAML_CONNECTION: delete_saml,
}
