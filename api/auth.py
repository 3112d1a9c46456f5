"""Who is asking: an API token, a sign-in proxy's headers, or the local single user.

- ``Authorization: Bearer <token>``: the token's principal; an unknown or revoked token is
  a 401 whatever else the request carries.
- From an address in ``WATERCOOLER_AUTH_PROXY_ADDRESSES``, the proxy's headers
  (``X-Forwarded-Email``, ``X-Forwarded-User``, ``X-Forwarded-Groups`` by default) name
  the user. From any other address they are ignored: the request is anonymous.
- Once a token exists or a proxy is configured, an anonymous request gets a 401.
  Otherwise the server is open: to its local single user (an admin) on loopback, or, when
  served beyond loopback with ``--allow-anonymous``, to anonymous visitors who see only
  what is open to ``everyone``.

The client address is the TCP peer's: ``watercooler serve`` never rewrites it from
``X-Forwarded-For``.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from fastapi import HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from search.store.access import Principal
from search.store.principals import expand, token_principal
from search.store.settings import Settings
from search.store.store import Store

# Declares the scheme in the OpenAPI schema; a missing header is handled below.
bearer = HTTPBearer(auto_error=False, description="An API token (`watercooler tokens create`).")

OpenMode = Literal["local", "anonymous"]


def unauthorized(message: str) -> HTTPException:
    return HTTPException(status_code=401, detail=message, headers={"WWW-Authenticate": "Bearer"})


def authenticate(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    store: Store,
    open_mode: OpenMode,
) -> Principal:
    """The principal of ``request`` (see the module docstring); a 401 saying why not."""
    settings = store.settings
    if credentials is not None:
        principal = token_principal(store.catalog, credentials.credentials)
        if principal is None:
            raise unauthorized("the API token is unknown or was revoked")
        return expand(principal, settings.people_path)
    proxied = proxy_principal(request, settings)
    if proxied is not None:
        return expand(proxied, settings.people_path)
    if settings.auth_proxy_addresses or store.catalog.has_tokens():
        raise unauthorized(sign_in_help(settings))
    return Principal.local() if open_mode == "local" else Principal.anonymous()


def proxy_principal(request: Request, settings: Settings) -> Principal | None:
    """The user the sign-in proxy names, when the request comes from the proxy."""
    if not settings.auth_proxy_addresses or not from_proxy(request, settings):
        return None
    email = request.headers.get(settings.auth_proxy_email_header, "").strip()
    name = email or request.headers.get(settings.auth_proxy_user_header, "").strip()
    if not name:
        return None
    raw_groups = request.headers.get(settings.auth_proxy_groups_header, "")
    groups = tuple(dict.fromkeys(g.strip() for g in raw_groups.split(",") if g.strip()))
    admins = {a.strip().casefold() for a in settings.admins}
    admin = name.casefold() in admins or any(f"group:{g}".casefold() in admins for g in groups)
    return Principal(name, groups, admin, via="proxy")


def from_proxy(request: Request, settings: Settings) -> bool:
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in settings.proxy_networks)


def sign_in_help(settings: Settings) -> str:
    how = "send Authorization: Bearer <token> (watercooler tokens create)"
    if settings.auth_proxy_addresses:
        how += " or come through the sign-in proxy"
    return f"sign-in required: {how}"


def describe(settings: Settings, store: Store, host: str, allow_anonymous: bool) -> str:
    """One line saying how this server signs people in, for ``watercooler serve``."""
    tokens = sum(1 for t in store.catalog.tokens() if t.revoked_at is None)
    parts = []
    if settings.auth_proxy_addresses:
        parts.append(
            f"sign-in proxy at {', '.join(settings.auth_proxy_addresses)} "
            f"({settings.auth_proxy_email_header} / {settings.auth_proxy_user_header}, "
            f"groups from {settings.auth_proxy_groups_header})"
        )
    if tokens or store.catalog.has_tokens():
        parts.append(f"API tokens ({tokens} active)")
    if parts:
        return "Sign-in: " + " and ".join(parts) + "; anything else gets a 401."
    if allow_anonymous:
        return (
            f"WARNING: serving {host} without sign-in: anyone who can reach it searches "
            "everything open to everyone. Create a token (watercooler tokens create) or "
            "configure a sign-in proxy."
        )
    return (
        "Local single-user mode: no tokens and no sign-in proxy, so whoever reaches this "
        "loopback address sees everything (create a token to require sign-in)."
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
