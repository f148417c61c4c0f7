"""Form models of the portal: what registration, sign-in and reset accept, with errors naming the field."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from services.portal.credit_code import normalize_credit_code

PASSWORD_MIN_CHARS = 8
_PHONE = re.compile(r"^(?:\+?86)?(1[3-9][0-9]{9})$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")

# Purposes of processing a person agrees to (PIPL art. 14, 17); the wording is in the templates.
CONSENT_VERSION = "2026-12"
REGISTRATION_PURPOSES = ("account", "matching")
RESUME_PURPOSE = "resume_import"


def normalize_login(text: str) -> str:
    """A mainland mobile number as its 11 digits, or an e-mail address in lower case."""
    value = text.strip().replace(" ", "").replace("-", "")
    phone = _PHONE.match(value)
    if phone:
        return phone.group(1)
    if _EMAIL.match(value):
        return value.lower()
    raise ValueError("enter a mainland mobile number (11 digits) or an e-mail address")


Login = Annotated[str, StringConstraints(min_length=1, max_length=254), AfterValidator(normalize_login)]
Password = Annotated[str, StringConstraints(min_length=PASSWORD_MIN_CHARS, max_length=128)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
CreditCode = Annotated[str, StringConstraints(max_length=40), AfterValidator(normalize_credit_code)]
# As the jobs API and the token's ``org`` claim accept it (shared.auth: 1-120 printable characters).
Organization = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]


class Form(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


class SeekerRegistration(Form):
    login: Login
    password: Password
    display_name: DisplayName
    consent_account: bool = Field(description="agrees to processing for the account")
    consent_matching: bool = Field(description="agrees to processing for matching")


class EnterpriseRegistration(Form):
    login: Login
    password: Password
    display_name: DisplayName
    organization: Organization
    credit_code: CreditCode
    consent_account: bool
    consent_matching: bool


class PasswordReset(Form):
    login: Login
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]
    password: Password
