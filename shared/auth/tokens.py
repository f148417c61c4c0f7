"""Bearer tokens: signed JWTs (HS256) naming a subject and one role.

The platform is its own issuer here (``talentmatch token``); behind a real identity provider the same
claims arrive from it and only ``verify_token``'s key changes. Tokens carry no personal data: the
subject is an opaque account id such as ``seeker-8f3a`` or ``ent-91``.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Principal:
    """Who is calling: an account id and its role."""

    subject: str
    role: Role

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def owns(self, owner: str | None) -> bool:
        return owner is not None and owner == self.subject


def issue_token(secret: str, *, subject: str, role: Role, ttl_seconds: int = 3600, org: str | None = None,
                now: float | None = None) -> str:
    """A signed token for ``subject`` acting as ``role`` (bound to ``org``), valid for ``ttl_seconds``."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if not subject or len(subject) > MAX_SUBJECT_CHARS:
        raise ValueError(f"subject must be 1-{MAX_SUBJECT_CHARS} characters")
    issued = int(now if now is not None else time.time())
    claims: dict[str, object] = {"sub": subject, "role": role, "iss": ISSUER, "aud": AUDIENCE, "iat": issued,
                                 "exp": issued + ttl_seconds, "jti": uuid.uuid4().hex}
    if org is not None:
        claims["org"] = org
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, token: str) -> Principal:
    """The principal of a valid token; ``NotAuthenticatedError`` says why a token is refused."""
    return _verify(secret, token)[0]


def _verify(secret: str, token: str) -> tuple[Principal, int]:
    """The principal of a valid token and the second it expires."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                            options={"require": ["sub", "role", "exp", "iat"]})
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticatedError("the bearer token has expired") from exc
    except jwt.InvalidTokenError as exc:
        raise NotAuthenticatedError(f"invalid bearer token: {exc}") from exc
    subject, role = claims.get("sub"), claims.get("role")
    if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT_CHARS:
        raise NotAuthenticatedError("invalid bearer token: bad subject")
    if role not in ROLES:
        raise NotAuthenticatedError(f"invalid bearer token: unknown role {role!r}")
    return Principal(subject=subject, role=role), int(claims["exp"])


class TokenVerifier:
    """``verify_token`` with a bounded memory of tokens already verified.

    Checking an HS256 signature and the claims costs about 45 µs, more than serving a cached answer's
    lookup; a client sends the same token on every request until it expires. A remembered token is
    still refused from its expiry on; refused tokens are never remembered.
    """

    def __init__(self, secret: str, *, max_tokens: int = 10_000) -> None:
        self._secret = secret
        self._max_tokens = max_tokens
        self._verified: OrderedDict[str, tuple[Principal, int]] = OrderedDict()

    def verify(self, token: str, *, now: float | None = None) -> Principal:
        moment = time.time() if now is None else now
        known = self._verified.get(token)
        if known is not None:
            if moment < known[1]:
                return known[0]
            self._verified.pop(token, None)
            raise NotAuthenticatedError("the bearer token has expired")
        principal, expires = _verify(self._secret, token)
        self._verified[token] = (principal, expires)
        if len(self._verified) > self._max_tokens:
            self._verified.popitem(last=False)  # the oldest verified: insertion order is enough
        return principal
