"""Bearer tokens: signed JWTs (HS256) naming a subject, one role and, for enterprises, their organization.

The platform is its own issuer here (``talentmatch token``); behind a real identity provider the same
claims arrive from it and only ``verify_token``'s key changes. Tokens carry no personal data: the
subject is an opaque account id such as ``seeker-8f3a`` or ``ent-91``. The rules of a valid token are
checked here, on every request, whoever signed it: a subject of ``SUBJECT_PATTERN`` (it is stored as
owner and audit actor), a lifetime (``exp - iat``) within the configured cap, a bounded length.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal, get_args

import jwt

from shared.errors import NotAuthenticatedError

Role = Literal["seeker", "enterprise", "operator", "service"]
ROLES: tuple[Role, ...] = get_args(Role)
ISSUER = "talentmatch"
AUDIENCE = "talentmatch-api"
ALGORITHM = "HS256"
MAX_SUBJECT_CHARS = 128
SUBJECT_PATTERN = re.compile(r"[A-Za-z0-9._:@-]{1,128}")
MAX_ORG_CHARS = 120  # an organization name as the jobs API accepts it
MAX_TOKEN_CHARS = 8 * 1024
MAX_LIFETIME_SECONDS = 90 * 24 * 3600


def valid_subject(subject: object) -> bool:
    return isinstance(subject, str) and SUBJECT_PATTERN.fullmatch(subject) is not None


def valid_org(org: object) -> bool:
    return isinstance(org, str) and 0 < len(org) <= MAX_ORG_CHARS and org == org.strip() and org.isprintable()


@dataclass(frozen=True)
class Principal:
    """Who is calling: an account id, its role and, for an enterprise account, the organization it is bound to."""

    subject: str
    role: Role
    org: str | None = None

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def owns(self, owner: str | None) -> bool:
        return owner is not None and owner == self.subject


def issue_token(secret: str, *, subject: str, role: Role, ttl_seconds: int = 3600, org: str | None = None,
                now: float | None = None) -> str:
    """A signed token for ``subject`` acting as ``role`` (bound to ``org``), valid for ``ttl_seconds``."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if not valid_subject(subject):
        raise ValueError(f"subject must be 1-{MAX_SUBJECT_CHARS} of the characters A-Z a-z 0-9 . _ : @ -")
    if org is not None and not valid_org(org):
        raise ValueError(f"org must be 1-{MAX_ORG_CHARS} printable characters without surrounding spaces")
    issued = int(now if now is not None else time.time())
    claims: dict[str, object] = {"sub": subject, "role": role, "iss": ISSUER, "aud": AUDIENCE, "iat": issued,
                                 "exp": issued + ttl_seconds, "jti": uuid.uuid4().hex}
    if org is not None:
        claims["org"] = org
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, token: str, *, max_lifetime_seconds: int = MAX_LIFETIME_SECONDS) -> Principal:
    """The principal of a valid token; ``NotAuthenticatedError`` says why a token is refused."""
    return _verify(secret, token, max_lifetime_seconds=max_lifetime_seconds)[0]


def _verify(secret: str, token: str, *, max_lifetime_seconds: int) -> tuple[Principal, int]:
    """The principal of a valid token and the second it expires."""
    if len(token) > MAX_TOKEN_CHARS:  # before any decoding: its cost grows with the length
        raise NotAuthenticatedError(f"invalid bearer token: over {MAX_TOKEN_CHARS} characters")
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                            options={"require": ["sub", "role", "exp", "iat"]})
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticatedError("the bearer token has expired") from exc
    except jwt.InvalidTokenError as exc:
        raise NotAuthenticatedError(f"invalid bearer token: {exc}") from exc
    subject, role, org = claims.get("sub"), claims.get("role"), claims.get("org")
    if not valid_subject(subject):
        raise NotAuthenticatedError("invalid bearer token: the subject must be 1-128 of A-Z a-z 0-9 . _ : @ -")
    if role not in ROLES:
        raise NotAuthenticatedError("invalid bearer token: unknown role")
    if org is not None and not valid_org(org):
        raise NotAuthenticatedError("invalid bearer token: bad org")
    issued, expires = claims["iat"], claims["exp"]
    if not isinstance(issued, int | float) or not isinstance(expires, int | float):
        raise NotAuthenticatedError("invalid bearer token: iat and exp must be numbers")
    if expires - issued > max_lifetime_seconds:
        raise NotAuthenticatedError(f"invalid bearer token: valid for longer than the {max_lifetime_seconds} s "
                                    "a token may live; issue a shorter one")
    return Principal(subject=str(subject), role=role, org=org), int(expires)


class TokenVerifier:
    """``verify_token`` with a bounded memory of tokens already verified.

    Checking an HS256 signature and the claims costs about 45 µs, more than serving a cached answer's
    lookup; a client sends the same token on every request until it expires. A remembered token is
    still refused from its expiry on; refused tokens are never remembered.
    """

    def __init__(self, secret: str, *, max_tokens: int = 10_000,
                 max_lifetime_seconds: int = MAX_LIFETIME_SECONDS) -> None:
        self._secret = secret
        self._max_tokens = max_tokens
        self._max_lifetime = max_lifetime_seconds
        self._verified: OrderedDict[str, tuple[Principal, int]] = OrderedDict()

    def verify(self, token: str, *, now: float | None = None) -> Principal:
        moment = time.time() if now is None else now
        known = self._verified.get(token)
        if known is not None:
            if moment < known[1]:
                return known[0]
            self._verified.pop(token, None)
            raise NotAuthenticatedError("the bearer token has expired")
        principal, expires = _verify(self._secret, token, max_lifetime_seconds=self._max_lifetime)
        self._verified[token] = (principal, expires)
        if len(self._verified) > self._max_tokens:
            self._verified.popitem(last=False)  # the oldest verified: insertion order is enough
        return principal
