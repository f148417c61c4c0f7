"""Authentication and coarse authorization shared by the services (see ``docs/security.md``)."""

from shared.auth.tokens import ROLES, Principal, Role, issue_token, verify_token
from shared.auth.web import CurrentPrincipal, current_principal, install_auth, require_role

__all__ = ["ROLES", "CurrentPrincipal", "Principal", "Role", "current_principal", "install_auth", "issue_token",
           "require_role", "verify_token"]
