"""A form-filling test browser over the portal's TestClient, and account factories."""

from __future__ import annotations

import itertools
import re
from typing import Any

from fastapi.testclient import TestClient

from services.portal.credit_code import check_character
from services.portal.web import CSRF_COOKIE

PASSWORD = "correct-horse-42"
_numbers = itertools.count(1)


def new_phone() -> str:
    return f"139{next(_numbers):08d}"


def new_credit_code() -> str:
    """A valid code (GB 32100-2015 check character) that no other test uses."""
    first17 = f"913301{next(_numbers):06d}MA2X0"[:17]
    return first17 + check_character(first17)


def field_error(html: str, name: str) -> str | None:
    """The error message shown next to the field ``name``, if any."""
    match = re.search(rf'id="e-{re.escape(name)}"[^>]*>([^<]*)<', html)
    return match.group(1) if match else None


class Browser:
    """Sends forms as a browser does: with the CSRF cookie echoed in the form, not following redirects."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def csrf(self) -> str:
        if not self.client.cookies.get(CSRF_COOKIE):
            self.client.get("/login")
        return str(self.client.cookies.get(CSRF_COOKIE))

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, follow_redirects=False, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.post(path, data={"csrf_token": self.csrf(), **(data or {})}, follow_redirects=False,
                                **kwargs)

    def register_seeker(self, login: str | None = None, *, name: str = "王敏") -> str:
        login = login or new_phone()
        response = self.post("/register", {"login": login, "password": PASSWORD, "display_name": name,
                                           "consent_account": "on", "consent_matching": "on"})
        assert response.status_code == 303, response.text
        return login

    def register_enterprise(self, organization: str = "杭州智算人工智能科技有限公司", *,
                            login: str | None = None) -> str:
        login = login or f"hr{next(_numbers)}@example.com"
        response = self.post("/register/enterprise", {
            "login": login, "password": PASSWORD, "display_name": "李娜", "organization": organization,
            "credit_code": new_credit_code(), "consent_account": "on", "consent_matching": "on"})
        assert response.status_code == 303, response.text
        return login

    def login(self, login: str, password: str = PASSWORD, *, next_path: str = "/") -> Any:
        return self.post("/login", {"login": login, "password": password, "next": next_path})

    def logout(self) -> None:
        self.post("/logout")
